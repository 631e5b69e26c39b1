package io.habanero;

import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.Validation;
import io.habanero.internal.credentials.StsCredentials;
import io.habanero.internal.engine.Engine;
import io.habanero.internal.warehouse.S3aSettings;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.internal.warehouse.WorkingLocations;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.CreateChangesetResponse;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsResponse;
import io.habanero.model.GetWorkingLocationRequest;
import io.habanero.model.GetWorkingLocationResponse;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.ListChangesetsResponse;
import io.habanero.model.LocationType;
import io.habanero.model.SweepRequest;
import io.habanero.model.SweepResult;
import io.habanero.model.TimeTravel;
import io.habanero.model.UpdateChangesetRequest;
import io.habanero.model.UpdateChangesetResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;

/**
 * The entry point: the FinSpace Data changeset operations on a Habanero warehouse.
 *
 * <pre>{@code
 * try (Habanero h = Habanero.create(spark)) {
 *   var loc = h.getWorkingLocation(new GetWorkingLocationRequest(LocationType.INGESTION));
 *   // copy files to loc.s3Uri() ...
 *   var cs = h.createChangeset(CreateChangesetRequest.builder()
 *       .datasetId("trades").changeType(ChangeType.APPEND)
 *       .s3SourcePath(loc.s3Uri()).formatType(FormatType.CSV).build()).changeset();
 * }
 * }</pre>
 *
 * <p>Settings come from options, then {@code spark.habanero.*} conf, then defaults (see {@link
 * HabaneroSettings}). Errors are exceptions of the {@link io.habanero.errors.HabaneroException}
 * family, each with its model category. Validation errors fail a call before anything is recorded;
 * errors found while ingesting are recorded on the changeset as FAILED with {@code errorInfo}.
 */
public final class Habanero implements AutoCloseable {
  private final SparkSession spark;
  private final HabaneroSettings settings;
  private final Engine service;
  private final WorkingLocations workingLocations;
  private final boolean shared;

  private Habanero(SparkSession spark, HabaneroSettings settings, boolean shared) {
    this.spark = spark;
    this.settings = settings;
    this.shared = shared;
    // The one place where Habanero changes the session: the environment's S3A settings (endpoint,
    // path style, credentials provider) go into its Hadoop configuration, so that Spark's own reads
    // of the warehouse and of sources use them.
    S3aSettings.apply(spark, settings);
    Warehouse warehouse = Warehouse.open(settings, spark.sessionState().newHadoopConf());
    this.service = new Engine(spark, settings, warehouse);
    this.workingLocations = new WorkingLocations(warehouse);
  }

  /** Habanero on {@code spark}, with settings from its {@code spark.habanero.*} conf. */
  public static Habanero create(SparkSession spark) {
    return create(spark, Map.of());
  }

  /**
   * Habanero on {@code spark}, with {@code options} taking precedence over the session conf.
   *
   * @param options settings by key, e.g. {@code warehouse}
   * @throws io.habanero.errors.ValidationException if a setting is invalid
   */
  public static Habanero create(SparkSession spark, Map<String, String> options) {
    return new Habanero(spark, HabaneroSettings.resolve(spark, options), false);
  }

  /** The shared instances: one per live session and settings. */
  private static final Map<SparkSession, Map<Map<String, String>, Habanero>> SHARED =
      new java.util.IdentityHashMap<>();

  /**
   * The session's shared Habanero for {@code settings}: one per SparkSession and settings, created
   * at the first call and closed when the session's SparkContext stops. The {@code habanero} data
   * source and the SQL catalog use it, so a query costs no new engine, threads or warehouse open.
   * Its {@link #close} does nothing.
   */
  public static Habanero forSession(SparkSession spark, HabaneroSettings settings) {
    Map<String, String> key = new java.util.TreeMap<>();
    for (HabaneroSettings.Key k : HabaneroSettings.Key.values()) {
      if (settings.get(k) != null) {
        key.put(k.key(), settings.get(k));
      }
    }
    synchronized (SHARED) {
      if (spark.sparkContext().isStopped()) {
        SHARED.remove(spark);
        throw Errors.sessionStopped();
      }
      Map<Map<String, String>, Habanero> bySettings = SHARED.get(spark);
      if (bySettings == null) {
        bySettings = new java.util.HashMap<>();
        SHARED.put(spark, bySettings);
        spark.sparkContext().addSparkListener(new ReleaseOnStop(spark));
      }
      return bySettings.computeIfAbsent(key, k -> new Habanero(spark, settings, true));
    }
  }

  /** Closes a session's shared instances when its SparkContext stops. */
  private static final class ReleaseOnStop extends org.apache.spark.scheduler.SparkListener {
    private final SparkSession spark;

    ReleaseOnStop(SparkSession spark) {
      this.spark = spark;
    }

    @Override
    public void onApplicationEnd(org.apache.spark.scheduler.SparkListenerApplicationEnd end) {
      Map<Map<String, String>, Habanero> gone;
      synchronized (SHARED) {
        gone = SHARED.remove(spark);
      }
      if (gone != null) {
        // Not on the listener bus: closing waits for the changesets, which the stop cancels.
        Thread t = new Thread(() -> gone.values().forEach(Habanero::release), "habanero-release");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  public HabaneroSettings settings() {
    return settings;
  }

  public SparkSession spark() {
    return spark;
  }

  @com.google.common.annotations.VisibleForTesting
  Engine service() {
    return service;
  }

  /**
   * GetProgrammaticAccessCredentials: temporary credentials from STS AssumeRole of the
   * environment's {@code role-arn}.
   *
   * @throws io.habanero.errors.ValidationException if environmentId is missing, is not this
   *     environment, durationInMinutes is outside 60..720, or the environment has no role
   * @throws io.habanero.errors.AccessDeniedException if STS denies the role
   * @throws io.habanero.errors.ThrottlingException if STS throttles
   */
  public GetProgrammaticAccessCredentialsResponse getProgrammaticAccessCredentials(
      GetProgrammaticAccessCredentialsRequest request) {
    long minutes = credentialsDuration(request);
    String role =
        settings
            .roleArn()
            .orElseThrow(
                () ->
                    Errors.noRole(
                        settings.environmentId(), HabaneroSettings.Key.ROLE_ARN.confKey()));
    return new GetProgrammaticAccessCredentialsResponse(
        StsCredentials.assume(settings, role, minutes), minutes);
  }

  /**
   * Checks a GetProgrammaticAccessCredentials request as {@link #getProgrammaticAccessCredentials}
   * does, without issuing anything.
   *
   * @return the duration in minutes (60 when the request gives none)
   * @throws io.habanero.errors.ValidationException if environmentId is missing or is not this
   *     environment, or durationInMinutes is outside 60..720
   */
  public long credentialsDuration(GetProgrammaticAccessCredentialsRequest request) {
    String env = Ids.check("environmentId", request.environmentId());
    if (!env.equals(settings.environmentId())) {
      throw Errors.invalid(
          "environmentId",
          env,
          "this Habanero is environment '" + settings.environmentId() + "'",
          "pass --environment-id "
              + settings.environmentId()
              + " or configure "
              + HabaneroSettings.Key.ENVIRONMENT_ID.confKey());
    }
    return Validation.checkDuration(request.durationInMinutes());
  }

  /**
   * GetWorkingLocation: a fresh, unique location under {@code <warehouse>/working/<type>/}.
   *
   * @param request the location type; null or a null type means INGESTION
   * @return the location; {@code s3Uri} is accepted as {@code s3SourcePath}
   */
  public GetWorkingLocationResponse getWorkingLocation(GetWorkingLocationRequest request) {
    LocationType type =
        request == null || request.locationType() == null
            ? LocationType.INGESTION
            : request.locationType();
    return workingLocations.create(type);
  }

  /**
   * CreateChangeset: validates, records, ingests and waits for the end.
   *
   * @return the changeset, SUCCESS or FAILED with errorInfo
   * @throws io.habanero.errors.ValidationException for invalid members (nothing is recorded)
   * @throws io.habanero.errors.ResourceNotFoundException if the source path, or MODIFY's target,
   *     does not exist
   * @throws io.habanero.errors.ConflictException if clientToken was used for another request
   */
  public CreateChangesetResponse createChangeset(CreateChangesetRequest request) {
    return createChangeset(request, ProgressListener.NONE);
  }

  /**
   * As {@link #createChangeset(CreateChangesetRequest)}, reporting progress to {@code listener}.
   */
  public CreateChangesetResponse createChangeset(
      CreateChangesetRequest request, ProgressListener listener) {
    return new CreateChangesetResponse(submitChangeset(request, listener).await());
  }

  /**
   * Validates and records the changeset, starts it in the background, and returns at once.
   *
   * @throws io.habanero.errors.HabaneroException as for {@link #createChangeset}
   */
  public ChangesetHandle submitChangeset(CreateChangesetRequest request) {
    return submitChangeset(request, ProgressListener.NONE);
  }

  /** As {@link #submitChangeset(CreateChangesetRequest)}, reporting progress. */
  public ChangesetHandle submitChangeset(
      CreateChangesetRequest request, ProgressListener listener) {
    return submitChangeset(request, listener, null);
  }

  /**
   * As {@link #submitChangeset(CreateChangesetRequest, ProgressListener)}, running the ingestion on
   * {@code executor}, such as a bounded pool: the changeset is recorded PENDING at once and stays
   * PENDING (its lease kept alive) until the executor starts it. A retry of a known {@code
   * clientToken} returns the earlier changeset and runs nothing. An executor that refuses the task
   * does not lose it: it then runs on Habanero's own threads.
   *
   * @param executor where the ingestion runs; null means Habanero's own threads
   */
  public ChangesetHandle submitChangeset(
      CreateChangesetRequest request, ProgressListener listener, Executor executor) {
    return handle(service.submit(request, listener, executor));
  }

  private ChangesetHandle handle(Engine.Submitted s) {
    return new ChangesetHandle(s.datasetId(), s.changesetId(), s.done(), this);
  }

  /**
   * Writes the rows of {@code data} as one changeset, recorded like any other (its {@code
   * sourceParams} name a DataFrame as the source); returns at once. The {@code habanero} data
   * source and SQL {@code INSERT INTO} write through this.
   *
   * @param updatesChangesetId for MODIFY, the changeset whose rows {@code data} replaces
   * @param mergeSchema whether new nullable columns may be added
   * @param allowEmpty whether a REPLACE or MODIFY without rows may empty the rows it replaces
   * @throws io.habanero.errors.HabaneroException for invalid arguments (nothing is recorded)
   */
  public ChangesetHandle submitDataFrame(
      String datasetId,
      ChangeType changeType,
      String updatesChangesetId,
      Dataset<Row> data,
      boolean mergeSchema,
      boolean allowEmpty) {
    return handle(
        service.submitFrame(
            datasetId,
            changeType,
            updatesChangesetId,
            data,
            mergeSchema,
            allowEmpty,
            ProgressListener.NONE));
  }

  /** The ids of the datasets that have data (a SUCCESS changeset), sorted. */
  public List<String> listDatasets() {
    return service.readableDatasets();
  }

  /**
   * The dataset at {@code at} (now, a changeset, a version or a timestamp).
   *
   * @param includeChangesetId whether to include the lineage column naming each row's changeset
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset or changeset is unknown
   * @throws io.habanero.errors.ValidationException if the point is not in its history
   */
  public Dataset<Row> readDataset(String datasetId, TimeTravel at, boolean includeChangesetId) {
    return service.read(datasetId, at, includeChangesetId);
  }

  /**
   * Delta's own relation for the dataset at {@code at}, as the {@code habanero} data source and
   * catalog return it (so Spark plans Delta's native scan).
   *
   * @throws io.habanero.errors.HabaneroException as for {@link #readDataset(String, TimeTravel,
   *     boolean)}
   */
  public HadoopFsRelation datasetRelation(
      String datasetId, TimeTravel at, boolean includeChangesetId) {
    return service.relation(datasetId, at, includeChangesetId);
  }

  /**
   * The changeset in the seed's CreateChangeset response shape ({@code id}, {@code
   * createTimestamp}, {@code changesetLabels}), as it is now.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset or changeset is unknown
   */
  public Changeset describeChangeset(String datasetId, String changesetId) {
    return service.describe(datasetId, changesetId);
  }

  /**
   * GetChangeset, in the later model's shape.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset or changeset is unknown
   */
  public ChangesetSummary getChangeset(GetChangesetRequest request) {
    return service.get(request.datasetId(), request.changesetId());
  }

  /**
   * ListChangesets, oldest first, paginated.
   *
   * @throws io.habanero.errors.ValidationException if maxResults is outside 1..100 or nextToken is
   *     not one this API returned
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset is unknown
   */
  public ListChangesetsResponse listChangesets(ListChangesetsRequest request) {
    return service.list(request.datasetId(), request.maxResults(), request.nextToken());
  }

  /**
   * UpdateChangeset: replaces the rows of changeset {@code changesetId} with a new source, as a
   * MODIFY changeset, and waits for it to end.
   *
   * @return the new MODIFY changeset's id; its status is available from {@link #getChangeset}
   */
  public UpdateChangesetResponse updateChangeset(UpdateChangesetRequest request) {
    return updateChangeset(request, ProgressListener.NONE);
  }

  /** As {@link #updateChangeset(UpdateChangesetRequest)}, reporting progress. */
  public UpdateChangesetResponse updateChangeset(
      UpdateChangesetRequest request, ProgressListener listener) {
    ChangesetHandle h = submitUpdateChangeset(request, listener, null);
    h.await();
    return new UpdateChangesetResponse(h.changesetId(), h.datasetId());
  }

  /**
   * UpdateChangeset without waiting: validates and records the MODIFY changeset that replaces the
   * rows of {@code changesetId}, and returns at once (see {@link #submitChangeset(
   * CreateChangesetRequest, ProgressListener, Executor)} for {@code executor}).
   *
   * @throws io.habanero.errors.HabaneroException as for {@link #createChangeset}
   */
  public ChangesetHandle submitUpdateChangeset(
      UpdateChangesetRequest request, ProgressListener listener, Executor executor) {
    Ids.check("changesetId", request.changesetId());
    CreateChangesetRequest create =
        CreateChangesetRequest.builder()
            .datasetId(request.datasetId())
            .changeType(ChangeType.MODIFY)
            .sourceParams(request.sourceParams() == null ? Map.of() : request.sourceParams())
            .formatParams(request.formatParams() == null ? Map.of() : request.formatParams())
            .clientToken(request.clientToken())
            .updatesChangesetId(request.changesetId())
            .build();
    return submitChangeset(create, listener, executor);
  }

  /**
   * Requests a stop of a PENDING or RUNNING changeset, from any process on the warehouse.
   *
   * @return the changeset, now STOP_REQUESTED (or already ended)
   * @throws io.habanero.errors.ConflictException if it has already ended
   */
  public ChangesetSummary requestStop(String datasetId, String changesetId) {
    return service.requestStop(datasetId, changesetId);
  }

  /**
   * The dataset's current content.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset is unknown
   */
  public Dataset<Row> readDataset(String datasetId) {
    return service.read(datasetId, new TimeTravel.Latest(), false);
  }

  /**
   * The dataset as it was right after SUCCESS changeset {@code changesetId} (time travel).
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset or changeset is unknown
   * @throws io.habanero.errors.ValidationException if the changeset is not SUCCESS
   */
  public Dataset<Row> readDataset(String datasetId, String changesetId) {
    Ids.check("changesetId", changesetId);
    return service.read(datasetId, new TimeTravel.AtChangeset(changesetId), false);
  }

  /**
   * Sweep, a Habanero maintenance operation: removes what failed and killed changesets left in the
   * warehouse. That is data files that no Delta version references, quarantine directories of
   * FAILED changesets, and abandoned temporary record files, each only when older than the safety
   * window. It never removes a file that any Delta version references (time travel to every SUCCESS
   * changeset keeps working) nor a file that a running changeset may own, and it leaves a dataset
   * untouched when its Delta log cannot be read. It runs only when called.
   *
   * @param request the dataset (null for all), the safety window (null for the setting {@code
   *     sweep.safety-window-minutes}, default 60) and whether this is a dry run
   * @return what was removed (or would be, in a dry run), per dataset
   * @throws io.habanero.errors.ValidationException if the dataset id or the window is invalid
   * @throws io.habanero.errors.ResourceNotFoundException if the named dataset is unknown
   */
  public SweepResult sweep(SweepRequest request) {
    return sweep(request, line -> {});
  }

  /**
   * As {@link #sweep(SweepRequest)}, reporting each step (files scanned, removed) to {@code
   * progress}.
   */
  public SweepResult sweep(SweepRequest request, java.util.function.Consumer<String> progress) {
    return service.sweep(request, progress);
  }

  /**
   * Waits for the changesets this instance started. A shared instance ({@link #forSession}) is
   * closed when its session stops, not here.
   */
  @Override
  public void close() {
    if (!shared) {
      release();
    }
  }

  /** Waits for the changesets this instance started. */
  private void release() {
    service.close();
  }

  /** Convenience for {@link FormatType} lookups from strings, case-insensitive. */
  static FormatType format(String s) {
    return FormatType.valueOf(s.toUpperCase(java.util.Locale.ROOT));
  }
}
