package io.habanero.jobs.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs jar on a real multi-process Spark standalone cluster: each CLI call is a {@code
 * spark-submit} (client mode) of the shaded jar to a master and a worker in their own JVMs, whose
 * executors run with a SPARK_HOME classpath that holds Spark and Hadoop but neither Habanero nor
 * Delta, so those come from the submitted jar alone. The warehouse and the sources are local
 * directories that the driver and the executors share (one machine).
 *
 * <p>The story and its checks are {@link ClusterStory}'s: APPEND, APPEND, MODIFY of the first,
 * REPLACE; then list-changesets, and read-dataset as of each changeset, compared row by row and
 * value by value with the source files. Every Spark job of a create or a read must have run its
 * tasks in an executor of the worker.
 */
class ClusterSubmitIT {
  @TempDir Path tmp;

  @Test
  void changesetsSubmittedToAStandaloneClusterRunOnItsExecutors() throws Exception {
    long t0 = System.nanoTime();
    ClusterStory.jobsJar();
    ClusterStory.Samples samples = ClusterStory.Samples.write(tmp.resolve("samples"));
    Path warehouse = tmp.resolve("warehouse");

    try (StandaloneCluster cluster = StandaloneCluster.start(ClusterStory.itDir())) {
      Duration startup = Duration.ofNanos(System.nanoTime() - t0);
      ClusterStory story = new ClusterStory(cluster, List.of("--warehouse", warehouse.toString()));
      story.run(samples, samples.files().stream().map(Path::toString).toList());
      story.assertMasterAndWorkerSawEveryApplication();
      story.printTimings(startup, t0);
    }
  }
}
