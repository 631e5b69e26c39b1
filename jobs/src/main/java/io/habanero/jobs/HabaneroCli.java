package io.habanero.jobs;

import io.habanero.Habanero;
import io.habanero.HabaneroSettings;
import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.ConflictException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ThrottlingException;
import io.habanero.errors.ValidationException;
import io.habanero.jobs.rest.RestEndpoint;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.GetWorkingLocationRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.LocationType;
import io.habanero.model.SourceType;
import io.habanero.model.SweepRequest;
import io.habanero.model.SweepResult;
import io.habanero.model.UpdateChangesetRequest;
import io.habanero.model.UpdateChangesetResponse;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The {@code habanero} command line: the FinSpace Data changeset operations, with the sub-commands
 * and flags of {@code aws finspace-data} in kebab-case, on a Habanero warehouse.
 *
 * <p>Output is one JSON document on stdout (JSON lines for {@code read-dataset}); everything else,
 * Spark's logs, progress and errors, goes to stderr. An error prints one line, {@code habanero:
 * <Error> (<CATEGORY>): <message>}, and nothing on stdout.
 *
 * <p>Exit codes:
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><th>code</th><th>meaning</th></tr>
 *   <tr><td>0</td><td>success</td></tr>
 *   <tr><td>1</td><td>the changeset ended FAILED; {@code create-changeset} still prints it with its
 *       {@code errorInfo}, {@code update-changeset} prints its response</td></tr>
 *   <tr><td>2</td><td>usage error (unknown flag, missing or malformed value) or
 *       ValidationException</td></tr>
 *   <tr><td>3</td><td>ResourceNotFoundException</td></tr>
 *   <tr><td>4</td><td>AccessDeniedException</td></tr>
 *   <tr><td>5</td><td>ConflictException, or a changeset that ended FAILED because it lost a
 *       concurrent commit (category USER_RECOVERABLE)</td></tr>
 *   <tr><td>6</td><td>ThrottlingException</td></tr>
 *   <tr><td>7</td><td>any other error (internal)</td></tr>
 * </table>
 *
 * <p>Spark: the CLI uses the active session if there is one (as under a notebook), otherwise it
 * builds one, which it stops at the end. {@code spark-submit} sets {@code spark.master}; without it
 * the session is {@code local[*]}.
 */
@Command(
    name = "habanero",
    mixinStandardHelpOptions = true,
    versionProvider = HabaneroCli.Version.class,
    description = "FinSpace Data changeset operations on a Habanero warehouse.",
    subcommands = {
      HabaneroCli.GetProgrammaticAccessCredentials.class,
      HabaneroCli.GetWorkingLocation.class,
      HabaneroCli.CreateChangeset.class,
      HabaneroCli.GetChangeset.class,
      HabaneroCli.ListChangesets.class,
      HabaneroCli.UpdateChangeset.class,
      HabaneroCli.ReadDataset.class,
      HabaneroCli.Sweep.class,
      HabaneroCli.Serve.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the changeset ended FAILED (it is still printed, with errorInfo)",
      "2:usage error or ValidationException",
      "3:ResourceNotFoundException",
      "4:AccessDeniedException",
      "5:ConflictException",
      "6:ThrottlingException",
      "7:any other error"
    })
public final class HabaneroCli implements Callable<Integer> {
  public static final int OK = 0;
  public static final int CHANGESET_FAILED = 1;
  public static final int USAGE_OR_VALIDATION = 2;
  public static final int NOT_FOUND = 3;
  public static final int ACCESS_DENIED = 4;
  public static final int CONFLICT = 5;
  public static final int THROTTLED = 6;
  public static final int INTERNAL = 7;

  @Option(
      names = "--warehouse",
      paramLabel = "W",
      description = "Warehouse root (shortcut for --conf spark.habanero.warehouse=W).")
  String warehouse;

  @Option(
      names = "--conf",
      paramLabel = "k=v",
      description =
          "Configuration, repeatable. spark.habanero.* keys are Habanero settings; other keys"
              + " are Spark conf.")
  List<String> conf = new ArrayList<>();

  private final PrintStream out;
  private final PrintStream err;
  private final SparkSession providedSpark;
  private SparkSession spark;
  private boolean ownsSpark;
  private Habanero habanero;

  private HabaneroCli(PrintStream out, PrintStream err, SparkSession spark) {
    this.out = out;
    this.err = err;
    this.providedSpark = spark;
  }

  /**
   * Runs the CLI; stdout carries only the JSON output, because everything else is sent to stderr.
   */
  public static void main(String[] args) {
    PrintStream stdout = System.out;
    // Whatever a library prints to System.out must not corrupt the JSON document.
    System.setOut(System.err);
    int code = run(args, stdout, System.err, null);
    stdout.flush();
    System.exit(code);
  }

  /**
   * Runs one command in-process.
   *
   * @param args the command line, e.g. {@code --warehouse /w list-changesets --dataset-id t}
   * @param out receives the JSON output
   * @param err receives progress and error lines
   * @param spark the session to use, or null to use the active one or build one
   * @return the exit code (see the class documentation)
   */
  public static int run(String[] args, PrintStream out, PrintStream err, SparkSession spark) {
    HabaneroCli cli = new HabaneroCli(out, err, spark);
    CommandLine cl = new CommandLine(cli);
    cl.registerConverter(KeyValues.class, new KeyValues.Converter());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println(
              "habanero: usage: "
                  + oneLine(ex.getMessage())
                  + " (see '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help')");
          return USAGE_OR_VALIDATION;
        });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> cli.report(ex));
    try {
      return cl.execute(args);
    } finally {
      cli.close();
    }
  }

  @Override
  public Integer call() {
    err.println("habanero: usage: a sub-command is required (see 'habanero --help')");
    return USAGE_OR_VALIDATION;
  }

  /** The exit code for an error, per the class documentation. */
  static int exitCode(Throwable t) {
    HabaneroException h = habaneroCause(t);
    if (h instanceof ValidationException) {
      return USAGE_OR_VALIDATION;
    } else if (h instanceof ResourceNotFoundException) {
      return NOT_FOUND;
    } else if (h instanceof AccessDeniedException) {
      return ACCESS_DENIED;
    } else if (h instanceof ConflictException) {
      return CONFLICT;
    } else if (h instanceof ThrottlingException) {
      return THROTTLED;
    }
    return INTERNAL;
  }

  private int report(Exception ex) {
    if (ex instanceof CommandLine.ParameterException
        || ex instanceof CommandLine.TypeConversionException) {
      err.println("habanero: usage: " + oneLine(ex.getMessage()) + " (see 'habanero --help')");
      return USAGE_OR_VALIDATION;
    }
    HabaneroException h = habaneroCause(ex);
    if (h != null) {
      err.println(
          "habanero: " + h.errorCode() + " (" + h.category() + "): " + oneLine(h.getMessage()));
    } else {
      err.println(
          "habanero: InternalServerException (INTERNAL_SERVICE_EXCEPTION): "
              + oneLine(ex.getClass().getName() + ": " + ex.getMessage()));
    }
    return exitCode(ex);
  }

  private static HabaneroException habaneroCause(Throwable t) {
    for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof HabaneroException h) {
        return h;
      }
    }
    return null;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** Habanero on the session, built on first use so that usage errors never start Spark. */
  Habanero habanero() {
    if (habanero == null) {
      Map<String, String> options = new LinkedHashMap<>();
      Map<String, String> sparkConf = new LinkedHashMap<>();
      for (String c : conf) {
        Map.Entry<String, String> e = KeyValues.confEntry(c);
        if (e.getKey().startsWith(HabaneroSettings.CONF_PREFIX)) {
          options.put(e.getKey().substring(HabaneroSettings.CONF_PREFIX.length()), e.getValue());
        }
        sparkConf.put(e.getKey(), e.getValue());
      }
      if (warehouse != null) {
        options.put(HabaneroSettings.Key.WAREHOUSE.key(), warehouse);
        sparkConf.put(HabaneroSettings.Key.WAREHOUSE.confKey(), warehouse);
      }
      // Settings are validated before Spark starts, so a bad --conf fails fast.
      HabaneroSettings.of(options);
      spark = session(sparkConf);
      habanero = Habanero.create(spark, options);
    }
    return habanero;
  }

  private SparkSession session(Map<String, String> sparkConf) {
    SparkSession existing = providedSpark;
    if (existing == null && SparkSession.getActiveSession().isDefined()) {
      existing = SparkSession.getActiveSession().get();
    }
    if (existing != null) {
      for (Map.Entry<String, String> e : sparkConf.entrySet()) {
        if (e.getKey().startsWith(HabaneroSettings.CONF_PREFIX)) {
          continue; // passed to Habanero as options; the shared session stays untouched
        }
        if (existing.conf().isModifiable(e.getKey())) {
          existing.conf().set(e.getKey(), e.getValue());
        } else {
          err.println(
              "habanero: note: --conf "
                  + e.getKey()
                  + " is ignored: it cannot change on the running Spark session");
        }
      }
      return existing;
    }
    SparkSession.Builder b = SparkSession.builder().appName("habanero");
    if (absent("spark.master", sparkConf)) {
      b.master("local[*]");
    }
    defaultIfAbsent(b, sparkConf, "spark.ui.enabled", "false");
    defaultIfAbsent(b, sparkConf, "spark.ui.showConsoleProgress", "false");
    defaultIfAbsent(
        b, sparkConf, "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    defaultIfAbsent(
        b,
        sparkConf,
        "spark.sql.catalog.spark_catalog",
        "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    sparkConf.forEach(b::config);
    SparkSession s = b.getOrCreate();
    s.sparkContext().setLogLevel("WARN");
    ownsSpark = true;
    return s;
  }

  private static boolean absent(String key, Map<String, String> sparkConf) {
    return System.getProperty(key) == null && !sparkConf.containsKey(key);
  }

  private static void defaultIfAbsent(
      SparkSession.Builder b, Map<String, String> sparkConf, String key, String value) {
    if (absent(key, sparkConf)) {
      b.config(key, value);
    }
  }

  private void close() {
    try {
      if (habanero != null) {
        habanero.close();
      }
    } catch (RuntimeException e) {
      err.println("habanero: warning: closing Habanero failed: " + oneLine(e.getMessage()));
    } finally {
      if (ownsSpark && spark != null) {
        spark.stop();
      }
    }
  }

  PrintStream out() {
    return out;
  }

  PrintStream err() {
    return err;
  }

  /**
   * The exit code of a changeset that ended FAILED: {@link #CONFLICT} when it lost a concurrent
   * commit (the model's USER_RECOVERABLE, which only ConflictException carries), else {@link
   * #CHANGESET_FAILED}.
   */
  static int failedExitCode(ChangesetErrorInfo info) {
    return info != null && info.errorCategory() == ErrorCategory.USER_RECOVERABLE
        ? CONFLICT
        : CHANGESET_FAILED;
  }

  /** Prints a FAILED changeset's cause on stderr. */
  void reportFailed(String datasetId, String changesetId, ChangesetErrorInfo info) {
    err.println(
        "habanero: changeset "
            + datasetId
            + "/"
            + changesetId
            + " FAILED"
            + (info == null
                ? ""
                : " (" + info.errorCategory() + "): " + oneLine(info.errorMessage())));
  }

  StderrProgress progress() {
    return new StderrProgress(err, StderrProgress.DEFAULT_INTERVAL_MILLIS);
  }

  private static Map<String, String> map(KeyValues kv) {
    return kv == null ? Map.of() : kv.map();
  }

  @Command(
      name = "get-programmatic-access-credentials",
      mixinStandardHelpOptions = true,
      description = "Temporary credentials from the environment's IAM role (STS AssumeRole).")
  static final class GetProgrammaticAccessCredentials implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(names = "--environment-id", required = true, paramLabel = "E")
    String environmentId;

    @Option(names = "--duration-in-minutes", paramLabel = "N", description = "60..720")
    Long durationInMinutes;

    @Override
    public Integer call() {
      var r =
          cli.habanero()
              .getProgrammaticAccessCredentials(
                  new GetProgrammaticAccessCredentialsRequest(environmentId, durationInMinutes));
      cli.out().println(ResponseJson.credentials(r));
      return OK;
    }
  }

  @Command(
      name = "get-working-location",
      mixinStandardHelpOptions = true,
      description = "A fresh staging location to copy source files into.")
  static final class GetWorkingLocation implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(names = "--location-type", paramLabel = "INGESTION|SAGEMAKER")
    LocationType locationType;

    @Override
    public Integer call() {
      var r = cli.habanero().getWorkingLocation(new GetWorkingLocationRequest(locationType));
      cli.out().println(ResponseJson.workingLocation(r));
      return OK;
    }
  }

  @Command(
      name = "create-changeset",
      mixinStandardHelpOptions = true,
      description = "Creates a changeset, runs the ingestion to its end and prints the changeset.")
  static final class CreateChangeset implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(names = "--dataset-id", required = true, paramLabel = "D")
    String datasetId;

    @Option(names = "--change-type", required = true, paramLabel = "APPEND|REPLACE|MODIFY")
    ChangeType changeType;

    @Option(names = "--source-type", paramLabel = "S3")
    SourceType sourceType;

    @Option(
        names = "--source-params",
        required = true,
        paramLabel = "s3SourcePath=P",
        description = "Shorthand k=v,k2=v2 or JSON {\"k\":\"v\"}.")
    KeyValues sourceParams;

    @Option(names = "--format-type", paramLabel = "CSV|JSON|PARQUET|XML")
    FormatType formatType;

    @Option(
        names = "--format-params",
        paramLabel = "k=v,...",
        description = "Shorthand k=v,k2=v2 or JSON {\"k\":\"v\"}.")
    KeyValues formatParams;

    @Option(names = "--tags", paramLabel = "k=v,...")
    KeyValues tags;

    @Option(names = "--client-token", paramLabel = "T")
    String clientToken;

    @Option(
        names = "--updates-changeset-id",
        paramLabel = "C",
        description = "For MODIFY: the changeset whose rows this one replaces.")
    String updatesChangesetId;

    @Override
    public Integer call() {
      CreateChangesetRequest request =
          CreateChangesetRequest.builder()
              .datasetId(datasetId)
              .changeType(changeType)
              .sourceType(sourceType)
              .sourceParams(map(sourceParams))
              .formatType(formatType)
              .formatParams(map(formatParams))
              .tags(map(tags))
              .clientToken(clientToken)
              .updatesChangesetId(updatesChangesetId)
              .build();
      Changeset c = cli.habanero().createChangeset(request, cli.progress()).changeset();
      cli.out().println(ResponseJson.createChangeset(c));
      if (c.status() == IngestionStatus.SUCCESS) {
        return OK;
      }
      cli.reportFailed(c.datasetId(), c.id(), c.errorInfo());
      return failedExitCode(c.errorInfo());
    }
  }

  @Command(
      name = "get-changeset",
      mixinStandardHelpOptions = true,
      description = "Prints a changeset (later model's shape).")
  static final class GetChangeset implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(names = "--dataset-id", required = true, paramLabel = "D")
    String datasetId;

    @Option(names = "--changeset-id", required = true, paramLabel = "C")
    String changesetId;

    @Override
    public Integer call() {
      ChangesetSummary s =
          cli.habanero().getChangeset(new GetChangesetRequest(datasetId, changesetId));
      cli.out().println(ResponseJson.changesetSummary(s));
      return OK;
    }
  }

  @Command(
      name = "list-changesets",
      mixinStandardHelpOptions = true,
      description = "Lists a dataset's changesets, oldest first.")
  static final class ListChangesets implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(names = "--dataset-id", required = true, paramLabel = "D")
    String datasetId;

    @Option(names = "--max-results", paramLabel = "N", description = "1..100")
    Integer maxResults;

    @Option(names = "--next-token", paramLabel = "T")
    String nextToken;

    @Override
    public Integer call() {
      var r =
          cli.habanero()
              .listChangesets(new ListChangesetsRequest(datasetId, maxResults, nextToken));
      cli.out().println(ResponseJson.listChangesets(r));
      return OK;
    }
  }

  @Command(
      name = "update-changeset",
      mixinStandardHelpOptions = true,
      description =
          "Replaces the rows of a changeset with a new source (a MODIFY changeset); prints the"
              + " new changeset's id.")
  static final class UpdateChangeset implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(names = "--dataset-id", required = true, paramLabel = "D")
    String datasetId;

    @Option(names = "--changeset-id", required = true, paramLabel = "C")
    String changesetId;

    @Option(names = "--source-params", required = true, paramLabel = "s3SourcePath=P")
    KeyValues sourceParams;

    @Option(
        names = "--format-params",
        required = true,
        paramLabel = "formatType=CSV,...",
        description = "Shorthand k=v,k2=v2 or JSON {\"k\":\"v\"}; include formatType.")
    KeyValues formatParams;

    @Option(names = "--client-token", paramLabel = "T")
    String clientToken;

    @Override
    public Integer call() {
      Habanero h = cli.habanero();
      UpdateChangesetResponse r =
          h.updateChangeset(
              new UpdateChangesetRequest(
                  clientToken, datasetId, changesetId, map(sourceParams), map(formatParams)),
              cli.progress());
      ChangesetSummary created =
          h.getChangeset(new GetChangesetRequest(r.datasetId(), r.changesetId()));
      cli.out().println(ResponseJson.updateChangeset(r));
      if (created.status() == IngestionStatus.SUCCESS) {
        return OK;
      }
      cli.reportFailed(r.datasetId(), r.changesetId(), created.errorInfo());
      return failedExitCode(created.errorInfo());
    }
  }

  @Command(
      name = "read-dataset",
      mixinStandardHelpOptions = true,
      description = "Prints a dataset's rows as JSON lines, now or as of a changeset.")
  static final class ReadDataset implements Callable<Integer> {
    private static final Map<String, String> JSON_OPTIONS =
        Map.of("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");

    @ParentCommand HabaneroCli cli;

    @Option(names = "--dataset-id", required = true, paramLabel = "D")
    String datasetId;

    @Option(
        names = "--changeset-id",
        paramLabel = "C",
        description = "Read the dataset as it was right after this SUCCESS changeset.")
    String changesetId;

    @Option(names = "--limit", paramLabel = "N", description = "At most N rows.")
    Integer limit;

    @Override
    public Integer call() {
      if (limit != null && limit < 0) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--limit must be 0 or more, not " + limit);
      }
      Habanero h = cli.habanero();
      Dataset<Row> df =
          changesetId == null ? h.readDataset(datasetId) : h.readDataset(datasetId, changesetId);
      if (limit != null) {
        df = df.limit(limit);
      }
      // As toJSON(), but timestamps keep their microseconds (toJSON prints milliseconds).
      Column[] columns = Arrays.stream(df.columns()).map(functions::col).toArray(Column[]::new);
      Dataset<String> json =
          df.select(functions.to_json(functions.struct(columns), JSON_OPTIONS))
              .as(Encoders.STRING());
      Iterator<String> rows = json.toLocalIterator();
      while (rows.hasNext()) {
        cli.out().println(rows.next());
      }
      return OK;
    }
  }

  @Command(
      name = "sweep",
      mixinStandardHelpOptions = true,
      description =
          "Maintenance: removes data files that no Delta version references, quarantine"
              + " directories of FAILED changesets and abandoned temporary files, once older than"
              + " the safety window; never a file that a version or a running changeset needs."
              + " Prints what was removed.")
  static final class Sweep implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(
        names = "--dataset-id",
        paramLabel = "D",
        description = "Sweep this dataset only (default: every dataset).")
    String datasetId;

    @Option(
        names = "--safety-window-minutes",
        paramLabel = "N",
        description =
            "Keep leftovers younger than N minutes (default: spark.habanero.sweep"
                + ".safety-window-minutes, 60); 0 removes them all.")
    Long safetyWindowMinutes;

    @Option(names = "--dry-run", description = "Report what would be removed; remove nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
      if (safetyWindowMinutes != null && safetyWindowMinutes < 0) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "--safety-window-minutes must be 0 or more, not " + safetyWindowMinutes);
      }
      SweepResult r =
          cli.habanero()
              .sweep(
                  new SweepRequest(
                      datasetId,
                      safetyWindowMinutes == null
                          ? null
                          : java.time.Duration.ofMinutes(safetyWindowMinutes),
                      dryRun),
                  line -> {
                    cli.err.println("habanero: " + line);
                    cli.err.flush();
                  });
      // A dataset that was skipped (its Delta log unreadable) was reported on stderr, and its
      // "error" member says why; the sweep of the others stands, so the exit code is 0.
      cli.out().println(ResponseJson.sweep(r));
      return OK;
    }
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = {
        "Serves the FinSpace Data REST API (boto3 finspace-data, the AWS SDK for Java"
            + " finspacedata) on this warehouse, until SIGTERM.",
        "Needs the operator's key pair in HABANERO_ACCESS_KEY_ID and HABANERO_SECRET_ACCESS_KEY;"
            + " every request must be signed (AWS Signature Version 4, service finspace-api)."
            + " When ready it prints one line to stdout, {\"endpoint\": \"http://H:P\"}; logs go"
            + " to stderr."
      })
  static final class Serve implements Callable<Integer> {
    @ParentCommand HabaneroCli cli;

    @Option(
        names = "--host",
        paramLabel = "H",
        defaultValue = "127.0.0.1",
        description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only).")
    String host;

    @Option(
        names = "--port",
        paramLabel = "P",
        defaultValue = "9090",
        description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free port).")
    int port;

    @Option(
        names = "--max-running",
        paramLabel = "N",
        defaultValue = "2",
        description = "Changesets that ingest at once (default: ${DEFAULT-VALUE}).")
    int maxRunning;

    @Option(
        names = "--max-queued",
        paramLabel = "N",
        defaultValue = "64",
        description =
            "Accepted changesets that may wait (PENDING) beyond those; more are refused with"
                + " ThrottlingException (default: ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(
        names = "--grace-seconds",
        paramLabel = "S",
        defaultValue = "60",
        description =
            "On SIGTERM, how long running changesets get to end (default: ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Override
    public Integer call() throws Exception {
      String key = System.getenv(RestEndpoint.Config.ACCESS_KEY_ENV);
      String secret = System.getenv(RestEndpoint.Config.SECRET_KEY_ENV);
      if (key == null || key.isBlank() || secret == null || secret.isBlank()) {
        cli.err()
            .println(
                "habanero: usage: serve needs the operator's key pair: set "
                    + RestEndpoint.Config.ACCESS_KEY_ENV
                    + " and "
                    + RestEndpoint.Config.SECRET_KEY_ENV
                    + " (any strings you choose; clients sign with them)");
        return USAGE_OR_VALIDATION;
      }
      if (port < 0 || port > 65535 || maxRunning < 1 || maxQueued < 0 || graceSeconds < 0) {
        cli.err()
            .println(
                "habanero: usage: --port must be 0..65535, --max-running at least 1, --max-queued"
                    + " and --grace-seconds at least 0 (see 'habanero serve --help')");
        return USAGE_OR_VALIDATION;
      }
      RestEndpoint.Config config =
          RestEndpoint.Config.defaults(key.strip(), secret.strip())
              .withAddress(host, port)
              .withPool(maxRunning, maxQueued, java.time.Duration.ofSeconds(graceSeconds));
      Habanero h = cli.habanero();
      RestEndpoint endpoint = RestEndpoint.start(config, h, java.time.Clock.systemUTC(), cli.err());
      java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
      // Before Spark's own hook (priority 40) stops the SparkContext under running changesets.
      org.apache.hadoop.util.ShutdownHookManager.get()
          .addShutdownHook(
              () -> {
                endpoint.close();
                stopped.countDown();
              },
              100,
              graceSeconds + 15L,
              java.util.concurrent.TimeUnit.SECONDS);
      cli.out().println("{\"endpoint\": \"" + endpoint.uri() + "\"}");
      cli.out().flush();
      stopped.await();
      return OK;
    }
  }

  /** The version from the jar manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = HabaneroCli.class.getPackage().getImplementationVersion();
      return new String[] {"habanero " + (v == null ? "(development build)" : v)};
    }
  }
}
