package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.lit;

import io.habanero.ChangesetProgress;
import io.habanero.ProgressListener;
import io.habanero.internal.Errors;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * Runs one accepted (PENDING) changeset to SUCCESS or FAILED. The timeline:
 *
 * <ol>
 *   <li>PENDING → RUNNING, recorded, unless a stop was requested first.
 *   <li>Open a Delta transaction; read the dataset's schema and version.
 *   <li>Read exactly the recorded source files and apply the schema rules.
 *   <li>Write the data files (tagged with the lineage column) under the Spark job group {@code
 *       habanero-<changesetId>}; a stop request cancels that group.
 *   <li>Veto point: a stop request, or a source file that changed or vanished, fails the changeset
 *       and deletes the uncommitted files.
 *   <li>Commit: exactly one Delta version whose metadata names the changeset.
 *   <li>SUCCESS, recorded with the version and commit time.
 * </ol>
 *
 * Any failure before the commit records FAILED with errorInfo and leaves the dataset unchanged. A
 * stop request that arrives after the commit started is too late: the changeset ends SUCCESS.
 */
public final class ChangesetRunner implements Callable<ChangesetRecord> {
  /** A test seam: called at each named point of the timeline with the live record. */
  @FunctionalInterface
  public interface Checkpoint {
    Checkpoint NONE = (phase, record) -> {};

    void reached(String phase, ChangesetRecord record) throws Exception;
  }

  private static final long HEARTBEAT_MILLIS = 10_000;

  /** Input bytes per output file when many small files are packed together. */
  private static final long TARGET_FILE_BYTES = 128L * 1024 * 1024;

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final ChangesetLog log;
  private final ChangesetRecord record;
  private final SourceFormat format;
  private final SourceSnapshot snapshot;
  private final ProgressListener listener;
  private final Checkpoint checkpoint;
  private final String jobGroup;
  private final ProgressTracker tracker;
  private volatile boolean stopRequested;
  private volatile String phase = "PENDING";

  public ChangesetRunner(
      SparkSession spark,
      Warehouse warehouse,
      ChangesetLog log,
      ChangesetRecord record,
      SourceFormat format,
      SourceSnapshot snapshot,
      ProgressListener listener,
      Checkpoint checkpoint) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.log = log;
    this.record = record;
    this.format = format;
    this.snapshot = snapshot;
    this.listener = listener;
    this.checkpoint = checkpoint;
    this.jobGroup = "habanero-" + record.changesetId;
    this.tracker = new ProgressTracker(jobGroup);
  }

  public String changesetId() {
    return record.changesetId;
  }

  /** Asks the run to stop: it ends FAILED/CANCELLED unless its commit already started. */
  public void stop() {
    stopRequested = true;
    spark.sparkContext().cancelJobGroup(jobGroup);
  }

  /** Polls the warehouse's stop marker (a stop requested by another process) and heartbeats. */
  public void tick() {
    if (!stopRequested && log.stopRequested(record.datasetId, record.changesetId)) {
      stop();
    }
    long now = System.currentTimeMillis();
    synchronized (record) {
      // The heartbeat only has to beat the lease timeout (minutes), so it is written rarely.
      if (!record.isTerminal() && now - record.heartbeatTime >= HEARTBEAT_MILLIS) {
        record.heartbeatTime = now;
        log.write(record);
      }
    }
    report();
  }

  @Override
  public ChangesetRecord call() {
    Seq<Action> actions = null;
    DeltaCommit delta = null;
    boolean committing = false;
    Dataset<Row> source = null;
    SourceReader reader = null;
    spark.sparkContext().addSparkListener(tracker);
    spark
        .sparkContext()
        .setJobGroup(
            jobGroup, "Habanero changeset " + record.datasetId + "/" + record.changesetId, true);
    try {
      checkStop();
      transition(IngestionStatus.RUNNING);
      phase("READING");
      checkpoint.reached("running", record);
      delta = DeltaCommit.start(spark, warehouse.datasetPath(record.datasetId));
      record.readVersion = delta.readVersion();
      StructType table = delta.tableSchema();
      reader =
          new SourceReader(
              spark,
              format,
              snapshot,
              record.datasetId,
              table == null ? null : SchemaRules.userSchema(table));
      try {
        // Schema inference and Parquet footers are read here, so bad files can fail already.
        source = reader.read();
      } catch (Exception e) {
        checkStop();
        throw explainReadFailure(reader, null, e);
      }
      checkStop();
      phase("WRITING");
      try {
        actions =
            delta.writeFiles(
                packSmallFiles(source)
                    .withColumn(SchemaRules.LINEAGE_COLUMN, lit(record.changesetId)),
                record.changeType,
                record.changesetId,
                record.updatesChangesetId);
      } catch (Exception e) {
        // Spark's job failures are checked SparkExceptions, so RuntimeException is not enough.
        checkStop();
        throw explainReadFailure(reader, source, e);
      }
      checkpoint.reached("written", record);
      checkStop();
      Configuration conf = spark.sessionState().newHadoopConf();
      snapshot.verifyUnchanged(conf);
      phase("COMMITTING");
      committing = true;
      long version =
          delta.commit(
              actions,
              DeltaCommit.userMetadata(record.datasetId, record.changesetId, record.changeType));
      synchronized (record) {
        record.deltaVersion = version;
        record.commitTime = delta.commitTimestamp(version);
        record.rowsWritten = DeltaCommit.rowsAdded(actions);
        record.errorInfo = null;
        transition(IngestionStatus.SUCCESS);
      }
    } catch (Throwable t) {
      if (!committing && delta != null) {
        delta.discard(actions);
      }
      ChangesetErrorInfo info =
          stopRequested
              ? new ChangesetErrorInfo(
                  "Stopped on request before committing; no data was written. Fix: create the"
                      + " changeset again if it is still wanted.",
                  ErrorCategory.CANCELLED)
              : Errors.toErrorInfo(t);
      synchronized (record) {
        record.errorInfo = info;
        transition(IngestionStatus.FAILED);
      }
    } finally {
      spark.sparkContext().clearJobGroup();
      spark.sparkContext().removeSparkListener(tracker);
      phase("DONE");
    }
    return record;
  }

  /** Turns a failure to read the source into a VALIDATION error naming the bad records/files. */
  private static RuntimeException explainReadFailure(
      SourceReader reader, Dataset<Row> source, Exception e) {
    if (e instanceof io.habanero.errors.HabaneroException h) {
      return h;
    }
    if (SourceReader.isMalformed(e)) {
      return reader.explainMalformed(source, e);
    }
    if (SourceReader.isBadParquet(e)) {
      return new io.habanero.errors.ValidationException(
          "The Parquet source could not be read: "
              + Errors.firstLine(SourceReader.rootMessage(e))
              + ". Nothing was committed. Fix: make every file valid Parquet with the"
              + " dataset's column types.",
          e);
    }
    return Errors.classify(e);
  }

  /**
   * Spark plans one read partition per ~4 MB of small files (its open cost), so thousands of tiny
   * source files would become hundreds of tiny output files. Coalescing (no shuffle) to what the
   * input's size calls for keeps the output file count independent of the input file count. The
   * partition count Spark will plan is computed from the snapshot with Spark's own split rule
   * ({@code FilePartition.maxSplitBytes}), without planning the query.
   */
  private Dataset<Row> packSmallFiles(Dataset<Row> source) {
    int parallelism = spark.sparkContext().defaultParallelism();
    long total = snapshot.totalBytes();
    int wanted = (int) Math.max(parallelism, (total + TARGET_FILE_BYTES - 1) / TARGET_FILE_BYTES);
    if (snapshot.files().size() <= wanted) {
      return source;
    }
    long openCost = spark.sessionState().conf().filesOpenCostInBytes();
    long maxPartitionBytes = spark.sessionState().conf().filesMaxPartitionBytes();
    long withOpenCost = total + snapshot.files().size() * openCost;
    long maxSplit = Math.min(maxPartitionBytes, Math.max(openCost, withOpenCost / parallelism));
    long planned = (withOpenCost + maxSplit - 1) / maxSplit;
    return planned <= 2L * wanted ? source : source.coalesce(wanted);
  }

  private void checkStop() {
    if (stopRequested || log.stopRequested(record.datasetId, record.changesetId)) {
      stopRequested = true;
      throw new io.habanero.errors.ConflictException("stopped");
    }
  }

  private void transition(IngestionStatus status) {
    synchronized (record) {
      record.status = status;
      record.heartbeatTime = System.currentTimeMillis();
      if (record.isTerminal()) {
        record.endTime = record.heartbeatTime;
      }
      log.write(record);
    }
  }

  private void phase(String p) {
    phase = p;
    report();
  }

  private void report() {
    try {
      listener.onProgress(
          new ChangesetProgress(
              record.datasetId,
              record.changesetId,
              phase,
              snapshot.files().size(),
              snapshot.totalBytes(),
              Math.min(tracker.bytesRead.get(), snapshot.totalBytes()),
              record.rowsWritten != null ? record.rowsWritten : tracker.rowsWritten.get()));
    } catch (RuntimeException e) {
      // A listener must not break the ingestion.
    }
  }
}
