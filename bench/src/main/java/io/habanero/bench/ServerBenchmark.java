package io.habanero.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.habanero.Habanero;
import io.habanero.HabaneroSettings;
import io.habanero.internal.Lineage;
import io.habanero.jobs.HabaneroCli;
import io.habanero.jobs.cluster.StandaloneCluster;
import io.habanero.jobs.rest.RestEndpoint;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.TimeTravel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;
import software.amazon.awssdk.services.finspacedata.model.ChangesetSummary;
import software.amazon.awssdk.services.finspacedata.model.FinspaceDataException;
import software.amazon.awssdk.services.finspacedata.model.GetChangesetResponse;
import software.amazon.awssdk.services.finspacedata.model.ListChangesetsResponse;

/**
 * {@code scripts/bench server}: the REST endpoint ({@link RestEndpoint}) under load. C concurrent
 * clients (the AWS SDK for Java v2 {@code FinspaceDataClient}, each its own client and connection
 * pool, no retries) poll GetChangeset and ListChangesets back to back, without think time, for W
 * seconds, while K changesets (CSV APPENDs, CreateChangeset through the endpoint) run across D
 * datasets on the endpoint's changeset pool (its defaults: 2 running, the rest waiting). Everything
 * is in one JVM on {@code local[2]}: the clients, the endpoint and Spark share the machine's cores.
 *
 * <p>Reported: requests/s, p50/p90/p99/max latency per operation (over the window, and over the
 * requests that started while a changeset was still PENDING or RUNNING), errors by type (an SDK
 * exception, or a wrong answer: a GetChangeset of another changeset, a ListChangesets without the
 * dataset's changesets, a status going back as one client sees it). Then every changeset must be
 * SUCCESS, and every row there exactly once: per dataset the row count, distinct keys, key range,
 * the rows of each changeset (lineage column) and a content hash against the generated files. The
 * same two operations are then timed through the CLI, a JVM per call as {@code scripts/habanero}
 * starts it, and through the endpoint on an idle machine. A JFR recording of the window is
 * summarised (CPU by thread group, hot methods, GC pauses). Results: {@code
 * benchmarks/results/server-latest.md} and {@code .json}.
 *
 * <p>{@code scripts/bench server [--smoke] [--clients C] [--seconds W] [--changesets K] [--datasets
 * D] [--rows R] [--cli-calls N] [--think-ms T] [--spark-threads N] [--jfr|--no-jfr] [--out DIR]
 * [--work DIR]}; {@code --think-ms} makes each client pause between requests (default 0: back to
 * back).
 */
public final class ServerBenchmark {
  static final String GET = "GetChangeset";
  static final String LIST = "ListChangesets";
  static final String CREATE = "CreateChangeset";
  static final double TARGET_P99_GET_MS = 50;
  static final String KEY = "AKIDHABANEROBENCH001";
  static final String SECRET = "bench-secret-" + "s".repeat(27);
  static final String CSV_HEADER = "id,symbol,side,qty,price_cents,venue";
  private static final String[] SYMBOLS = {
    "AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "JPM", "GS", "MS", "BAC", "XOM", "CVX", "PFE",
    "KO", "PEP", "WMT", "DIS", "IBM", "ORCL", "INTC"
  };
  private static final String[] VENUES = {"XNYS", "XNAS", "BATS", "IEXG"};

  /** The command line, or what a test passes. */
  record Options(
      boolean smoke,
      int clients,
      int seconds,
      int warmupSeconds,
      int changesets,
      int datasets,
      long rowsPerChangeset,
      int filesPerChangeset,
      int cliCalls,
      int thinkMs,
      boolean jfr,
      Path out,
      Path work) {
    static Options parse(String[] args) {
      boolean smoke = Arrays.asList(args).contains("--smoke");
      Options o = smoke ? smoke(Path.of("benchmarks/work")) : full(Path.of("benchmarks/work"));
      int clients = o.clients;
      int seconds = o.seconds;
      int changesets = o.changesets;
      int datasets = o.datasets;
      long rows = o.rowsPerChangeset;
      int cliCalls = o.cliCalls;
      int thinkMs = o.thinkMs;
      boolean jfr = o.jfr;
      Path out = Path.of("benchmarks/results");
      Path work = o.work;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--smoke" -> {}
          case "--clients" -> clients = Integer.parseInt(args[++i]);
          case "--seconds" -> seconds = Integer.parseInt(args[++i]);
          case "--changesets" -> changesets = Integer.parseInt(args[++i]);
          case "--datasets" -> datasets = Integer.parseInt(args[++i]);
          case "--rows" -> rows = Long.parseLong(args[++i]);
          case "--cli-calls" -> cliCalls = Integer.parseInt(args[++i]);
          case "--think-ms" -> thinkMs = Integer.parseInt(args[++i]);
          case "--spark-threads" -> i++; // read by main
          case "--no-jfr" -> jfr = false;
          case "--jfr" -> jfr = true;
          case "--out" -> out = Path.of(args[++i]);
          case "--work" -> work = Path.of(args[++i]);
          default -> {
            System.err.println(
                "usage: scripts/bench server [--smoke] [--clients C] [--seconds W]"
                    + " [--changesets K] [--datasets D] [--rows R] [--cli-calls N] [--think-ms T]"
                    + " [--spark-threads N]"
                    + " [--jfr|--no-jfr]"
                    + " [--out DIR] [--work DIR]");
            System.exit(2);
          }
        }
      }
      return new Options(
          smoke,
          clients,
          seconds,
          o.warmupSeconds,
          changesets,
          datasets,
          rows,
          o.filesPerChangeset,
          cliCalls,
          thinkMs,
          jfr,
          out,
          work);
    }

    /** The run: 32 clients, 60 s, 8 changesets of 3M rows across 4 datasets. */
    static Options full(Path work) {
      return new Options(false, 32, 60, 10, 8, 4, 3_000_000, 4, 5, 0, true, null, work);
    }

    /** A bounded run: 4 clients, 10 s, 2 changesets of 200k rows on 2 datasets. */
    static Options smoke(Path work) {
      return new Options(true, 4, 10, 2, 2, 2, 200_000, 2, 1, 0, false, null, work);
    }

    Options withCliCalls(int n) {
      return new Options(
          smoke,
          clients,
          seconds,
          warmupSeconds,
          changesets,
          datasets,
          rowsPerChangeset,
          filesPerChangeset,
          n,
          thinkMs,
          jfr,
          out,
          work);
    }
  }

  // ---------------------------------------------------------------- results

  /** Latency statistics of a set of requests (ms). */
  public static final class Stats {
    public long count;
    public double p50Ms;
    public double p90Ms;
    public double p99Ms;
    public double maxMs;
    public double meanMs;

    static Stats of(long[] nanos, int n) {
      Stats s = new Stats();
      s.count = n;
      if (n == 0) {
        s.p50Ms = s.p90Ms = s.p99Ms = s.maxMs = s.meanMs = Double.NaN;
        return s;
      }
      long[] a = Arrays.copyOf(nanos, n);
      Arrays.sort(a);
      s.p50Ms = rank(a, 50) / 1e6;
      s.p90Ms = rank(a, 90) / 1e6;
      s.p99Ms = rank(a, 99) / 1e6;
      s.maxMs = a[n - 1] / 1e6;
      double sum = 0;
      for (long x : a) {
        sum += x;
      }
      s.meanMs = sum / n / 1e6;
      return s;
    }

    /** Nearest rank, as {@link Measure#percentile}. */
    private static long rank(long[] sorted, double p) {
      int r = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, r - 1))];
    }
  }

  /** One operation under load. */
  public static final class OpResult {
    public String op;
    public long ok;
    public long errors;
    public double requestsPerSecond;
    public Stats window;
    public Stats whileIngesting;
  }

  /** One changeset of the run. */
  public static final class ChangesetResult {
    public String datasetId;
    public String changesetId;
    public long rows;
    public long firstId;
    public double createMs;
    public String status;
    public Double runningFromS;
    public Double endedAtS;
  }

  /** The exactly-once check of one dataset. */
  public static final class DatasetCheck {
    public String datasetId;
    public long expectedRows;
    public long rows;
    public long distinctIds;
    public long expectedIdSum;
    public long idSum;
    public Map<String, Long> rowsByChangeset = new TreeMap<>();
    public String contentHashExpected;
    public String contentHash;
    public boolean ok;
  }

  /** One operation through the CLI (a JVM per call) and through the idle endpoint. */
  public static final class Comparison {
    public String op;
    public List<Long> cliMs = new ArrayList<>();
    public Double cliMedianMs;
    public List<Integer> cliExitCodes = new ArrayList<>();
    public Stats restIdle;
    public Double restUnderLoadP50Ms;
  }

  /** Everything the run found. */
  public static final class Result {
    public Map<String, Object> machine;
    public String loadAverageAtStart;
    public String loadAverageAtEnd;
    public Map<String, Object> setup = new LinkedHashMap<>();
    public double windowSeconds;
    public double ingestionSeconds;
    public double windowSecondsWhileIngesting;
    public Map<String, OpResult> ops = new LinkedHashMap<>();
    public Map<String, Long> errorsByType = new TreeMap<>();
    public List<String> errorExamples = new ArrayList<>();
    public long errorsTotal;
    public List<ChangesetResult> changesets = new ArrayList<>();
    public List<DatasetCheck> datasets = new ArrayList<>();
    public List<Comparison> comparisons = new ArrayList<>();
    public Map<String, Object> profile;
    public long endpointLogLines;
    public long endpointLogFailures;
    public List<String> failures = new ArrayList<>();
    public Map<String, String> targets = new LinkedHashMap<>();
    public double totalMinutes;

    public boolean allSuccess() {
      return changesets.stream().allMatch(c -> "SUCCESS".equals(c.status));
    }

    public boolean exactlyOnce() {
      return !datasets.isEmpty() && datasets.stream().allMatch(d -> d.ok);
    }
  }

  // ---------------------------------------------------------------- recording

  /** What one client thread recorded: start offset and latency of each request, per operation. */
  static final class Recorder {
    final Map<String, long[]> starts = new HashMap<>();
    final Map<String, long[]> lat = new HashMap<>();
    final Map<String, Integer> n = new HashMap<>();
    final Map<String, Long> errors = new HashMap<>();
    final Map<String, Long> errorsByType = new TreeMap<>();
    final List<String> examples = new ArrayList<>();

    void ok(String op, long startOffset, long nanos) {
      int i = n.getOrDefault(op, 0);
      long[] s = starts.computeIfAbsent(op, k -> new long[1024]);
      long[] l = lat.computeIfAbsent(op, k -> new long[1024]);
      if (i == s.length) {
        s = Arrays.copyOf(s, i * 2);
        l = Arrays.copyOf(l, i * 2);
        starts.put(op, s);
        lat.put(op, l);
      }
      s[i] = startOffset;
      l[i] = nanos;
      n.put(op, i + 1);
    }

    void error(String op, String type, String detail) {
      errors.merge(op, 1L, Long::sum);
      errorsByType.merge(op + ": " + type, 1L, Long::sum);
      if (examples.size() < 5) {
        examples.add(op + ": " + type + ": " + detail);
      }
    }
  }

  // ---------------------------------------------------------------- the run

  final SparkSession spark;
  final Options o;
  final Path work;
  final Result result = new Result();

  ServerBenchmark(SparkSession spark, Options o) {
    this.spark = spark;
    this.o = o;
    this.work = o.work().toAbsolutePath();
  }

  private record Planned(int index, String datasetId, Path source, long firstId, long rows) {}

  Result run() throws Exception {
    long t0 = System.nanoTime();
    result.machine = BenchSupport.machine();
    result.loadAverageAtStart = loadAverage();
    BenchData.deleteTree(work);
    Files.createDirectories(work);
    Path warehouse = work.resolve("warehouse");
    result.setup.put("clients", o.clients());
    result.setup.put("windowSeconds", o.seconds());
    result.setup.put("warmupSeconds", o.warmupSeconds());
    result.setup.put("changesets", o.changesets());
    result.setup.put("datasets", o.datasets());
    result.setup.put("rowsPerChangeset", o.rowsPerChangeset());
    result.setup.put("filesPerChangeset", o.filesPerChangeset());
    result.setup.put("cliCallsPerOperation", o.cliCalls());
    result.setup.put("thinkMs", o.thinkMs());
    result.setup.put("sparkMaster", spark.sparkContext().master());

    List<Planned> plan = generate();
    Habanero habanero =
        Habanero.forSession(spark, HabaneroSettings.of(Map.of("warehouse", warehouse.toString())));
    Path endpointLog = work.resolve("endpoint.log");
    RestEndpoint.Config config =
        RestEndpoint.Config.defaults(KEY, SECRET).withAddress("127.0.0.1", 0);
    result.setup.put(
        "endpoint",
        "RestEndpoint.Config.defaults: "
            + config.maxRunning()
            + " changesets running, "
            + config.maxQueued()
            + " waiting at most; "
            + Integer.getInteger(
                RestEndpoint.REQUEST_THREADS_PROPERTY, RestEndpoint.DEFAULT_REQUEST_THREADS)
            + " request threads)");
    List<ChangesetResult> created = new ArrayList<>();
    try (PrintStream log =
            new PrintStream(Files.newOutputStream(endpointLog), true, StandardCharsets.UTF_8);
        RestEndpoint endpoint = RestEndpoint.start(config, habanero, Clock.systemUTC(), log)) {
      URI uri = endpoint.uri();
      warmUp(uri, habanero);
      Profiler profiler = o.jfr() ? Profiler.start() : null;
      long windowStart;
      try (FinspaceDataClient submitter = client(uri)) {
        // The changesets go in first (each answered at once, PENDING), then the window opens.
        for (Planned p : plan) {
          long s = System.nanoTime();
          String id =
              submitter
                  .createChangeset(
                      r ->
                          r.datasetId(p.datasetId())
                              .clientToken(UUID.randomUUID().toString())
                              .changeType(ChangeType.APPEND)
                              .sourceParams(
                                  Map.of("sourceType", "S3", "s3SourcePath", p.source().toString()))
                              .formatParams(Map.of("formatType", "CSV", "withHeader", "true")))
                  .changesetId();
          ChangesetResult c = new ChangesetResult();
          c.datasetId = p.datasetId();
          c.changesetId = id;
          c.rows = p.rows();
          c.firstId = p.firstId();
          c.createMs = (System.nanoTime() - s) / 1e6;
          created.add(c);
        }
        windowStart = System.nanoTime();
      }
      result.changesets = created;
      Monitor monitor = new Monitor(habanero, created, windowStart);
      monitor.start();
      List<Recorder> recorders = poll(uri, created, windowStart, o.seconds());
      long windowEnd = System.nanoTime();
      if (profiler != null) {
        try {
          result.profile = profiler.stop(work.resolve("server-window.jfr"));
        } catch (IOException | RuntimeException e) {
          // The profile explains; it is not a result: its failure is reported, the run goes on.
          result.profile = Map.of("error", String.valueOf(e));
        }
      }
      BenchSupport.log("window closed; waiting for every changeset to end");
      monitor.awaitAll(Duration.ofMinutes(30));
      monitor.interrupt();
      long ingestEnd = monitor.allEndedAt.get();
      result.windowSeconds = (windowEnd - windowStart) / 1e9;
      result.ingestionSeconds = ingestEnd < 0 ? Double.NaN : (ingestEnd - windowStart) / 1e9;
      result.windowSecondsWhileIngesting =
          ingestEnd < 0
              ? result.windowSeconds
              : Math.min(result.windowSeconds, result.ingestionSeconds);
      summarise(recorders, ingestEnd < 0 ? Long.MAX_VALUE : ingestEnd - windowStart);
      for (ChangesetResult c : created) {
        c.status =
            habanero
                .getChangeset(new GetChangesetRequest(c.datasetId, c.changesetId))
                .status()
                .name();
        if (!"SUCCESS".equals(c.status)) {
          result.failures.add(c.datasetId + "/" + c.changesetId + " ended " + c.status);
        }
      }
      for (Comparison cmp : idle(uri, created)) {
        result.comparisons.add(cmp);
      }
    }
    List<String> logLines = Files.readAllLines(endpointLog);
    result.endpointLogLines = logLines.size();
    // Request lines: "habanero-serve: <request id> <method> <path> <status> ..."; and failures.
    result.endpointLogFailures =
        logLines.stream()
            .filter(
                l ->
                    l.matches("habanero-serve: \\S+ \\S+ \\S+ [45]\\d\\d .*")
                        || l.contains(" failed: "))
            .count();
    checkRows(habanero, plan, created);
    cli(warehouse, created);
    result.errorsTotal = result.errorsByType.values().stream().mapToLong(Long::longValue).sum();
    if (result.errorsTotal > 0) {
      result.failures.add(result.errorsTotal + " request(s) failed: " + result.errorsByType);
    }
    OpResult get = result.ops.get(GET);
    double p99 = get.whileIngesting.count > 0 ? get.whileIngesting.p99Ms : get.window.p99Ms;
    result.targets.put(
        "p99 GetChangeset while ingesting ≤ " + (int) TARGET_P99_GET_MS + " ms",
        (p99 <= TARGET_P99_GET_MS ? "PASS" : "MISS") + String.format(" (%.1f ms)", p99));
    result.targets.put(
        "zero errors",
        (result.errorsTotal == 0 ? "PASS" : "MISS") + " (" + result.errorsTotal + ")");
    result.targets.put(
        "every changeset SUCCESS", result.allSuccess() ? "PASS" : "MISS (see failures)");
    result.targets.put(
        "every row exactly once", result.exactlyOnce() ? "PASS" : "MISS (see datasets)");
    result.loadAverageAtEnd = loadAverage();
    result.totalMinutes = (System.nanoTime() - t0) / 6e10;
    return result;
  }

  // ---------------------------------------------------------------- data

  /**
   * The CSV files of each changeset: changeset k has the keys k*R .. k*R+R-1 (unique across the
   * run) in a few files, each row's other columns a hash of its key.
   */
  private List<Planned> generate() throws IOException {
    long t = System.nanoTime();
    List<Planned> plan = new ArrayList<>();
    long bytes = 0;
    for (int k = 0; k < o.changesets(); k++) {
      String ds = "server" + (k % o.datasets());
      Path dir = work.resolve("sources/cs-" + k);
      Files.createDirectories(dir);
      long first = (long) k * o.rowsPerChangeset();
      long perFile = (o.rowsPerChangeset() + o.filesPerChangeset() - 1) / o.filesPerChangeset();
      for (int f = 0; f < o.filesPerChangeset(); f++) {
        long from = first + f * perFile;
        long to = Math.min(first + o.rowsPerChangeset(), from + perFile);
        Path file = dir.resolve(String.format("part-%02d.csv", f));
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
          w.write(CSV_HEADER);
          w.write('\n');
          StringBuilder sb = new StringBuilder(64);
          for (long id = from; id < to; id++) {
            sb.setLength(0);
            row(sb, id);
            w.append(sb);
          }
        }
        bytes += Files.size(file);
      }
      plan.add(new Planned(k, ds, dir, first, o.rowsPerChangeset()));
    }
    result.setup.put("sourceMiB", Math.round(bytes / 1048576.0));
    result.setup.put("generationSeconds", round1((System.nanoTime() - t) / 1e9));
    BenchSupport.log(
        "generated "
            + o.changesets()
            + " changesets x "
            + o.rowsPerChangeset()
            + " rows ("
            + bytes / 1048576
            + " MiB)");
    return plan;
  }

  static void row(StringBuilder sb, long id) {
    long h = mix(id);
    sb.append(id)
        .append(',')
        .append(SYMBOLS[(int) ((h >>> 1) % SYMBOLS.length)])
        .append(',')
        .append((h & 1) == 0 ? "BUY" : "SELL")
        .append(',')
        .append(1 + (h >>> 8) % 10_000)
        .append(',')
        .append(100 + (h >>> 20) % 10_000_000)
        .append(',')
        .append(VENUES[(int) ((h >>> 50) % VENUES.length)])
        .append('\n');
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  // ---------------------------------------------------------------- clients

  static FinspaceDataClient client(URI uri) {
    return FinspaceDataClient.builder()
        .endpointOverride(uri)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)))
        .httpClient(ApacheHttpClient.builder().maxConnections(4).build())
        .overrideConfiguration(c -> c.retryPolicy(RetryPolicy.none()))
        .build();
  }

  /**
   * A small changeset on its own dataset, then every client polls it for the warm-up: class
   * loading, JIT, connections, and Spark's first job are out of the window.
   */
  private void warmUp(URI uri, Habanero habanero) throws Exception {
    Path src = work.resolve("sources/warmup/a.csv");
    Files.createDirectories(src.getParent());
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (long id = -10; id < 0; id++) {
      row(sb, id);
    }
    Files.writeString(src, sb);
    String id;
    try (FinspaceDataClient c = client(uri)) {
      id =
          c.createChangeset(
                  r ->
                      r.datasetId("warmup")
                          .changeType(ChangeType.APPEND)
                          .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", src.toString()))
                          .formatParams(Map.of("formatType", "CSV", "withHeader", "true")))
              .changesetId();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        var s = c.getChangeset(r -> r.datasetId("warmup").changesetId(id)).statusAsString();
        if ("SUCCESS".equals(s) || "FAILED".equals(s)) {
          if (!"SUCCESS".equals(s)) {
            throw new IllegalStateException("the warm-up changeset ended " + s);
          }
          break;
        }
        Thread.sleep(100);
      }
    }
    ChangesetResult w = new ChangesetResult();
    w.datasetId = "warmup";
    w.changesetId = id;
    w.rows = 10;
    w.firstId = -10;
    poll(uri, List.of(w), System.nanoTime(), o.warmupSeconds());
    BenchSupport.log("warm-up done (" + o.warmupSeconds() + " s of polling)");
  }

  /** C client threads polling for {@code seconds}; what each recorded. */
  private List<Recorder> poll(URI uri, List<ChangesetResult> targets, long origin, int seconds)
      throws InterruptedException {
    Map<String, List<String>> byDataset = new LinkedHashMap<>();
    for (ChangesetResult c : targets) {
      byDataset.computeIfAbsent(c.datasetId, k -> new ArrayList<>()).add(c.changesetId);
    }
    List<String> datasets = new ArrayList<>(byDataset.keySet());
    List<Recorder> recorders = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int think = o.thinkMs();
    for (int i = 0; i < o.clients(); i++) {
      Recorder rec = new Recorder();
      recorders.add(rec);
      int first = i;
      Thread t =
          new Thread(
              () -> {
                try (FinspaceDataClient c = client(uri)) {
                  Map<String, Integer> seen = new HashMap<>();
                  ThreadLocalRandom rnd = ThreadLocalRandom.current();
                  for (long k = first; System.nanoTime() < end; k++) {
                    if (think > 0 && k > first) {
                      Thread.sleep(think);
                    }
                    if (k % 2 == 0) {
                      ChangesetResult cs = targets.get(rnd.nextInt(targets.size()));
                      long s = System.nanoTime();
                      try {
                        GetChangesetResponse r =
                            c.getChangeset(
                                q -> q.datasetId(cs.datasetId).changesetId(cs.changesetId));
                        long d = System.nanoTime() - s;
                        if (!cs.changesetId.equals(r.changesetId())
                            || !cs.datasetId.equals(r.datasetId())) {
                          rec.error(GET, "WrongAnswer", "asked " + cs.changesetId + ", got " + r);
                        } else if (rank(r.statusAsString()) < 0) {
                          rec.error(GET, "UnknownStatus", r.statusAsString());
                        } else if (rank(r.statusAsString())
                            < seen.getOrDefault(cs.changesetId, 0)) {
                          rec.error(
                              GET,
                              "StatusWentBack",
                              cs.changesetId + " " + r.statusAsString() + " after a later one");
                        } else {
                          seen.put(cs.changesetId, rank(r.statusAsString()));
                          rec.ok(GET, s - origin, d);
                        }
                      } catch (FinspaceDataException e) {
                        rec.error(GET, e.awsErrorDetails().errorCode(), brief(e.getMessage()));
                      } catch (SdkException e) {
                        rec.error(GET, e.getClass().getSimpleName(), brief(e.getMessage()));
                      }
                    } else {
                      String ds = datasets.get(rnd.nextInt(datasets.size()));
                      long s = System.nanoTime();
                      try {
                        ListChangesetsResponse r = c.listChangesets(q -> q.datasetId(ds));
                        long d = System.nanoTime() - s;
                        List<String> ids =
                            r.changesets().stream().map(ChangesetSummary::changesetId).toList();
                        if (!ids.containsAll(byDataset.get(ds))
                            || ids.size() != byDataset.get(ds).size()) {
                          rec.error(
                              LIST,
                              "WrongAnswer",
                              ds + ": " + ids + " instead of " + byDataset.get(ds));
                        } else {
                          rec.ok(LIST, s - origin, d);
                        }
                      } catch (FinspaceDataException e) {
                        rec.error(LIST, e.awsErrorDetails().errorCode(), brief(e.getMessage()));
                      } catch (SdkException e) {
                        rec.error(LIST, e.getClass().getSimpleName(), brief(e.getMessage()));
                      }
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                  rec.error("client", e.getClass().getSimpleName(), brief(e.getMessage()));
                }
              },
              "bench-client-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return recorders;
  }

  private static int rank(String status) {
    return switch (status) {
      case "PENDING" -> 0;
      case "RUNNING" -> 1;
      case "SUCCESS", "FAILED", "STOP_REQUESTED" -> 2;
      default -> -1;
    };
  }

  private void summarise(List<Recorder> recorders, long ingestEndOffset) {
    for (String op : List.of(GET, LIST)) {
      int total = 0;
      long errs = 0;
      for (Recorder r : recorders) {
        total += r.n.getOrDefault(op, 0);
        errs += r.errors.getOrDefault(op, 0L);
      }
      long[] all = new long[total];
      long[] during = new long[total];
      int a = 0;
      int d = 0;
      for (Recorder r : recorders) {
        int n = r.n.getOrDefault(op, 0);
        long[] s = r.starts.get(op);
        long[] l = r.lat.get(op);
        for (int i = 0; i < n; i++) {
          all[a++] = l[i];
          if (s[i] < ingestEndOffset) {
            during[d++] = l[i];
          }
        }
      }
      OpResult res = new OpResult();
      res.op = op;
      res.ok = total;
      res.errors = errs;
      res.requestsPerSecond = round1((total + errs) / (double) o.seconds());
      res.window = Stats.of(all, a);
      res.whileIngesting = Stats.of(during, d);
      result.ops.put(op, res);
    }
    for (Recorder r : recorders) {
      r.errorsByType.forEach((k, v) -> result.errorsByType.merge(k, v, Long::sum));
      for (String e : r.examples) {
        if (result.errorExamples.size() < 10) {
          result.errorExamples.add(e);
        }
      }
    }
    double[] creates = result.changesets.stream().mapToDouble(c -> c.createMs).sorted().toArray();
    OpResult c = new OpResult();
    c.op = CREATE;
    c.ok = creates.length;
    c.window = new Stats();
    c.window.count = creates.length;
    c.window.p50Ms = round1(Measure.median(Arrays.stream(creates).boxed().toList()));
    c.window.maxMs = round1(creates[creates.length - 1]);
    result.ops.put(CREATE, c);
  }

  /**
   * Watches the changesets (through the engine, not the endpoint) and notes when each was first
   * seen RUNNING and ended, and when the last one ended.
   */
  private static final class Monitor extends Thread {
    private final Habanero habanero;
    private final List<ChangesetResult> changesets;
    private final long origin;
    final AtomicLong allEndedAt = new AtomicLong(-1);
    private final CountDownLatch done = new CountDownLatch(1);

    Monitor(Habanero habanero, List<ChangesetResult> changesets, long origin) {
      super("bench-monitor");
      setDaemon(true);
      this.habanero = habanero;
      this.changesets = changesets;
      this.origin = origin;
    }

    @Override
    public void run() {
      try {
        while (true) {
          boolean all = true;
          for (ChangesetResult c : changesets) {
            IngestionStatus s =
                habanero.getChangeset(new GetChangesetRequest(c.datasetId, c.changesetId)).status();
            double at = round1((System.nanoTime() - origin) / 1e9);
            if (s == IngestionStatus.RUNNING && c.runningFromS == null) {
              c.runningFromS = at;
            }
            boolean ended = s == IngestionStatus.SUCCESS || s == IngestionStatus.FAILED;
            if (ended && c.endedAtS == null) {
              c.endedAtS = at;
              if (c.runningFromS == null) {
                c.runningFromS = at;
              }
            }
            all &= ended;
          }
          if (all) {
            allEndedAt.set(System.nanoTime());
            done.countDown();
            return;
          }
          Thread.sleep(250);
        }
      } catch (InterruptedException e) {
        // stopped
      }
    }

    void awaitAll(Duration timeout) throws InterruptedException {
      done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  // ---------------------------------------------------------------- checks

  /** Every row exactly once, per dataset: counts, keys, rows per changeset and content. */
  private void checkRows(Habanero habanero, List<Planned> plan, List<ChangesetResult> created) {
    Map<String, List<Integer>> byDataset = new TreeMap<>();
    for (Planned p : plan) {
      byDataset.computeIfAbsent(p.datasetId(), k -> new ArrayList<>()).add(p.index());
    }
    for (Map.Entry<String, List<Integer>> e : byDataset.entrySet()) {
      String ds = e.getKey();
      DatasetCheck c = new DatasetCheck();
      c.datasetId = ds;
      List<String> sources = new ArrayList<>();
      Map<String, Long> expectedByChangeset = new TreeMap<>();
      for (int k : e.getValue()) {
        Planned p = plan.get(k);
        c.expectedRows += p.rows();
        // the sum of first .. first+rows-1
        c.expectedIdSum += p.rows() * p.firstId() + p.rows() * (p.rows() - 1) / 2;
        sources.add(p.source().toString());
        expectedByChangeset.put(created.get(k).changesetId, p.rows());
      }
      try {
        Dataset<Row> df = habanero.readDataset(ds, new TimeTravel.Latest(), true);
        Row r =
            df.selectExpr(
                    "count(*) AS n",
                    "count(DISTINCT id) AS d",
                    "sum(cast(id AS BIGINT)) AS s",
                    "sum(cast(xxhash64(cast(id AS STRING), cast(symbol AS STRING),"
                        + " cast(side AS STRING), cast(qty AS STRING),"
                        + " cast(price_cents AS STRING), cast(venue AS STRING))"
                        + " AS DECIMAL(38,0))) AS h")
                .first();
        c.rows = r.getLong(0);
        c.distinctIds = r.getLong(1);
        c.idSum = r.isNullAt(2) ? 0 : r.getLong(2);
        c.contentHash = r.isNullAt(3) ? "0" : r.getDecimal(3).toPlainString();
        for (Row g : df.groupBy(Lineage.COLUMN).count().collectAsList()) {
          c.rowsByChangeset.put(g.getString(0), g.getLong(1));
        }
        Row x =
            spark
                .read()
                .option("header", "true")
                .csv(sources.toArray(new String[0]))
                .selectExpr(
                    "sum(cast(xxhash64(id, symbol, side, qty, price_cents, venue)"
                        + " AS DECIMAL(38,0))) AS h")
                .first();
        c.contentHashExpected = x.isNullAt(0) ? "0" : x.getDecimal(0).toPlainString();
        c.ok =
            c.rows == c.expectedRows
                && c.distinctIds == c.expectedRows
                && c.idSum == c.expectedIdSum
                && c.contentHash.equals(c.contentHashExpected)
                && c.rowsByChangeset.equals(expectedByChangeset);
        if (!c.ok) {
          result.failures.add(
              ds
                  + ": rows "
                  + c.rows
                  + " (expected "
                  + c.expectedRows
                  + "), distinct ids "
                  + c.distinctIds
                  + ", id sum "
                  + c.idSum
                  + " (expected "
                  + c.expectedIdSum
                  + "), rows by changeset "
                  + c.rowsByChangeset
                  + " (expected "
                  + expectedByChangeset
                  + "), content hash "
                  + c.contentHash
                  + " (expected "
                  + c.contentHashExpected
                  + ")");
        }
      } catch (RuntimeException ex) {
        result.failures.add(ds + ": cannot be read: " + ex);
      }
      result.datasets.add(c);
    }
  }

  // ---------------------------------------------------------------- comparisons

  /** The two operations through the endpoint with nothing else running: one client, in turn. */
  private List<Comparison> idle(URI uri, List<ChangesetResult> created) {
    int calls = o.smoke() ? 50 : 300;
    ChangesetResult cs = created.get(0);
    long[] get = new long[calls];
    long[] list = new long[calls];
    try (FinspaceDataClient c = client(uri)) {
      for (int i = 0; i < calls; i++) {
        long s = System.nanoTime();
        c.getChangeset(q -> q.datasetId(cs.datasetId).changesetId(cs.changesetId));
        get[i] = System.nanoTime() - s;
        s = System.nanoTime();
        c.listChangesets(q -> q.datasetId(cs.datasetId));
        list[i] = System.nanoTime() - s;
      }
    }
    Comparison g = new Comparison();
    g.op = GET;
    g.restIdle = Stats.of(get, calls);
    g.restUnderLoadP50Ms = result.ops.get(GET).window.p50Ms;
    Comparison l = new Comparison();
    l.op = LIST;
    l.restIdle = Stats.of(list, calls);
    l.restUnderLoadP50Ms = result.ops.get(LIST).window.p50Ms;
    return List.of(g, l);
  }

  /**
   * The same operations through the CLI, a new JVM per call as {@code scripts/habanero} starts it
   * (this JVM's classpath, Spark's --add-opens, the CLI's log4j configuration), timed from the
   * process start to its exit.
   */
  private void cli(Path warehouse, List<ChangesetResult> created) throws Exception {
    if (o.cliCalls() <= 0) {
      return;
    }
    ChangesetResult cs = created.get(0);
    Path logs = work.resolve("cli-logs");
    Files.createDirectories(logs);
    Map<String, List<String>> commands = new LinkedHashMap<>();
    commands.put(
        GET,
        List.of("get-changeset", "--dataset-id", cs.datasetId, "--changeset-id", cs.changesetId));
    commands.put(LIST, List.of("list-changesets", "--dataset-id", cs.datasetId));
    for (Comparison cmp : result.comparisons) {
      List<String> args = commands.get(cmp.op);
      for (int i = 0; i < o.cliCalls(); i++) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(StandaloneCluster.ADD_OPENS);
        Path log4j = log4jConfig();
        if (log4j != null) {
          cmd.add("-Dlog4j2.configurationFile=" + log4j);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HabaneroCli.class.getName());
        cmd.add("--warehouse");
        cmd.add(warehouse.toString());
        cmd.addAll(args);
        String name = cmp.op + "-" + i;
        long s = System.nanoTime();
        Process p =
            new ProcessBuilder(cmd)
                .redirectOutput(logs.resolve(name + ".out").toFile())
                .redirectError(logs.resolve(name + ".err").toFile())
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          result.failures.add("the CLI's " + name + " did not end within 5 minutes");
          continue;
        }
        cmp.cliMs.add((System.nanoTime() - s) / 1_000_000);
        cmp.cliExitCodes.add(p.exitValue());
        String out = Files.readString(logs.resolve(name + ".out"));
        if (p.exitValue() != 0 || !out.contains(cs.changesetId)) {
          result.failures.add(
              "the CLI's " + name + " exited " + p.exitValue() + " without the changeset");
        }
      }
      cmp.cliMedianMs = Measure.median(cmp.cliMs.stream().map(Long::doubleValue).toList());
      BenchSupport.log("CLI " + cmp.op + ": " + cmp.cliMs + " ms");
    }
  }

  private static Path log4jConfig() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("scripts/log4j2-cli.properties");
      if (Files.exists(p)) {
        return p;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- output

  static String loadAverage() {
    try {
      String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return p[0] + ", " + p[1] + ", " + p[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  static double round1(double x) {
    return Math.round(x * 10) / 10.0;
  }

  private static String brief(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Options run =
        new Options(
            o.smoke(),
            o.clients(),
            o.seconds(),
            o.warmupSeconds(),
            o.changesets(),
            o.datasets(),
            o.rowsPerChangeset(),
            o.filesPerChangeset(),
            o.cliCalls(),
            o.thinkMs(),
            o.jfr(),
            o.out(),
            o.work().resolve(o.smoke() ? "server-smoke" : "server"));
    // --spark-threads N: Spark's task threads (local[N]); fewer than the cores leaves the rest to
    // the endpoint and its clients.
    String master = "local[2]";
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--spark-threads")) {
        master = "local[" + Integer.parseInt(args[i + 1]) + "]";
      }
    }
    SparkSession spark = BenchSupport.session("server-benchmark", master);
    Result r = new ServerBenchmark(spark, run).run();
    String name = o.smoke() ? "server-smoke" : "server-latest";
    ServerReport.write(r, run, o.out(), name);
    BenchSupport.log("results: " + o.out().resolve(name + ".md"));
    for (Map.Entry<String, String> t : r.targets.entrySet()) {
      BenchSupport.log(t.getKey() + ": " + t.getValue());
    }
    spark.stop();
    // A wrong result (a failed changeset, a lost or duplicated row) fails the run; a latency target
    // missed is reported, and so are request errors (as failures).
    System.exit(r.failures.isEmpty() ? 0 : 1);
  }

  static ObjectMapper json() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }
}
