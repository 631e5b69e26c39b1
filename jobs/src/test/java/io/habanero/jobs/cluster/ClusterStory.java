package io.habanero.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.jobs.HabaneroCli;
import io.habanero.jobs.samples.SampleData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The changeset story the cluster ITs run through {@code spark-submit}, and its checks: APPEND,
 * APPEND, MODIFY of the first, REPLACE; then list-changesets, and read-dataset as of each
 * changeset, compared row by row and value by value with the source files. Every Spark job of a
 * create or a read must have run its tasks in an executor of the worker.
 *
 * <p>The ITs differ in where the warehouse and the sources live; they give the CLI's global
 * arguments, extra Spark conf and the source URIs, and may add a check after each submit.
 */
final class ClusterStory {
  static final int ROWS = 30;
  static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(180);
  static final String CLI = HabaneroCli.class.getName();

  /**
   * UTC so that timestamps print as the CSV's wall time; few partitions so that Delta's snapshot
   * and the shuffles stay a handful of tasks on 2 cores.
   */
  static final Map<String, String> CONF =
      Map.of(
          "spark.sql.session.timeZone", "UTC",
          "spark.sql.shuffle.partitions", "2",
          "spark.databricks.delta.snapshotPartitions", "2");

  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> COLUMNS = List.of(SampleData.TRADES_HEADER.split(","));

  /** A check run after each successful submit; {@code ranTasks} for creates and reads. */
  @FunctionalInterface
  interface SubmitCheck {
    void check(StandaloneCluster.Submit submit, boolean ranTasks) throws Exception;
  }

  /** The sample CSV files the four changesets are made from. */
  record Samples(Path part1, Path part2, Path corrected, Path restated) {
    /** Writes the samples under {@code dir} (see {@link SampleData#writeTextSamples}). */
    static Samples write(Path dir) throws IOException {
      SampleData.writeTextSamples(dir, ROWS);
      Path trades = dir.resolve("trades");
      return new Samples(
          trades.resolve("part-1.csv"),
          trades.resolve("part-2.csv"),
          trades.resolve("part-1-corrected.csv"),
          trades.resolve("restated.csv"));
    }

    /** In the order of the story: APPEND, APPEND, MODIFY, REPLACE. */
    List<Path> files() {
      return List.of(part1, part2, corrected, restated);
    }
  }

  /** The four changesets of the story, in order. */
  record Changesets(JsonNode first, JsonNode second, JsonNode modify, JsonNode replace) {
    List<String> ids() {
      return List.of(id(first), id(second), id(modify), id(replace));
    }
  }

  private final StandaloneCluster cluster;
  private final List<String> cliArgs;
  private final Map<String, String> conf;
  private final SubmitCheck check;
  private final List<StandaloneCluster.Submit> submits = new ArrayList<>();

  /**
   * @param cliArgs the CLI's global arguments before the sub-command, e.g. {@code --warehouse W}
   * @param extraConf Spark conf on top of {@link #CONF}
   * @param check run after each successful submit
   */
  ClusterStory(
      StandaloneCluster cluster,
      List<String> cliArgs,
      Map<String, String> extraConf,
      SubmitCheck check) {
    this.cluster = cluster;
    this.cliArgs = List.copyOf(cliArgs);
    Map<String, String> all = new LinkedHashMap<>(CONF);
    all.putAll(extraConf);
    this.conf = all;
    this.check = check;
  }

  ClusterStory(StandaloneCluster cluster, List<String> cliArgs) {
    this(cluster, cliArgs, Map.of(), (s, ranTasks) -> {});
  }

  /** Every submit so far, in order. */
  List<StandaloneCluster.Submit> submits() {
    return List.copyOf(submits);
  }

  /**
   * Runs the story and checks it.
   *
   * @param samples the local sample files, for the expected rows
   * @param sources the s3SourcePath of each changeset, in the order of {@link Samples#files()}: the
   *     same files as the driver and the executors see them
   */
  Changesets run(Samples samples, List<String> sources) throws Exception {
    assertThat(sources).hasSize(4);
    // The expected states; each differs from the one before, so a step that did nothing fails.
    List<String> afterFirst = csvRows(samples.part1());
    List<String> afterSecond = concat(csvRows(samples.part1()), csvRows(samples.part2()));
    List<String> afterModify = concat(csvRows(samples.corrected()), csvRows(samples.part2()));
    List<String> afterReplace = csvRows(samples.restated());
    assertThat(afterFirst).hasSize(ROWS);
    assertThat(afterSecond).hasSize(2 * ROWS);
    assertThat(afterModify).hasSize(2 * ROWS).doesNotContainAnyElementsOf(afterFirst);
    assertThat(afterReplace).hasSize(ROWS + ROWS / 2).isNotEqualTo(afterModify);

    JsonNode first = create("append-1", "APPEND", sources.get(0));
    JsonNode second = create("append-2", "APPEND", sources.get(1));
    JsonNode modify =
        create("modify-1", "MODIFY", sources.get(2), "--updates-changeset-id", id(first));
    JsonNode replace = create("replace", "REPLACE", sources.get(3));
    Changesets created = new Changesets(first, second, modify, replace);
    assertThat(modify.path("updatesChangesetId").asText()).isEqualTo(id(first));
    assertThat(Set.copyOf(created.ids())).hasSize(4);

    StandaloneCluster.Submit listed =
        cli("list", false, "list-changesets", "--dataset-id", "trades", "--max-results", "10");
    assertOnCluster(listed, false); // metadata only: the app registers, no task is needed
    JsonNode changesets = JSON.readTree(listed.out()).path("changesets");
    assertThat(changesets).as(listed.toString()).hasSize(4);
    assertThat(field(changesets, "changesetId")).containsExactlyElementsOf(created.ids());
    assertThat(field(changesets, "changeType"))
        .containsExactly("APPEND", "APPEND", "MODIFY", "REPLACE");
    assertThat(field(changesets, "status")).containsOnly("SUCCESS");
    assertThat(field(changesets, "sourceParams", "s3SourcePath"))
        .containsExactlyElementsOf(sources);
    assertThat(changesets.get(0).path("updatedByChangesetId").asText()).isEqualTo(id(modify));
    assertThat(changesets.get(2).path("updatesChangesetId").asText()).isEqualTo(id(first));
    // MODIFY retired the first; REPLACE retired the second and the MODIFY; the last is active.
    for (int i = 0; i < 3; i++) {
      assertThat(changesets.get(i).has("activeUntilTimestamp"))
          .as("changeset %d is retired: %s", i, changesets.get(i))
          .isTrue();
    }
    assertThat(changesets.get(3).has("activeUntilTimestamp")).isFalse();

    assertThat(read("read-as-of-append-1", first)).containsExactlyInAnyOrderElementsOf(afterFirst);
    assertThat(read("read-as-of-append-2", second))
        .containsExactlyInAnyOrderElementsOf(afterSecond);
    assertThat(read("read-as-of-modify", modify)).containsExactlyInAnyOrderElementsOf(afterModify);
    assertThat(read("read-as-of-replace", replace))
        .containsExactlyInAnyOrderElementsOf(afterReplace);
    return created;
  }

  /** create-changeset on the cluster; returns the printed changeset, which must be SUCCESS. */
  JsonNode create(String name, String changeType, String source, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "create-changeset",
                "--dataset-id",
                "trades",
                "--change-type",
                changeType,
                "--source-params",
                "s3SourcePath=" + source,
                "--format-type",
                "CSV"));
    args.addAll(Arrays.asList(extra));
    StandaloneCluster.Submit s = cli(name, true, args.toArray(String[]::new));
    JsonNode changeset = JSON.readTree(s.out()).path("changeset");
    assertThat(changeset.path("status").asText()).as(s.toString()).isEqualTo("SUCCESS");
    assertThat(changeset.path("changeType").asText()).isEqualTo(changeType);
    assertThat(changeset.path("datasetId").asText()).isEqualTo("trades");
    assertThat(id(changeset)).isNotBlank();
    return changeset;
  }

  /** read-dataset as of a changeset on the cluster; returns the rows in canonical form. */
  List<String> read(String name, JsonNode changeset) throws Exception {
    StandaloneCluster.Submit s =
        cli(name, true, "read-dataset", "--dataset-id", "trades", "--changeset-id", id(changeset));
    List<String> rows = new ArrayList<>();
    for (String line : s.out().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode row = JSON.readTree(line);
      // Exactly the source's columns: the lineage column stays hidden.
      assertThat(fieldNames(row)).as(line).containsExactlyInAnyOrderElementsOf(COLUMNS);
      rows.add(canonical(COLUMNS.stream().map(col -> row.path(col).asText()).toList()));
    }
    return rows;
  }

  /**
   * One CLI command on the cluster, which must exit 0; with {@code ranTasks}, its Spark jobs must
   * have run on the worker's executors ({@link #assertOnCluster}).
   */
  StandaloneCluster.Submit cli(String name, boolean ranTasks, String... args) throws Exception {
    List<String> all = new ArrayList<>(cliArgs);
    all.addAll(Arrays.asList(args));
    StandaloneCluster.Submit s = cluster.submit(name, jobsJar(), CLI, conf, all, SUBMIT_TIMEOUT);
    submits.add(s);
    assertThat(s.exitCode()).as("%s\n%s", s, cluster.logTails()).isZero();
    if (ranTasks) {
      assertOnCluster(s, true);
    }
    check.check(s, ranTasks);
    return s;
  }

  /**
   * The submit was one application of this cluster, and (if it ran Spark jobs) its tasks ran in an
   * executor JVM launched by the worker, with SPARK_HOME's jars and the shipped jobs jar.
   */
  void assertOnCluster(StandaloneCluster.Submit s, boolean ranTasks) throws IOException {
    assertThat(s.appIds()).as("new applications on the worker during %s", s.name()).hasSize(1);
    String appId = s.appIds().get(0);
    assertThat(s.err()).contains("Connected to Spark cluster with app ID " + appId);
    String executors = cluster.executorLogs(appId);
    assertThat(executors)
        .as("executor stderr of %s", appId)
        .contains("CoarseGrainedExecutorBackend")
        // The executor's classpath is SPARK_HOME's, after spark.executor.extraClassPath if set:
        // "-cp" "[<extra>:]<SPARK_HOME>/conf/:<SPARK_HOME>/jars/*".
        .containsPattern(
            Pattern.compile(
                "\"-cp\" \"([^\"]*:)?"
                    + Pattern.quote(cluster.sparkHome().resolve("conf") + "/:")
                    + Pattern.quote(cluster.sparkHome().resolve("jars") + "/*\"")));
    if (ranTasks) {
      String jarName = jobsJar().getFileName().toString();
      assertThat(executors)
          .as("executor stderr of %s", appId)
          .containsPattern(Pattern.compile("Adding file:\\S*/" + Pattern.quote(jarName)))
          .containsPattern("Running task \\d+\\.\\d+ in stage")
          .containsPattern("Finished task \\d+\\.\\d+ in stage");
    }
  }

  /** The master lists every submit as a FINISHED application; the worker ran an executor each. */
  void assertMasterAndWorkerSawEveryApplication() throws Exception {
    Set<String> apps = new HashSet<>();
    submits.forEach(s -> apps.addAll(s.appIds()));
    assertThat(apps).hasSize(submits.size());
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode master;
    JsonNode worker;
    while (true) {
      master = cluster.masterState();
      worker = cluster.workerState();
      // The worker moves an executor to finishedexecutors a little after the master has
      // completed its application: wait for both.
      if ((field(master.path("completedapps"), "id").containsAll(apps)
              && field(worker.path("finishedexecutors"), "appid").containsAll(apps))
          || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(field(master.path("completedapps"), "id"))
        .as("master: %s", master)
        .containsExactlyInAnyOrderElementsOf(apps);
    assertThat(field(master.path("completedapps"), "state")).containsOnly("FINISHED");
    assertThat(master.path("activeapps")).isEmpty();
    assertThat(field(worker.path("finishedexecutors"), "appid"))
        .as("worker: %s", worker)
        .containsAll(apps);
  }

  /** Prints the start-up time and each submit's duration (to the IT's output file). */
  void printTimings(Duration startup, long t0) {
    System.out.printf(
        "cluster started in %d ms; %d submits; total %d ms%n",
        startup.toMillis(), submits.size(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
    submits.forEach(s -> System.out.printf("  %s: %d ms%n", s.name(), s.took().toMillis()));
  }

  static List<String> field(JsonNode array, String... path) {
    List<String> values = new ArrayList<>();
    for (JsonNode n : array) {
      JsonNode v = n;
      for (String p : path) {
        v = v.path(p);
      }
      values.add(v.asText());
    }
    return values;
  }

  static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static String id(JsonNode changeset) {
    return changeset.path("id").asText();
  }

  /** A CSV file's data rows in canonical form, as read-dataset (in UTC) must print them. */
  static List<String> csvRows(Path csv) {
    try {
      List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
      assertThat(lines.get(0)).isEqualTo(SampleData.TRADES_HEADER);
      return lines.stream()
          .skip(1)
          .filter(l -> !l.isBlank())
          .map(
              l -> {
                List<String> v = new ArrayList<>(List.of(l.split(",", -1)));
                int ts = COLUMNS.indexOf("trade_ts");
                v.set(ts, v.get(ts).replace(' ', 'T') + "Z");
                return canonical(v);
              })
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Column=value pairs; the price compared as a number (the CSV has 4 decimals). */
  static String canonical(List<String> values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < COLUMNS.size(); i++) {
      String v = values.get(i);
      if (COLUMNS.get(i).equals("price")) {
        v = new BigDecimal(v).stripTrailingZeros().toPlainString();
      }
      sb.append(i == 0 ? "" : "|").append(COLUMNS.get(i)).append('=').append(v);
    }
    return sb.toString();
  }

  static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }

  /** The shaded jobs jar that {@code package} built. */
  static Path jobsJar() throws IOException {
    String configured = System.getProperty("habanero.it.spark-jar");
    if (configured != null) {
      Path jar = Path.of(configured);
      assertThat(jar).as("the shaded jobs jar (built by package)").isRegularFile();
      return jar;
    }
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("basedir", "."), "target"))) {
      return s.filter(p -> p.getFileName().toString().matches("habanero-jobs-.*-spark\\.jar"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no target/habanero-jobs-*-spark.jar: package"));
    }
  }

  /** The directory under target/ for the ITs' clusters. */
  static Path itDir() throws IOException {
    String configured = System.getProperty("habanero.it.dir");
    return Files.createDirectories(
        configured != null
            ? Path.of(configured)
            : Path.of(System.getProperty("basedir", "."), "target", "it-cluster"));
  }
}
