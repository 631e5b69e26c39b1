package io.habanero.internal.engine;

import io.habanero.HabaneroSettings;
import io.habanero.ProgressListener;
import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.changeset.CommitFacts;
import io.habanero.internal.delta.DeltaCommit;
import io.habanero.internal.delta.DeltaLogFiles;
import io.habanero.internal.ingest.ChangesetRunner;
import io.habanero.internal.ingest.ChangesetSource;
import io.habanero.internal.ingest.SourceFormat;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.ListChangesetsResponse;
import io.habanero.model.SweepRequest;
import io.habanero.model.SweepResult;
import io.habanero.model.TimeTravel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;

/**
 * The changeset operations behind {@link io.habanero.Habanero}, one instance per Habanero: requests
 * are validated ({@link CreateValidation}) before any work, recorded ({@link NewRecords}, {@link
 * ChangesetLog}), run on the engine's threads ({@link Scheduler}), and answered from the warehouse
 * ({@link DatasetReader}, {@link ModelMapping}, {@link PageTokens}).
 */
public final class Engine implements AutoCloseable {
  private final SparkSession spark;
  private final HabaneroSettings settings;
  private final Warehouse warehouse;
  private final Scheduler scheduler = new Scheduler();
  private final ChangesetLog log;
  private final CreateValidation validation;
  private final DatasetReader reader;
  private final ModelMapping mapping;
  private volatile ChangesetRunner.Checkpoint checkpoint = ChangesetRunner.Checkpoint.NONE;

  public Engine(SparkSession spark, HabaneroSettings settings, Warehouse warehouse) {
    this.spark = spark;
    this.settings = settings;
    this.warehouse = warehouse;
    this.log =
        new ChangesetLog(
            warehouse,
            settings.leaseTimeoutMillis(),
            this::findCommit,
            this::readCommit,
            scheduler.runningIds(),
            line -> System.err.println(line));
    this.validation = new CreateValidation(spark, settings, warehouse, log);
    this.reader = new DatasetReader(spark, warehouse, log);
    this.mapping = new ModelMapping(settings.region(), settings.environmentId(), log);
  }

  /** Test seam: observe or pause the runner at named points of its timeline. */
  @com.google.common.annotations.VisibleForTesting
  public void setCheckpoint(ChangesetRunner.Checkpoint checkpoint) {
    this.checkpoint = checkpoint == null ? ChangesetRunner.Checkpoint.NONE : checkpoint;
  }

  public Warehouse warehouse() {
    return warehouse;
  }

  public HabaneroSettings settings() {
    return settings;
  }

  @com.google.common.annotations.VisibleForTesting
  public ChangesetLog log() {
    return log;
  }

  /** A submitted changeset and its completion. */
  public record Submitted(
      String datasetId, String changesetId, CompletableFuture<Changeset> done) {}

  /** Validates, records PENDING and starts the ingestion; returns at once. */
  public Submitted submit(CreateChangesetRequest req, ProgressListener listener) {
    return submit(req, listener, null);
  }

  /**
   * As {@link #submit(CreateChangesetRequest, ProgressListener)}, running the ingestion on {@code
   * executor} (null: the engine's shared threads). A retry of a known clientToken runs nothing.
   */
  public Submitted submit(
      CreateChangesetRequest req,
      ProgressListener listener,
      java.util.concurrent.Executor executor) {
    Optional<Submitted> retry = retryOfKnownToken(req);
    if (retry.isPresent()) {
      return retry.get();
    }
    CreateValidation.Accepted a = validation.validate(req);
    String datasetId = req.datasetId();
    String fingerprint = NewRecords.fingerprint(req, a.formatType());
    String changesetId = Ids.newId();
    if (req.clientToken() != null) {
      Optional<ChangesetLog.TokenClaim> prior =
          log.claimToken(datasetId, req.clientToken(), changesetId, fingerprint);
      if (prior.isPresent()) {
        if (!fingerprint.equals(prior.get().requestFingerprint)) {
          throw Errors.clientTokenReused(req.clientToken(), prior.get().changesetId);
        }
        Optional<ChangesetRecord> existing = log.find(datasetId, prior.get().changesetId);
        if (existing.isPresent()) {
          return awaitElsewhere(existing.get());
        }
        // The claimant died before recording the changeset: take its id over.
        changesetId = prior.get().changesetId;
      }
    }
    ChangesetRecord r =
        NewRecords.fromRequest(changesetId, req, a.formatType(), fingerprint, a.snapshot().files());
    log.create(r);
    return start(r, new ChangesetSource.Files(a.format(), a.snapshot()), listener, executor);
  }

  /**
   * A retry of a request whose clientToken already names a changeset is that changeset, decided
   * before the request is validated against the current state: once a MODIFY has landed, its target
   * is superseded, and the retry must still return it rather than refuse it.
   */
  private Optional<Submitted> retryOfKnownToken(CreateChangesetRequest req) {
    if (req == null
        || req.clientToken() == null
        || req.datasetId() == null
        || req.changeType() == null) {
      return Optional.empty();
    }
    Ids.check("datasetId", req.datasetId());
    Optional<ChangesetLog.TokenClaim> prior = log.readToken(req.datasetId(), req.clientToken());
    if (prior.isEmpty()) {
      return Optional.empty();
    }
    FormatType formatType = SourceFormat.resolveFormatType(req.formatType(), req.formatParams());
    if (!NewRecords.fingerprint(req, formatType).equals(prior.get().requestFingerprint)) {
      throw Errors.clientTokenReused(req.clientToken(), prior.get().changesetId);
    }
    return log.find(req.datasetId(), prior.get().changesetId).map(this::awaitElsewhere);
  }

  /**
   * Validates, records PENDING and starts a changeset whose rows are {@code data}: a DataFrame
   * written through the {@code habanero} data source, SQL or the Java API.
   */
  public Submitted submitFrame(
      String datasetId,
      ChangeType changeType,
      String updatesChangesetId,
      Dataset<Row> data,
      boolean mergeSchema,
      boolean allowEmpty,
      ProgressListener listener) {
    validation.validateFrame(datasetId, changeType, updatesChangesetId);
    ChangesetRecord r =
        NewRecords.fromFrame(
            Ids.newId(), datasetId, changeType, updatesChangesetId, mergeSchema, allowEmpty);
    log.create(r);
    return start(r, new ChangesetSource.Frame(data, mergeSchema, allowEmpty), listener, null);
  }

  private Submitted start(
      ChangesetRecord r,
      ChangesetSource source,
      ProgressListener listener,
      java.util.concurrent.Executor executor) {
    ChangesetRunner runner =
        new ChangesetRunner(
            spark, warehouse, log, r, source, listener, checkpoint, validation::mayApplyAgain);
    return new Submitted(
        r.datasetId, r.changesetId, scheduler.start(runner, mapping::toChangeset, executor));
  }

  private Submitted awaitElsewhere(ChangesetRecord r) {
    return new Submitted(
        r.datasetId, r.changesetId, scheduler.awaitElsewhere(r, log, mapping::toChangeset));
  }

  /** GetChangeset: a constant number of reads. */
  public ChangesetSummary get(String datasetId, String changesetId) {
    return mapping.toSummary(current(datasetId, changesetId));
  }

  /** The changeset in the seed's shape, as readers now see it. */
  public Changeset describe(String datasetId, String changesetId) {
    return mapping.toChangeset(current(datasetId, changesetId));
  }

  /** The changeset's record after resolving the dataset's changesets whose process died. */
  private ChangesetRecord current(String datasetId, String changesetId) {
    Ids.check("datasetId", datasetId);
    Ids.check("changesetId", changesetId);
    log.resolveInFlight(datasetId); // so statuses and retirements are current
    return reader.requireRecord(datasetId, changesetId);
  }

  /** ListChangesets, oldest first: reads the page's records only. */
  public ListChangesetsResponse list(String datasetId, Integer maxResults, String nextToken) {
    Ids.check("datasetId", datasetId);
    int max = maxResults == null ? 100 : maxResults;
    if (max < 1 || max > 100) {
      throw Errors.invalid(
          "maxResults",
          String.valueOf(maxResults),
          "it must be 1..100",
          "use a value from 1 to 100");
    }
    if (!log.datasetExists(datasetId)) {
      if (nextToken != null) {
        PageTokens.decode(nextToken, datasetId, log); // a malformed token is reported as such
      }
      throw Errors.datasetNotFound(datasetId);
    }
    long from = PageTokens.decode(nextToken, datasetId, log);
    log.resolveInFlight(datasetId);
    ChangesetLog.Page page = log.page(datasetId, from, max);
    List<ChangesetSummary> out = new ArrayList<>(page.records().size());
    for (ChangesetRecord r : page.records()) {
      out.add(mapping.toSummary(r));
    }
    String token = null;
    if (page.next().isPresent()) {
      long next = page.next().getAsLong();
      token = PageTokens.encode(next, log.slot(datasetId, next - 1).orElseThrow());
    }
    return new ListChangesetsResponse(out, token);
  }

  /** Requests a stop; returns the changeset as readers now see it. */
  public ChangesetSummary requestStop(String datasetId, String changesetId) {
    Ids.check("datasetId", datasetId);
    Ids.check("changesetId", changesetId);
    ChangesetRecord r = reader.requireRecord(datasetId, changesetId);
    if (r.isTerminal()) {
      throw Errors.notStoppable(changesetId, r.status);
    }
    log.requestStop(datasetId, changesetId);
    scheduler.runner(changesetId).ifPresent(ChangesetRunner::stop);
    return get(datasetId, changesetId);
  }

  /** The dataset at {@code at}, without the lineage column unless asked. */
  public Dataset<Row> read(String datasetId, TimeTravel at, boolean withLineage) {
    return reader.read(datasetId, at, withLineage);
  }

  /** Delta's relation for the dataset at {@code at} (the data source's and catalog's reads). */
  public HadoopFsRelation relation(String datasetId, TimeTravel at, boolean withLineage) {
    return reader.relation(datasetId, at, withLineage);
  }

  /** The datasets that have data, sorted. */
  public List<String> readableDatasets() {
    return reader.readableDatasets();
  }

  /**
   * The sweep maintenance operation (see {@link io.habanero.internal.sweep.OrphanSweep} for its
   * rules).
   *
   * @param progress receives a line per step
   */
  public SweepResult sweep(SweepRequest request, Consumer<String> progress) {
    SweepRequest req = request == null ? SweepRequest.all() : request;
    if (req.datasetId() != null) {
      Ids.check("datasetId", req.datasetId());
    }
    java.time.Duration window =
        req.safetyWindow() == null ? settings.sweepSafetyWindow() : req.safetyWindow();
    if (window.isNegative()) {
      throw Errors.invalid(
          "safetyWindow",
          window.toString(),
          "it must not be negative",
          "use 0 (remove every leftover now) or more, or null for the default "
              + settings.sweepSafetyWindow().toMinutes()
              + " minutes ("
              + HabaneroSettings.Key.SWEEP_SAFETY_WINDOW_MINUTES.confKey()
              + ")");
    }
    return new io.habanero.internal.sweep.OrphanSweep(
            spark, warehouse, log, progress == null ? line -> {} : progress)
        .run(req.datasetId(), window, req.dryRun());
  }

  private OptionalLong findCommit(String datasetId, ChangesetRecord r) {
    return DeltaCommit.findCommit(
        spark.sessionState().newHadoopConf(),
        warehouse.datasetPath(datasetId),
        r.changesetId,
        r.readVersion == null ? -1 : r.readVersion);
  }

  private Optional<CommitFacts> readCommit(String datasetId, long version) {
    return DeltaLogFiles.readCommit(
            spark.sessionState().newHadoopConf(), warehouse.datasetPath(datasetId), version)
        .map(
            f ->
                new CommitFacts(
                    f.version(),
                    f.habanero().map(DeltaLogFiles.HabaneroCommit::changesetId).orElse(null),
                    f.habanero().map(c -> changeType(c.changeType())).orElse(null),
                    f.habanero().map(DeltaLogFiles.HabaneroCommit::updatesChangesetId).orElse(null),
                    f.modificationTime()));
  }

  private static ChangeType changeType(String name) {
    try {
      return name == null ? null : ChangeType.valueOf(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Waits for this engine's running changesets, then releases its threads. */
  @Override
  public void close() {
    scheduler.close();
  }
}
