package io.habanero.internal.ingest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Sums the input bytes and output rows of finished tasks in one changeset's Spark job group. */
final class ProgressTracker extends SparkListener {
  private final String jobGroup;
  private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong rowsWritten = new AtomicLong();

  ProgressTracker(String jobGroup) {
    this.jobGroup = jobGroup;
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    if (start.properties() != null
        && jobGroup.equals(start.properties().getProperty("spark.jobGroup.id"))) {
      for (Object id : scala.collection.JavaConverters.seqAsJavaList(start.stageIds())) {
        stages.add((Integer) id);
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (stages.contains(end.stageId()) && end.taskMetrics() != null) {
      bytesRead.addAndGet(end.taskMetrics().inputMetrics().bytesRead());
      rowsWritten.addAndGet(end.taskMetrics().outputMetrics().recordsWritten());
    }
  }
}
