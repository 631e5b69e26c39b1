package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.lit;

import io.habanero.ChangesetProgress;
import io.habanero.ProgressListener;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.delta.DeltaCommit;
import io.habanero.internal.delta.DeltaSession;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.ChangeType;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Runs one accepted (PENDING) changeset to SUCCESS or FAILED. The timeline, and what a failure at
 * each point means (the three outcomes of Iceberg's CleanableFailure /
 * CommitStateUnknownException):
 *
 * <ol>
 *   <li>PENDING → RUNNING, recorded, unless a stop was requested first.
 *   <li>An attempt opens a Delta transaction on the table's current snapshot and reads its schema
 *       and version; the first attempt's version is recorded (recovery scans the log after it).
 *   <li>Read exactly the recorded source files and apply the schema rules.
 *   <li>Write the data files (tagged with the lineage column) under the Spark job group {@code
 *       habanero-<changesetId>}; a stop request cancels that group. In QUARANTINE mode only the
 *       well-formed rows are written, and the malformed records are kept and counted under the
 *       warehouse's quarantine.
 *   <li>Veto point: a stop request, empty input that would empty or poison the dataset, or a source
 *       file that changed or vanished fails the changeset.
 *   <li>Commit: exactly one Delta version whose commit metadata names the changeset and which
 *       carries the changeset's SetTransaction ({@code appId} = the changeset id), so the same
 *       changeset can never be committed twice.
 *   <li>SUCCESS, recorded with the version and commit time.
 * </ol>
 *
 * Outcomes:
 *
 * <ul>
 *   <li><b>Certain failure</b> (anything before the commit call, or a commit that Delta refused for
 *       a concurrent one, which it decides before writing anything): the attempt deletes the files
 *       and the quarantine it wrote ({@link DeltaCommit#discard}: its AddFiles, and Delta's empty
 *       file of a task without rows when no other changeset of the dataset is running); what it
 *       cannot tell from another writer's files, such as those of a Spark write job that failed
 *       midway, is left to the sweep ({@link io.habanero.internal.sweep.OrphanSweep}). A conflict
 *       that the change type's meaning resolves ({@link ConflictRule}) is applied again on the new
 *       snapshot, up to {@value #MAX_COMMIT_ATTEMPTS} attempts with backoff, and recorded ({@code
 *       commitAttempts}, {@code conflictsWith}); any other ends FAILED with a ConflictException
 *       naming the winning changesets and versions.
 *   <li><b>Unknown outcome</b> (the commit call failed otherwise: an I/O error writing the commit
 *       file, or a failure after it landed): nothing is deleted. The Delta log decides: the
 *       changeset's commit there means SUCCESS; its absence means FAILED; a log that cannot be read
 *       leaves the record RUNNING, for crash recovery to resolve from the log later.
 *   <li><b>After the commit landed</b> nothing turns the changeset FAILED: a commit time that
 *       cannot be read falls back to the clock, and a SUCCESS record that cannot be written stays
 *       RUNNING on disk, which recovery resolves to SUCCESS from the log.
 * </ul>
 *
 * A stop request that arrives after the commit started is too late: the changeset ends SUCCESS.
 */
public final class ChangesetRunner implements Callable<ChangesetRecord> {
  /** A test seam: called at each named point of the timeline with the live record. */
  @FunctionalInterface
  public interface Checkpoint {
    Checkpoint NONE = (phase, record) -> {};

    void reached(String phase, ChangesetRecord record) throws Exception;
  }

  /**
   * Whether a changeset that lost a commit race may be applied again on the new snapshot: what its
   * change type means must still hold. APPEND and REPLACE always may (REPLACE replaces whatever
   * came before it), as may the creation of a new dataset (the second is then checked against the
   * first's schema); a MODIFY only while the changeset it modifies is still active.
   */
  @FunctionalInterface
  public interface ConflictRule {
    ConflictRule ALWAYS = record -> true;

    boolean mayApplyAgain(ChangesetRecord record);
  }

  /** Commit attempts per changeset, the first included. */
  static final int MAX_COMMIT_ATTEMPTS = 5;

  private static final long HEARTBEAT_MILLIS = 10_000;

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final ChangesetLog log;
  private final ChangesetRecord record;
  private final ChangesetSource source;
  private final ProgressListener listener;
  private final Checkpoint checkpoint;
  private final ConflictRule conflictRule;
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
      Checkpoint checkpoint,
      ConflictRule conflictRule) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.log = log;
    this.record = record;
    this.source = source;
    this.listener = listener;
    this.checkpoint = checkpoint;
    this.conflictRule = conflictRule;
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
    spark.sparkContext().addSparkListener(tracker);
    spark
        .sparkContext()
        .setJobGroup(
            jobGroup, "Habanero changeset " + record.datasetId + "/" + record.changesetId, true);
    Attempt attempt = null;
    try {
      checkStop();
      transition(IngestionStatus.RUNNING);
      phase("READING");
      checkpoint.reached("running", record);
      for (int n = 1; ; n++) {
        attempt = new Attempt();
        try {
          long version = attempt.run(n == 1);
          succeed(attempt, version);
          break;
        } catch (CommitConflict c) {
          // Certain: Delta refused the commit before writing it, so this attempt's files go.
          attempt.discard();
          attempt = null;
          List<DeltaCommit.Commit> won = winningCommits(c.readVersion);
          String winners = describe(won);
          if (supersedesTarget(won) || !conflictRule.mayApplyAgain(record)) {
            throw Errors.conflictLost(record.datasetId, record.changeType, winners, n, false);
          }
          if (n >= MAX_COMMIT_ATTEMPTS) {
            throw Errors.conflictLost(record.datasetId, record.changeType, winners, n, true);
          }
          synchronized (record) {
            record.commitAttempts = n + 1;
            if (record.conflictsWith == null) {
              record.conflictsWith = new java.util.ArrayList<>();
            }
            record.conflictsWith.add(winners);
            log.write(record);
          }
          backoff(n);
          checkStop();
          phase("READING");
        }
      }
    } catch (CommitStateUnknown u) {
      // Neither landed nor certainly lost, and the log could not tell: nothing is deleted, and
      // the record stays RUNNING for crash recovery, which resolves it from the Delta log.
      phase("COMMIT_UNKNOWN");
    } catch (Throwable t) {
      if (attempt != null && !attempt.committing) {
        attempt.discard();
      }
      fail(t);
    } finally {
      spark.sparkContext().clearJobGroup();
      spark.sparkContext().removeSparkListener(tracker);
      phase("DONE");
    }
    return record;
  }

  /** Records FAILED with the error (CANCELLED for a stop request). */
  private void fail(Throwable t) {
    ChangesetErrorInfo info =
        stopRequested
            ? new ChangesetErrorInfo(
                "Stopped on request before committing; no data was written. Fix: create the"
                    + " changeset again if it is still wanted.",
                ErrorCategory.CANCELLED)
            : ErrorClassifier.toErrorInfo(DeltaSession.explain(t));
    synchronized (record) {
      record.errorInfo = info;
      // A FAILED changeset has no quarantine (its directory is gone, or the sweep's).
      record.quarantinedRecords = null;
      record.quarantineLocation = null;
      transition(IngestionStatus.FAILED);
    }
  }

  /**
   * Records SUCCESS for a commit that landed. Nothing after this point can turn the changeset
   * FAILED: a commit time that cannot be read falls back to the clock, and a record that cannot be
   * written stays RUNNING on disk, which crash recovery resolves to SUCCESS from the Delta log.
   */
  private void succeed(Attempt a, long version) {
    synchronized (record) {
      record.deltaVersion = version;
      try {
        record.commitTime = a.delta.commitTimestamp(version);
      } catch (RuntimeException e) {
        record.commitTime = System.currentTimeMillis();
      }
      record.rowsWritten = DeltaCommit.rowsAdded(a.actions);
      record.errorInfo = null;
      record.status = IngestionStatus.SUCCESS;
      record.heartbeatTime = System.currentTimeMillis();
      record.endTime = record.heartbeatTime;
      for (int i = 0; ; i++) {
        try {
          log.write(record);
          return;
        } catch (RuntimeException e) {
          if (i >= 2) {
            return; // recovery reads the commit from the Delta log
          }
          backoff(i + 1);
        }
      }
    }
  }

  /** The changesets that committed after {@code readVersion}: the winners of a commit race. */
  private List<DeltaCommit.Commit> winningCommits(long readVersion) {
    try {
      return DeltaCommit.commitsAfter(
          spark.sessionState().newHadoopConf(),
          warehouse.datasetPath(record.datasetId),
          readVersion);
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /**
   * Whether a winner retired the changeset this MODIFY replaces: a REPLACE, or a MODIFY of the same
   * target. Read from the winners' commit metadata, so it holds even while a winner's SUCCESS
   * record is not yet written (the changeset records alone would still show the target active).
   */
  private boolean supersedesTarget(List<DeltaCommit.Commit> winners) {
    if (record.changeType != ChangeType.MODIFY) {
      return false;
    }
    for (DeltaCommit.Commit w : winners) {
      if (w.changeType().equals(ChangeType.REPLACE.name())
          || record.updatesChangesetId.equals(w.updatesChangesetId())) {
        return true;
      }
    }
    return false;
  }

  private static String describe(List<DeltaCommit.Commit> winners) {
    if (winners.isEmpty()) {
      return "a concurrent commit";
    }
    return winners.stream()
        .map(
            c ->
                "changeset '"
                    + c.changesetId()
                    + "' ("
                    + c.changeType()
                    + ", version "
                    + c.version()
                    + ")")
        .collect(java.util.stream.Collectors.joining(", "));
  }

  private static void backoff(int attempt) {
    long millis =
        Math.min(2_000, 100L << Math.min(attempt, 5))
            + java.util.concurrent.ThreadLocalRandom.current().nextLong(100);
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One attempt to write and commit the changeset on the table's current snapshot: read, write
   * files, veto point, commit. A conflict at the commit throws {@link CommitConflict} (certain: no
   * commit file was written); any other failure of the commit call is reconciled from the Delta
   * log.
   */
  private final class Attempt {
    DeltaCommit delta;
    DeltaCommit.Written actions;
    org.apache.hadoop.fs.Path quarantine;
    boolean committing;

    long run(boolean first) throws Exception {
      delta = DeltaCommit.start(spark, warehouse.datasetPath(record.datasetId));
      if (first) {
        // Crash recovery scans the log after the first attempt's version.
        record.readVersion = delta.readVersion();
      }
      StructType table = delta.tableSchema();
      Dataset<Row> rows;
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
          Quarantine.discard(quarantine, conf); // an earlier attempt's
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
      checkEmptyInput(table == null, actions);
      checkpoint.reached("written", record);
      checkStop();
      source.verifyUnchanged(conf);
      phase("COMMITTING");
      committing = true;
      checkpoint.reached("committing", record);
      try {
        return delta.commit(
            actions,
            DeltaCommit.userMetadata(
                record.datasetId, record.changesetId, record.changeType, record.updatesChangesetId),
            record.changesetId);
      } catch (Throwable e) {
        if (DeltaCommit.isConflict(e)) {
          committing = false;
          throw new CommitConflict(delta.readVersion(), e);
        }
        return reconcile(e);
      }
    }

    /**
     * The commit call failed in a way that does not say whether the commit file landed (an I/O
     * error while writing it, or a failure after it). The Delta log decides: the changeset's own
     * commit (named in its commit metadata, and by its SetTransaction) means SUCCESS; its absence,
     * read from the log after the call returned, means it did not land, and the changeset fails
     * without deleting anything (unreferenced files are the sweep's); a log that cannot be read
     * leaves the outcome unknown.
     */
    private long reconcile(Throwable commitError) {
      java.util.OptionalLong landed;
      try {
        landed =
            DeltaCommit.findCommit(
                spark.sessionState().newHadoopConf(),
                warehouse.datasetPath(record.datasetId),
                record.changesetId,
                record.readVersion == null ? -1 : record.readVersion);
      } catch (RuntimeException e) {
        throw new CommitStateUnknown(commitError);
      }
      if (landed.isPresent()) {
        return landed.getAsLong();
      }
      throw commitError instanceof RuntimeException re
          ? re
          : new RuntimeException(commitError.getMessage(), commitError);
    }

    /** Deletes this attempt's uncommitted files and quarantine: only when it certainly failed. */
    void discard() {
      if (delta != null) {
        delta.discard(actions, ChangesetRunner.this::othersMayBeWriting);
      }
      if (quarantine != null) {
        Quarantine.discard(quarantine, spark.sessionState().newHadoopConf());
      }
    }
  }

  /**
   * Whether another changeset of the dataset is PENDING or RUNNING (or its records cannot be read),
   * so that files this attempt cannot tell from its own are left to the sweep.
   */
  private boolean othersMayBeWriting() {
    try {
      return log.othersInFlight(record.datasetId, record.changesetId);
    } catch (RuntimeException e) {
      return true;
    }
  }

  /** A commit that Delta refused for a concurrent one: certain, nothing was written. */
  private static final class CommitConflict extends RuntimeException {
    final long readVersion;

    CommitConflict(long readVersion, Throwable cause) {
      super(cause);
      this.readVersion = readVersion;
    }
  }

  /** A commit whose outcome neither the call nor the log could tell. */
  private static final class CommitStateUnknown extends RuntimeException {
    CommitStateUnknown(Throwable cause) {
      super(cause);
    }
  }

  /**
   * Empty input never silently empties or poisons a dataset: a REPLACE or MODIFY without rows needs
   * the allowEmpty opt-in, and a new dataset's first changeset without rows needs declared types.
   * Decided from the written files' row counts, so it costs no extra pass over the source.
   */
  private void checkEmptyInput(boolean newDataset, DeltaCommit.Written actions) {
    if (!DeltaCommit.addsNoRows(actions)) {
      return;
    }
    String from = "'" + record.sourceParams.getOrDefault("s3SourcePath", "DataFrame") + "'";
    if (newDataset && !source.declaresTypes()) {
      throw Errors.emptyFirstChangeset(from, record.datasetId);
    }
    if (!newDataset && record.changeType != ChangeType.APPEND && !source.allowEmpty()) {
      throw Errors.emptyReplace(from, record.datasetId, record.changeType);
    }
  }

  private void checkStop() {
    if (stopRequested || log.stopRequested(record.datasetId, record.changesetId)) {
      stopRequested = true;
      throw Errors.stoppedOnRequest(record.changesetId);
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
