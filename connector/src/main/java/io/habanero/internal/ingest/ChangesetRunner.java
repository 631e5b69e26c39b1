package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.lit;

import io.habanero.ChangesetProgress;
import io.habanero.ProgressListener;
import io.habanero.internal.DeltaSession;
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
 *       habanero-<changesetId>}; a stop request cancels that group. In QUARANTINE mode only the
 *       well-formed rows are written, and the malformed records are kept and counted under the
 *       warehouse's quarantine.
 *   <li>Veto point: a stop request, or a source file that changed or vanished, fails the changeset
 *       and deletes the uncommitted files (and the quarantined records).
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

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final ChangesetLog log;
  private final ChangesetRecord record;
  private final ChangesetSource source;
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
      ChangesetSource source,
      ProgressListener listener,
      Checkpoint checkpoint) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.log = log;
    this.record = record;
    this.source = source;
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
    Dataset<Row> rows = null;
    org.apache.hadoop.fs.Path quarantine = null;
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
      try {
        // Schema inference and Parquet footers are read here, so bad files can fail already.
        rows = source.read(record.datasetId, table == null ? null : SchemaRules.userSchema(table));
      } catch (Exception e) {
        checkStop();
        throw source.explainFailure(null, e);
      }
      checkStop();
      phase("WRITING");
      Dataset<Row> malformed = null;
      if (source.quarantine()) {
        malformed = Quarantine.badRecords(rows);
        rows = Quarantine.goodRows(rows);
      }
      Configuration conf = spark.sessionState().newHadoopConf();
      try {
        actions =
            delta.writeFiles(
                source.pack(rows).withColumn(SchemaRules.LINEAGE_COLUMN, lit(record.changesetId)),
                record.changeType,
                record.changesetId,
                record.updatesChangesetId,
                source.mergeSchema());
        if (malformed != null) {
          // Kept before the commit, so a SUCCESS changeset never loses its bad records.
          quarantine = warehouse.quarantinePath(record.datasetId, record.changesetId);
          long kept = Quarantine.write(malformed, quarantine, conf);
          synchronized (record) {
            record.quarantinedRecords = kept;
            record.quarantineLocation = kept > 0 ? quarantine.toString() : null;
            // Recorded before the commit: if this process dies after it, the changeset resolves
            // to SUCCESS with its quarantine already on record.
            log.write(record);
          }
        }
      } catch (Exception e) {
        // Spark's job failures are checked SparkExceptions, so RuntimeException is not enough.
        checkStop();
        throw source.explainFailure(rows, e);
      }
      checkpoint.reached("written", record);
      checkStop();
      source.verifyUnchanged(conf);
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
      if (!committing && quarantine != null) {
        Quarantine.discard(quarantine, spark.sessionState().newHadoopConf());
      }
      ChangesetErrorInfo info =
          stopRequested
              ? new ChangesetErrorInfo(
                  "Stopped on request before committing; no data was written. Fix: create the"
                      + " changeset again if it is still wanted.",
                  ErrorCategory.CANCELLED)
              : Errors.toErrorInfo(DeltaSession.explain(t));
      synchronized (record) {
        record.errorInfo = info;
        if (!committing) {
          record.quarantinedRecords = null;
          record.quarantineLocation = null;
        }
        transition(IngestionStatus.FAILED);
      }
    } finally {
      spark.sparkContext().clearJobGroup();
      spark.sparkContext().removeSparkListener(tracker);
      phase("DONE");
    }
    return record;
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
              source.fileCount(),
              source.totalBytes(),
              source.totalBytes() > 0
                  ? Math.min(tracker.bytesRead.get(), source.totalBytes())
                  : tracker.bytesRead.get(),
              record.rowsWritten != null ? record.rowsWritten : tracker.rowsWritten.get()));
    } catch (RuntimeException e) {
      // A listener must not break the ingestion.
    }
  }
}
