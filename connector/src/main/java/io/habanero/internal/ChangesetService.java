package io.habanero.internal;

import io.habanero.HabaneroSettings;
import io.habanero.ProgressListener;
import io.habanero.errors.ConflictException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.delta.DeltaCommit;
import io.habanero.internal.delta.DeltaSession;
import io.habanero.internal.ingest.ChangesetRunner;
import io.habanero.internal.ingest.ChangesetSource;
import io.habanero.internal.ingest.SchemaRules;
import io.habanero.internal.ingest.SourceFormat;
import io.habanero.internal.ingest.SourcePaths;
import io.habanero.internal.ingest.SourceSnapshot;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.internal.warehouse.WriterSafety;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsResponse;
import io.habanero.model.QuarantineInfo;
import io.habanero.model.SourceType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;

/**
 * The changeset operations behind {@link io.habanero.Habanero}: validates requests before any work,
 * records changesets durably, runs them on background threads and answers reads from the warehouse.
 */
public final class ChangesetService implements AutoCloseable {
  private static final long TICK_MILLIS = 1000;
  private static final long POLL_MILLIS = 250;

  private final SparkSession spark;
  private final HabaneroSettings settings;
  private final Warehouse warehouse;
  private final ChangesetLog log;
  private final Map<String, ChangesetRunner> running = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService ticker;
  private volatile ChangesetRunner.Checkpoint checkpoint = ChangesetRunner.Checkpoint.NONE;

  public ChangesetService(SparkSession spark, HabaneroSettings settings, Warehouse warehouse) {
    this.spark = spark;
    this.settings = settings;
    this.warehouse = warehouse;
    this.log =
        new ChangesetLog(
            warehouse, settings.leaseTimeoutMillis(), this::findCommit, running.keySet());
    this.workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "habanero-changeset");
              t.setDaemon(true);
              return t;
            });
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "habanero-ticker");
              t.setDaemon(true);
              return t;
            });
  }

  /** Test seam: observe or pause the runner at named points of its timeline. */
  public void setCheckpoint(ChangesetRunner.Checkpoint checkpoint) {
    this.checkpoint = checkpoint == null ? ChangesetRunner.Checkpoint.NONE : checkpoint;
  }

  public Warehouse warehouse() {
    return warehouse;
  }

  public ChangesetLog log() {
    return log;
  }

  private Configuration hadoopConf() {
    return spark.sessionState().newHadoopConf();
  }

  /** A validated create request. */
  private record Accepted(
      CreateChangesetRequest request,
      FormatType formatType,
      SourceFormat format,
      SourceSnapshot snapshot) {}

  private Accepted validate(CreateChangesetRequest req) {
    if (req == null) {
      throw Errors.missing("request", "pass a CreateChangesetRequest");
    }
    WriterSafety.check(spark, settings, warehouse);
    String datasetId = Ids.check("datasetId", req.datasetId());
    if (req.changeType() == null) {
      throw Errors.missing("changeType", "set changeType to APPEND, REPLACE or MODIFY");
    }
    if (req.sourceType() != null && req.sourceType() != SourceType.S3) {
      throw Errors.invalid("sourceType", req.sourceType().name(), "only S3 is supported", "use S3");
    }
    Validation.checkMap("sourceParams", req.sourceParams());
    Validation.checkMap("formatParams", req.formatParams());
    Validation.checkMap("tags", req.tags());
    for (String k : req.sourceParams().keySet()) {
      if (!k.equals("s3SourcePath") && !k.equals("sourceType")) {
        throw Errors.unknownKeys(
            "sourceParams", List.of(k), "an S3 source", List.of("s3SourcePath", "sourceType"));
      }
    }
    String st = req.sourceParams().get("sourceType");
    if (st != null && !st.trim().equalsIgnoreCase("S3")) {
      throw Errors.invalid("sourceParams.sourceType", st, "only S3 is supported", "use S3");
    }
    String path = req.sourceParams().get("s3SourcePath");
    if (path == null || path.isBlank()) {
      throw Errors.missing(
          "sourceParams.s3SourcePath",
          "set it to the file or prefix to ingest, e.g. the s3Uri of a working location");
    }
    if (req.clientToken() != null) {
      Validation.checkClientToken(req.clientToken());
    }
    FormatType formatType = SourceFormat.resolveFormatType(req.formatType(), req.formatParams());
    SourceFormat format = SourceFormat.parse(formatType, req.formatParams());
    if (req.changeType() == ChangeType.MODIFY) {
      checkModifiable(datasetId, req.updatesChangesetId());
    } else if (req.updatesChangesetId() != null) {
      throw Errors.notAllowed(
          "updatesChangesetId",
          "is only for MODIFY, but changeType is " + req.changeType(),
          "drop updatesChangesetId, or use changeType MODIFY");
    }
    // The listing reads the canonical spelling that was checked, and its files are checked again.
    SourcePaths.Checked source = SourcePaths.check(path, settings, warehouse);
    SourceSnapshot snapshot = SourceSnapshot.list(source.path(), hadoopConf());
    source.checkListed(snapshot);
    snapshot.checkCompression(
        format.compressionExtension(), req.formatParams().getOrDefault("compression", "none"));
    snapshot.checkLayout(formatType);
    return new Accepted(req, formatType, format, snapshot);
  }

  private void checkModifiable(String datasetId, String target) {
    if (target == null || target.isBlank()) {
      throw Errors.missing(
          "updatesChangesetId",
          "MODIFY replaces the rows of one earlier changeset; name it in updatesChangesetId");
    }
    Ids.check("updatesChangesetId", target);
    DeltaSession.requireExtension(
        spark,
        "MODIFY",
        "Delta replaces the rows of changeset '"
            + target
            + "' with a replaceWhere on a data column, which it runs as a DELETE that only its"
            + " extension's analyzer rules can plan");
    if (!log.datasetExists(datasetId)) {
      throw Errors.datasetNotFound(datasetId);
    }
    ChangesetRecord t =
        log.find(datasetId, target).orElseThrow(() -> Errors.changesetNotFound(datasetId, target));
    if (t.status != IngestionStatus.SUCCESS) {
      throw Errors.notAllowed(
          "updatesChangesetId",
          "names changeset '"
              + target
              + "', which is "
              + t.status
              + "; only a SUCCESS changeset can be modified",
          "name a SUCCESS changeset (see list-changesets)");
    }
    ChangesetLog.Retirement r = ChangesetLog.retirement(t, log.list(datasetId));
    if (r.retired()) {
      throw new ConflictException(
          "updatesChangesetId '"
              + target
              + "' is already superseded"
              + (r.updatedByChangesetId() != null
                  ? " by MODIFY changeset '" + r.updatedByChangesetId() + "'"
                  : " by a later REPLACE")
              + ", so its rows are no longer in the dataset. Fix: modify the changeset that"
              + " replaced it, or use APPEND.");
    }
  }

  /**
   * After a lost commit race: a MODIFY may be applied again only while the changeset it modifies is
   * still active (not superseded by the winner); other change types always may.
   */
  private boolean mayApplyAgain(ChangesetRecord r) {
    if (r.changeType != ChangeType.MODIFY) {
      return true;
    }
    try {
      checkModifiable(r.datasetId, r.updatesChangesetId);
      return true;
    } catch (io.habanero.errors.HabaneroException e) {
      return false;
    }
  }

  /** Validates, records PENDING and starts the ingestion; returns at once. */
  public Submitted submit(CreateChangesetRequest req, ProgressListener listener) {
    Optional<Submitted> retry = retryOfKnownToken(req);
    if (retry.isPresent()) {
      return retry.get();
    }
    Accepted a = validate(req);
    String datasetId = req.datasetId();
    String fingerprint = fingerprint(req, a.formatType());
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
          return new Submitted(datasetId, prior.get().changesetId, awaitElsewhere(existing.get()));
        }
        // The claimant died before recording the changeset: take its id over.
        changesetId = prior.get().changesetId;
      }
    }
    ChangesetRecord r = new ChangesetRecord();
    r.changesetId = changesetId;
    r.datasetId = datasetId;
    r.changeType = req.changeType();
    r.formatType = a.formatType();
    r.sourceParams = new LinkedHashMap<>(req.sourceParams());
    r.formatParams = new LinkedHashMap<>(req.formatParams());
    r.tags = new LinkedHashMap<>(req.tags());
    r.updatesChangesetId = req.updatesChangesetId();
    r.requestFingerprint = fingerprint;
    r.createTime = System.currentTimeMillis();
    r.status = IngestionStatus.PENDING;
    r.sourceFiles = new ArrayList<>(a.snapshot().files());
    r.owner = ChangesetRecord.Owner.current();
    r.heartbeatTime = r.createTime;
    log.write(r);
    return start(r, new ChangesetSource.Files(a.format(), a.snapshot()), listener);
  }

  /**
   * A retry of a request whose clientToken already names a changeset is that changeset, decided
   * before the request is validated against the current state: once a MODIFY has landed, its target
   * is superseded, and the retry must still return it rather than refuse it.
   */
  private Optional<Submitted> retryOfKnownToken(CreateChangesetRequest req) {
    if (req.clientToken() == null || req.datasetId() == null || req.changeType() == null) {
      return Optional.empty();
    }
    Ids.check("datasetId", req.datasetId());
    Optional<ChangesetLog.TokenClaim> prior = log.readToken(req.datasetId(), req.clientToken());
    if (prior.isEmpty()) {
      return Optional.empty();
    }
    FormatType formatType = SourceFormat.resolveFormatType(req.formatType(), req.formatParams());
    if (!fingerprint(req, formatType).equals(prior.get().requestFingerprint)) {
      throw Errors.clientTokenReused(req.clientToken(), prior.get().changesetId);
    }
    return log.find(req.datasetId(), prior.get().changesetId)
        .map(r -> new Submitted(req.datasetId(), r.changesetId, awaitElsewhere(r)));
  }

  /**
   * Validates, records PENDING and starts a changeset whose rows are {@code data}: a DataFrame
   * written through the {@code habanero} data source or SQL. It is recorded like any other, with
   * {@code sourceParams} naming the DataFrame as its source and no formatType.
   */
  public Submitted submitFrame(
      String datasetId,
      ChangeType changeType,
      String updatesChangesetId,
      Dataset<Row> data,
      boolean mergeSchema,
      boolean allowEmpty,
      ProgressListener listener) {
    WriterSafety.check(spark, settings, warehouse);
    Ids.check("datasetId", datasetId);
    if (changeType == null) {
      throw Errors.missing("changeType", "set changeType to APPEND, REPLACE or MODIFY");
    }
    if (changeType == ChangeType.MODIFY) {
      checkModifiable(datasetId, updatesChangesetId);
    } else if (updatesChangesetId != null) {
      throw Errors.notAllowed(
          "updatesChangesetId",
          "is only for MODIFY, but changeType is " + changeType,
          "drop updatesChangesetId, or use changeType MODIFY");
    }
    ChangesetRecord r = new ChangesetRecord();
    r.changesetId = Ids.newId();
    r.datasetId = datasetId;
    r.changeType = changeType;
    r.sourceParams = new LinkedHashMap<>(Map.of(FRAME_SOURCE_KEY, FRAME_SOURCE_VALUE));
    r.formatParams = new LinkedHashMap<>();
    if (mergeSchema) {
      r.formatParams.put(MERGE_SCHEMA_KEY, "true"); // the opt-in is part of the record
    }
    if (allowEmpty) {
      r.formatParams.put(ALLOW_EMPTY_KEY, "true");
    }
    r.tags = new LinkedHashMap<>();
    r.updatesChangesetId = updatesChangesetId;
    r.createTime = System.currentTimeMillis();
    r.status = IngestionStatus.PENDING;
    r.sourceFiles = new ArrayList<>();
    r.owner = ChangesetRecord.Owner.current();
    r.heartbeatTime = r.createTime;
    log.write(r);
    return start(r, new ChangesetSource.Frame(data, mergeSchema, allowEmpty), listener);
  }

  /** The formatParams key that records a DataFrame write's mergeSchema opt-in. */
  public static final String MERGE_SCHEMA_KEY = "mergeSchema";

  /** The formatParams key that records a DataFrame write's allowEmpty opt-in. */
  public static final String ALLOW_EMPTY_KEY = "allowEmpty";

  /** The sourceParams entry that marks a changeset written from a DataFrame. */
  public static final String FRAME_SOURCE_KEY = "source";

  public static final String FRAME_SOURCE_VALUE = "DataFrame";

  private Submitted start(ChangesetRecord r, ChangesetSource source, ProgressListener listener) {
    ChangesetRunner runner =
        new ChangesetRunner(
            spark, warehouse, log, r, source, listener, checkpoint, this::mayApplyAgain);
    String changesetId = r.changesetId;
    String datasetId = r.datasetId;
    running.put(changesetId, runner);
    ChangesetLog.RUNNING_IN_THIS_JVM.add(changesetId);
    ScheduledFuture<?> tick =
        ticker.scheduleWithFixedDelay(
            () -> {
              try {
                runner.tick();
              } catch (RuntimeException e) {
                // a failed heartbeat is retried at the next tick
              }
            },
            TICK_MILLIS,
            TICK_MILLIS,
            TimeUnit.MILLISECONDS);
    CompletableFuture<Changeset> done =
        CompletableFuture.supplyAsync(runner::call, workers)
            .whenComplete(
                (rec, err) -> {
                  tick.cancel(false);
                  running.remove(changesetId);
                  ChangesetLog.RUNNING_IN_THIS_JVM.remove(changesetId);
                })
            .thenApply(rec -> toChangeset(rec, log.list(datasetId)));
    return new Submitted(datasetId, changesetId, done);
  }

  /** A submitted changeset and its completion. */
  public record Submitted(
      String datasetId, String changesetId, CompletableFuture<Changeset> done) {}

  private CompletableFuture<Changeset> awaitElsewhere(ChangesetRecord r) {
    return CompletableFuture.supplyAsync(
        () -> {
          ChangesetRecord cur = r;
          while (!cur.isTerminal()) {
            try {
              Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted while waiting for " + r.changesetId, e);
            }
            cur = log.find(r.datasetId, r.changesetId).orElse(cur);
          }
          return toChangeset(cur, log.list(r.datasetId));
        },
        workers);
  }

  public ChangesetSummary get(String datasetId, String changesetId) {
    Ids.check("datasetId", datasetId);
    Ids.check("changesetId", changesetId);
    ChangesetRecord r = requireRecord(datasetId, changesetId);
    return toSummary(r, log.list(datasetId));
  }

  private ChangesetRecord requireRecord(String datasetId, String changesetId) {
    Optional<ChangesetRecord> r = log.find(datasetId, changesetId);
    if (r.isEmpty()) {
      if (!log.datasetExists(datasetId)) {
        throw Errors.datasetNotFound(datasetId);
      }
      throw Errors.changesetNotFound(datasetId, changesetId);
    }
    return r.get();
  }

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
    String after = null;
    if (nextToken != null) {
      try {
        after = new String(Base64.getUrlDecoder().decode(nextToken), StandardCharsets.UTF_8);
        Ids.check("nextToken", after);
      } catch (IllegalArgumentException | ValidationException e) {
        throw Errors.invalid(
            "nextToken",
            nextToken,
            "it is not a token this API returned",
            "pass the nextToken of the previous page, or none");
      }
    }
    if (!log.datasetExists(datasetId)) {
      throw Errors.datasetNotFound(datasetId);
    }
    List<ChangesetRecord> all = log.list(datasetId);
    int start = 0;
    if (after != null) {
      start = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).changesetId.equals(after)) {
          start = i + 1;
        }
      }
      if (start < 0) {
        throw Errors.invalid(
            "nextToken",
            nextToken,
            "it does not belong to dataset " + datasetId,
            "pass the nextToken of the previous page of this dataset");
      }
    }
    List<ChangesetSummary> page = new ArrayList<>();
    for (int i = start; i < all.size() && page.size() < max; i++) {
      page.add(toSummary(all.get(i), all));
    }
    String token = null;
    if (start + page.size() < all.size()) {
      token =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(
                  page.get(page.size() - 1).changesetId().getBytes(StandardCharsets.UTF_8));
    }
    return new ListChangesetsResponse(page, token);
  }

  /** Requests a stop; returns the changeset as readers now see it. */
  public ChangesetSummary requestStop(String datasetId, String changesetId) {
    Ids.check("datasetId", datasetId);
    Ids.check("changesetId", changesetId);
    ChangesetRecord r = requireRecord(datasetId, changesetId);
    if (r.isTerminal()) {
      throw Errors.notStoppable(changesetId, r.status);
    }
    log.requestStop(datasetId, changesetId);
    ChangesetRunner local = running.get(changesetId);
    if (local != null) {
      local.stop();
    }
    return get(datasetId, changesetId);
  }

  /**
   * Reads a dataset, as of a SUCCESS changeset or (null) the latest version, without the lineage
   * column unless asked.
   */
  public Dataset<Row> read(String datasetId, String changesetId, boolean withLineage) {
    requireReadable(datasetId);
    // Delta's own relation, built as format("delta") builds it, from a table whose log is opened
    // on any session and whose snapshot can be checked before the rows are returned.
    DeltaTableV2 table =
        new DeltaTableV2(
            spark,
            warehouse.datasetPath(datasetId),
            scala.Option.empty(),
            scala.Option.empty(),
            scala.Option.empty(),
            DeltaCommit.scalaMap(Map.of()));
    if (changesetId != null) {
      table =
          table.withOptions(
              DeltaCommit.scalaMap(
                  Map.of("versionAsOf", String.valueOf(successVersion(datasetId, changesetId)))));
    }
    DeltaSession.opened(spark, table);
    Dataset<Row> df = spark.baseRelationToDataFrame(table.toBaseRelation());
    DeltaSession.checkReadable(spark, table.initialSnapshot(), datasetId);
    return withLineage ? df : df.drop(SchemaRules.LINEAGE_COLUMN);
  }

  /**
   * Fails unless the dataset exists and has data (at least one SUCCESS changeset).
   *
   * @throws ResourceNotFoundException naming the dataset
   */
  public void requireReadable(String datasetId) {
    Ids.check("datasetId", datasetId);
    // Fast path: a committed Delta version means a SUCCESS changeset (only those commit). Delta
    // caches the log, so this costs one listing of _delta_log, which the read needs anyway.
    org.apache.hadoop.fs.Path table = warehouse.datasetPath(datasetId);
    if (warehouse.exists(new org.apache.hadoop.fs.Path(table, "_delta_log"))
        && DeltaSession.forTable(spark, table)
                .update(false, scala.Option.empty(), scala.Option.empty())
                .version()
            >= 0) {
      return;
    }
    if (!log.datasetExists(datasetId)) {
      throw Errors.datasetNotFound(datasetId);
    }
    // Failed first changesets leave an empty _delta_log, which Delta cannot load.
    throw Errors.datasetHasNoData(datasetId);
  }

  /** The datasets that have data, sorted. */
  public List<String> readableDatasets() {
    List<String> out = new ArrayList<>();
    for (String id : log.datasets()) {
      if (log.list(id).stream().anyMatch(r -> r.status == IngestionStatus.SUCCESS)) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * The Delta version to read as of SUCCESS changeset {@code changesetId}.
   *
   * @throws ResourceNotFoundException if the changeset is unknown
   * @throws ValidationException if it is not SUCCESS
   */
  public long successVersion(String datasetId, String changesetId) {
    Ids.check("changesetId", changesetId);
    ChangesetRecord r = requireRecord(datasetId, changesetId);
    if (r.status != IngestionStatus.SUCCESS || r.deltaVersion == null) {
      throw Errors.notAllowed(
          "changesetId",
          "names changeset '"
              + changesetId
              + "', which is "
              + r.status
              + " and has no version to read",
          "name a SUCCESS changeset");
    }
    return r.deltaVersion;
  }

  /** The Delta version a SUCCESS changeset committed. */
  public long versionOf(String datasetId, String changesetId) {
    ChangesetRecord r = requireRecord(datasetId, changesetId);
    if (r.deltaVersion == null) {
      throw new ResourceNotFoundException(
          "Changeset '"
              + changesetId
              + "' is "
              + r.status
              + " and has no committed version. Fix: name a SUCCESS changeset (see"
              + " list-changesets).");
    }
    return r.deltaVersion;
  }

  private OptionalLong findCommit(String datasetId, ChangesetRecord r) {
    return DeltaCommit.findCommit(
        hadoopConf(),
        warehouse.datasetPath(datasetId),
        r.changesetId,
        r.readVersion == null ? -1 : r.readVersion);
  }

  /**
   * The sweep maintenance operation (see {@link io.habanero.internal.sweep.OrphanSweep} for its
   * rules).
   *
   * @param progress receives a line per step
   */
  public io.habanero.model.SweepResult sweep(
      io.habanero.model.SweepRequest request, java.util.function.Consumer<String> progress) {
    io.habanero.model.SweepRequest req =
        request == null ? io.habanero.model.SweepRequest.all() : request;
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

  public String arn(String datasetId, String changesetId) {
    return String.format(
        "arn:habanero:finspace:%s:%s:dataset/%s/changeset/%s",
        settings.region(), settings.environmentId(), datasetId, changesetId);
  }

  public ChangesetSummary toSummary(ChangesetRecord r, List<ChangesetRecord> all) {
    ChangesetLog.Retirement ret = ChangesetLog.retirement(r, all);
    Map<String, String> fp = new LinkedHashMap<>(r.formatParams);
    if (r.formatType != null) {
      fp.putIfAbsent("formatType", r.formatType.name());
    }
    return new ChangesetSummary(
        r.changesetId,
        arn(r.datasetId, r.changesetId),
        r.datasetId,
        r.changeType,
        Map.copyOf(r.sourceParams),
        Map.copyOf(fp),
        r.createTime,
        log.visibleStatus(r),
        r.errorInfo,
        ret.activeUntilTimestamp(),
        r.status == IngestionStatus.SUCCESS ? r.commitTime : null,
        r.updatesChangesetId,
        ret.updatedByChangesetId(),
        quarantine(r));
  }

  private static QuarantineInfo quarantine(ChangesetRecord r) {
    return r.status == IngestionStatus.SUCCESS && r.quarantinedRecords != null
        ? new QuarantineInfo(r.quarantinedRecords, r.quarantineLocation)
        : null;
  }

  public Changeset toChangeset(ChangesetRecord r, List<ChangesetRecord> all) {
    ChangesetLog.Retirement ret = ChangesetLog.retirement(r, all);
    return new Changeset(
        r.changesetId,
        arn(r.datasetId, r.changesetId),
        r.datasetId,
        r.changeType,
        r.formatType == null ? null : SourceType.S3,
        Map.copyOf(r.sourceParams),
        r.formatType,
        Map.copyOf(r.formatParams),
        Instant.ofEpochMilli(r.createTime),
        log.visibleStatus(r),
        r.errorInfo,
        Map.copyOf(r.tags),
        r.updatesChangesetId,
        ret.updatedByChangesetId(),
        quarantine(r));
  }

  private static String fingerprint(CreateChangesetRequest req, FormatType formatType) {
    Map<String, Object> canon = new TreeMap<>();
    canon.put("datasetId", req.datasetId());
    canon.put("changeType", req.changeType().name());
    canon.put("sourceParams", new TreeMap<>(req.sourceParams()));
    canon.put("formatType", formatType.name());
    Map<String, String> fp = new TreeMap<>(req.formatParams());
    fp.remove("formatType");
    canon.put("formatParams", fp);
    canon.put("tags", new TreeMap<>(req.tags()));
    canon.put("updatesChangesetId", String.valueOf(req.updatesChangesetId()));
    return ChangesetLog.sha256(Json.writeString(canon));
  }

  @Override
  public void close() {
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ticker.shutdownNow();
  }
}
