package io.habanero.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.Habanero;
import io.habanero.jobs.rest.RestEndpoint;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.testkit.S3Server;
import io.habanero.testkit.StsStub;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Executes every notebook in {@code notebooks/} headlessly, as a user would run them: the kernel is
 * installed with {@code scripts/notebooks install} into a private Jupyter prefix, and each notebook
 * runs top to bottom through {@code scripts/notebooks run} (Jupyter's nbconvert), which fails on
 * any cell error. The executed notebooks' outputs are then checked, and the data the notebooks
 * wrote is read back here to check that the outputs tell the truth. Notebook 04 runs on the
 * standard python3 kernel with boto3, against a FinSpace-compatible REST endpoint ({@link
 * RestEndpoint}) that this test starts on its own Spark session and warehouse.
 *
 * <p>Needs Jupyter and boto3 ({@code sudo scripts/notebooks setup}); without it every test here is
 * skipped with a message that says so, or fails under {@code HABANERO_REQUIRE_JUPYTER=1} (CI).
 */
class NotebooksIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path ROOT =
      Path.of(System.getProperty("habanero.it.root", "..")).toAbsolutePath().normalize();
  static final Path IT_DIR =
      Path.of(System.getProperty("habanero.it.dir", "target/it-notebooks")).toAbsolutePath();
  static final Duration NOTEBOOK_TIMEOUT = Duration.ofMinutes(15);

  static SparkSession spark;

  /** What installs Jupyter, nbconvert and the charts' fonts (Debian packages; needs root). */
  static final String SETUP_COMMAND = "sudo scripts/notebooks setup";

  /** Set (to 1) by .ci/run: a missing Jupyter fails these tests instead of skipping them. */
  static final String REQUIRE_JUPYTER = "HABANERO_REQUIRE_JUPYTER";

  /** Why the tests are skipped (Jupyter is missing), or null when they run. */
  static String skipped;

  @BeforeAll
  static void installKernel() throws Exception {
    Notebook.emptyDirectory(IT_DIR);
    skipped = jupyterMissing();
    if (skipped != null) {
      return;
    }
    Run install =
        run(
            "install",
            Map.of(),
            Duration.ofMinutes(5),
            "install",
            "--prefix",
            IT_DIR.resolve("jupyter").toString(),
            "--no-build");
    assertThat(install.exit()).as("scripts/notebooks install:\n%s", install.tail()).isZero();
    JsonNode spec =
        JSON.readTree(
            IT_DIR.resolve("jupyter/share/jupyter/kernels/habanero-java/kernel.json").toFile());
    List<String> argv = new ArrayList<>();
    spec.path("argv").forEach(a -> argv.add(a.asText()));
    assertThat(argv)
        .contains("io.habanero.notebook.HabaneroKernel", "{connection_file}")
        .contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    assertThat(spec.path("language").asText()).isEqualTo("java");
  }

  /** Each test is skipped, and reported as skipped, when Jupyter is missing. */
  @BeforeEach
  void requireJupyter() {
    Assumptions.assumeTrue(skipped == null, skipped);
  }

  /**
   * Null when Jupyter is installed ({@code scripts/notebooks check}); otherwise the reason every
   * test here is skipped, naming the command that installs it, which is also printed loudly. With
   * {@value #REQUIRE_JUPYTER}=1 in the environment a missing Jupyter fails the tests instead. The
   * kernel is only installed (into a private prefix under target/) when Jupyter is there.
   */
  static String jupyterMissing() throws IOException, InterruptedException {
    Run check =
        runCommand(
            "check",
            Map.of(),
            Duration.ofMinutes(2),
            List.of(ROOT.resolve("scripts/notebooks").toString(), "check"));
    if (check.exit() == 0) {
      return null;
    }
    String why = check.log().strip();
    if ("1".equals(System.getenv(REQUIRE_JUPYTER))) {
      fail(
          "The notebook tests cannot run, and %s=1 forbids skipping them: %s",
          REQUIRE_JUPYTER, why);
    }
    String message =
        "NotebooksIT SKIPPED, the notebooks were NOT executed: "
            + why.replaceFirst("^notebooks: ", "")
            + (why.contains(SETUP_COMMAND) ? "" : " Install it with: " + SETUP_COMMAND);
    String rule = "!".repeat(100);
    System.err.println(rule + "\n" + message + "\n" + rule);
    return message;
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void quickstartRunsTheChangesetStoryAndPlotsIt() throws Exception {
    Path work = IT_DIR.resolve("work-01");
    JsonNode nb = execute("01-quickstart.ipynb", Map.of("HABANERO_WORK_DIR", work.toString()));

    List<List<String>> changesets = htmlRows(cell(nb, "changesets"));
    assertThat(column(changesets, 1)).containsExactly("APPEND", "APPEND", "MODIFY", "REPLACE");
    assertThat(column(changesets, 2)).containsOnly("SUCCESS");
    List<String> ids = column(changesets, 0);
    // The MODIFY updates the first APPEND, which names it as updatedBy and is no longer active.
    assertThat(changesets.get(2).get(5)).isEqualTo(ids.get(0));
    assertThat(changesets.get(0).get(6)).isEqualTo(ids.get(2));
    assertThat(changesets.get(0).get(4)).isNotEmpty();
    assertThat(changesets.get(3).get(4)).as("the REPLACE is still active").isEmpty();

    List<List<String>> counts = htmlRows(cell(nb, "row-counts"));
    assertThat(column(counts, 1)).isEqualTo(ids);
    assertThat(column(counts, 3)).containsExactly("20", "40", "40", "30");

    BufferedImage chart = pngOutput(cell(nb, "chart"));
    assertThat(chart.getWidth()).isEqualTo(720);
    assertThat(chart.getHeight()).isEqualTo(400);
    assertThat(redPixels(chart)).as("bar pixels in the chart").isGreaterThan(5_000);

    // The warehouse the notebook wrote says the same.
    try (Habanero h = habanero(work.resolve("warehouse"))) {
      List<ChangesetSummary> recorded =
          h.listChangesets(new ListChangesetsRequest("trades", 50, null)).changesets();
      assertThat(recorded).extracting(ChangesetSummary::changesetId).isEqualTo(ids);
      assertThat(recorded)
          .extracting(ChangesetSummary::status)
          .containsOnly(IngestionStatus.SUCCESS);
      List<Long> asOf = new ArrayList<>();
      for (String id : ids) {
        asOf.add(h.readDataset("trades", id).count());
      }
      assertThat(asOf).containsExactly(20L, 40L, 40L, 30L);
      assertThat(tradeIds(h.readDataset("trades").collectAsList()))
          .isEqualTo(LongStream.rangeClosed(1, 30).boxed().collect(Collectors.toList()));
    }
  }

  @Test
  void dataframesAndSqlNotebookTimeTravelsDiffsAndWritesBack() throws Exception {
    Path work = IT_DIR.resolve("work-02");
    JsonNode nb =
        execute("02-dataframes-and-sql.ipynb", Map.of("HABANERO_WORK_DIR", work.toString()));

    assertThat(column(htmlRows(cell(nb, "time-travel")), 1))
        .containsExactly("20", "40", "40", "20", "40");
    List<String> byLambdaAndByColumn = column(htmlRows(cell(nb, "lambda")), 1);
    assertThat(byLambdaAndByColumn).hasSize(2).doesNotContain("0");
    assertThat(byLambdaAndByColumn.get(0)).isEqualTo(byLambdaAndByColumn.get(1));
    List<String> diff = htmlRows(cell(nb, "diff")).get(0);
    long added = Long.parseLong(diff.get(2));
    long removed = Long.parseLong(diff.get(3));
    long unchanged = Long.parseLong(diff.get(4));
    // The MODIFY swapped part 1 for its correction: what left came back changed, part 2 stayed.
    assertThat(added).isEqualTo(removed).isPositive().isLessThanOrEqualTo(20);
    assertThat(added + unchanged).isEqualTo(40);
    assertThat(htmlRows(cell(nb, "sql")).get(0)).containsExactly("45", "5");

    List<List<String>> changesets = htmlRows(cell(nb, "changesets"));
    assertThat(column(changesets, 0))
        .containsExactly("trades", "trades", "trades", "trades", "symbol_summary");
    assertThat(column(changesets, 2))
        .containsExactly("APPEND", "APPEND", "MODIFY", "APPEND", "APPEND");
    assertThat(column(changesets, 3)).containsOnly("SUCCESS");
    assertThat(column(changesets, 4)).containsOnly("DataFrame");

    try (Habanero h = habanero(work.resolve("warehouse"))) {
      String modify = column(changesets, 1).get(2);
      assertThat(h.readDataset("trades", modify).where("quantity >= 2000").count())
          .isEqualTo(Long.parseLong(byLambdaAndByColumn.get(0)));
      assertThat(h.readDataset("trades").count()).isEqualTo(45);
      assertThat(h.readDataset("trades").where("trade_id >= 1000").count()).isEqualTo(5);
      // The derived dataset summarises the 40 trades that were current when it was written.
      List<Row> summary = h.readDataset("symbol_summary").collectAsList();
      assertThat(summary.stream().mapToLong(r -> r.getLong(r.fieldIndex("trades"))).sum())
          .isEqualTo(40);
      assertThat(column(htmlRows(cell(nb, "derived")), 0))
          .isEqualTo(
              summary.stream()
                  .map(r -> r.getString(r.fieldIndex("symbol")))
                  .sorted()
                  .collect(Collectors.toList()));
    }
  }

  @Test
  void s3NotebookRunsAgainstLoopbackStsAndS3WithoutShowingSecrets() throws Exception {
    String role = "arn:aws:iam::123456789012:role/habanero-notebook";
    try (StsStub sts = StsStub.start(IT_DIR.resolve("sts-tokens"));
        S3Server s3 = S3Server.start(sts, IT_DIR.resolve("s3-data"))) {
      s3.createBucket("research-bucket");
      Map<String, String> env = new LinkedHashMap<>();
      env.put("HABANERO_ROLE_ARN", role);
      env.put("HABANERO_BUCKET", "research-bucket");
      env.put("HABANERO_PREFIX", "wh");
      env.put("HABANERO_ENVIRONMENT_ID", "nbtest");
      env.put("HABANERO_STS_ENDPOINT", sts.endpoint().toString());
      env.put("HABANERO_S3_ENDPOINT", s3.endpoint().toString());
      // The identity that calls STS, found by the AWS SDK's default chain, as on a real machine.
      env.put("AWS_ACCESS_KEY_ID", "base-identity");
      env.put("AWS_SECRET_ACCESS_KEY", "base-identity-secret");
      env.put("AWS_REGION", "us-east-1");
      JsonNode nb = execute("03-s3-environment.ipynb", env);

      List<String> credentials = htmlRows(cell(nb, "credentials")).get(0);
      assertThat(credentials).containsExactly(sts.accessKeyId(), "(redacted)", "(redacted)", "60");
      assertThat(sts.lastRoleArn()).hasValue(role);
      assertThat(sts.lastRoleSessionName()).hasValue("habanero-nbtest");

      String location = htmlRows(cell(nb, "working-location")).get(0).get(0);
      assertThat(location).startsWith("s3://research-bucket/wh/working/ingestion/");
      assertThat(text(cell(nb, "upload")))
          .contains("uploaded " + location + "trades.csv (")
          .doesNotContain("Exception");
      assertThat(htmlRows(cell(nb, "changeset")).get(0).subList(1, 3))
          .containsExactly("REPLACE", "SUCCESS");
      assertThat(htmlRows(cell(nb, "read-back")).get(0).subList(0, 2))
          .containsExactly("trades", "25");
      assertThat(htmlRows(cell(nb, "changesets")).get(0).get(3)).isEqualTo(location);

      // No secret anywhere in the executed notebook: not the secret key, not any session token.
      String everything = Files.readString(IT_DIR.resolve("executed/03-s3-environment.ipynb"));
      assertThat(sts.issuedSessionTokens()).isNotEmpty();
      assertThat(everything).doesNotContain(sts.secretAccessKey());
      for (String token : sts.issuedSessionTokens()) {
        assertThat(everything).doesNotContain(token);
      }

      // The Delta table is in the S3 store (S3Proxy keeps objects as files): read it from there.
      Path table = s3.dataDirectory().resolve("research-bucket/wh/datasets/trades");
      assertThat(table.resolve("_delta_log/00000000000000000000.json")).exists();
      List<Row> rows = spark().read().format("delta").load(table.toString()).collectAsList();
      assertThat(tradeIds(rows))
          .isEqualTo(LongStream.rangeClosed(1, 25).boxed().collect(Collectors.toList()));
    }
  }

  @Test
  void finspaceBoto3NotebookIngestsThroughTheRestEndpointAndCorrectsADay() throws Exception {
    Path work = IT_DIR.resolve("work-04");
    Path warehouse = IT_DIR.resolve("warehouse-04");
    String key = "AKIDNOTEBOOK04TEST00";
    String secret = "notebook-04-operator-secret-" + "y".repeat(12);
    // The endpoint as scripts/habanero serve runs it, here in the test's JVM and Spark session.
    try (Habanero h = habanero(warehouse);
        RestEndpoint endpoint =
            RestEndpoint.start(
                RestEndpoint.Config.defaults(key, secret).withAddress("127.0.0.1", 0),
                h,
                Clock.systemUTC(),
                System.err)) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("HABANERO_ENDPOINT", endpoint.uri().toString());
      env.put("HABANERO_ACCESS_KEY_ID", key);
      env.put("HABANERO_SECRET_ACCESS_KEY", secret);
      env.put("HABANERO_WORK_DIR", work.toString());
      env.put("HABANERO_POLL_SECONDS", "0.5");
      // No AWS configuration from the machine running the test.
      env.put("AWS_CONFIG_FILE", IT_DIR.resolve("no-aws-config").toString());
      env.put("AWS_SHARED_CREDENTIALS_FILE", IT_DIR.resolve("no-aws-credentials").toString());
      JsonNode nb = execute("04-finspace-boto3.ipynb", env);

      List<String> credentials = htmlRows(cell(nb, "credentials")).get(0);
      assertThat(credentials.get(0)).startsWith("ASIA").isNotEqualTo(key);
      assertThat(credentials.subList(1, 4)).containsExactly("(redacted)", "(redacted)", "60");
      String location = htmlRows(cell(nb, "working-location")).get(0).get(0);
      assertThat(location).startsWith("file://").contains(warehouse.toString()).endsWith("/");
      assertThat(text(cell(nb, "staging"))).contains("staged day1.csv at " + location + "day1/");

      List<String> day1 = htmlRows(cell(nb, "wait")).get(0);
      List<String> day2 = htmlRows(cell(nb, "day2")).get(0);
      assertThat(day1.subList(1, 4)).containsExactly("APPEND", "SUCCESS", "3");
      assertThat(day2.subList(1, 4)).containsExactly("APPEND", "SUCCESS", "3");
      assertThat(text(cell(nb, "create"))).contains("created changeset " + day1.get(0));
      assertThat(column(htmlRows(cell(nb, "list")), 0)).containsExactly(day1.get(0), day2.get(0));

      List<String> correction = htmlRows(cell(nb, "correction")).get(0);
      String correctionId = correction.get(0);
      assertThat(correction.subList(1, 5)).containsExactly("MODIFY", "SUCCESS", day1.get(0), "3");
      assertThat(text(cell(nb, "correction")))
          .contains("day 1 (" + day1.get(0) + ") is now updated by " + correctionId);

      List<List<String>> changesets = htmlRows(cell(nb, "changesets"));
      List<String> ids = column(changesets, 0);
      assertThat(ids).containsExactly(day1.get(0), day2.get(0), correctionId);
      assertThat(column(changesets, 1)).containsExactly("APPEND", "APPEND", "MODIFY");
      assertThat(column(changesets, 2)).containsOnly("SUCCESS");
      assertThat(changesets.get(0).get(4)).as("day 1 is active until the correction").isNotEmpty();
      assertThat(changesets.get(0).get(6)).isEqualTo(correctionId);
      assertThat(changesets.get(2).get(5)).isEqualTo(day1.get(0));
      assertThat(changesets.get(1).get(4)).as("day 2 is still active").isEmpty();
      assertThat(text(cell(nb, "changesets")))
          .contains("current rows: 6 (3 corrected day 1 + 3 day 2); final status SUCCESS");

      // No operator secret in the executed notebook.
      assertThat(Files.readString(IT_DIR.resolve("executed/04-finspace-boto3.ipynb")))
          .doesNotContain(secret);

      // The warehouse says the same: the recorded changesets, and the rows.
      List<ChangesetSummary> recorded =
          h.listChangesets(new ListChangesetsRequest("trades", 50, null)).changesets();
      assertThat(recorded).extracting(ChangesetSummary::changesetId).isEqualTo(ids);
      assertThat(recorded)
          .extracting(ChangesetSummary::status)
          .containsOnly(IngestionStatus.SUCCESS);
      assertThat(recorded.get(0).updatedByChangesetId()).isEqualTo(correctionId);
      List<Row> now = h.readDataset("trades").collectAsList();
      assertThat(tradeIds(now)).containsExactly(1L, 2L, 4L, 5L, 6L, 7L);
      assertThat(
              now.stream()
                  .filter(r -> ((Number) r.get(r.fieldIndex("trade_id"))).longValue() == 2)
                  .map(r -> String.valueOf(r.get(r.fieldIndex("price")))))
          .as("trade 2's corrected price")
          .containsExactly("409.75");
      assertThat(tradeIds(h.readDataset("trades", day1.get(0)).collectAsList()))
          .as("the dataset as of day 1, before the correction")
          .containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void s3NotebookWithoutARoleOrBucketStopsAtOnceAndSaysWhatToSet() throws Exception {
    Run r =
        run(
            "03-unconfigured",
            Map.of(),
            NOTEBOOK_TIMEOUT,
            "run",
            "--output-dir",
            IT_DIR.resolve("executed-unconfigured").toString(),
            ROOT.resolve("notebooks/03-s3-environment.ipynb").toString());
    assertThat(r.exit()).as(r.tail()).isNotZero();
    assertThat(r.log())
        .contains("IllegalStateException")
        .contains("Set HABANERO_ROLE_ARN and HABANERO_BUCKET")
        .contains("03-s3-environment.ipynb failed: see the cell and its error above");
  }

  @Test
  void theKernelAnswersAFrontEndInterruptsCellsAndSparkJobsAndLivesOn() throws Exception {
    Path script = IT_DIR.resolve("kernel_session.py");
    try (var in = NotebooksIT.class.getResourceAsStream("/kernel_session.py")) {
      Files.copy(in, script);
    }
    Run r = runPython("kernel-session", NOTEBOOK_TIMEOUT, script.toString(), "habanero-java");
    assertThat(r.exit()).as(r.tail()).isZero();
    String json =
        r.log().lines().filter(l -> l.startsWith("{\"value\"")).reduce((a, b) -> b).orElse("");
    assertThat(json).as("the session's result line in:\n%s", r.tail()).isNotEmpty();
    JsonNode s = JSON.readTree(json);
    assertThat(s.path("value").toString()).isEqualTo("[\"ok\",\"42\"]");
    // Interrupt ends a blocked cell at once, with the exception the cell saw.
    assertThat(s.path("sleep").path("status").asText()).isEqualTo("error");
    assertThat(s.path("sleep").path("ename").asText()).isEqualTo("InterruptedException");
    assertThat(s.path("sleep").path("seconds").asDouble()).isLessThan(30);
    // Interrupt ends a running Spark job too, and Spark stays usable in the same kernel.
    assertThat(s.path("spark").path("status").asText()).isEqualTo("error");
    assertThat(s.path("spark").path("seconds").asDouble()).isLessThan(60);
    assertThat(s.path("after").toString()).isEqualTo("[\"ok\",\"45\"]");
    assertThat(s.path("compile_error").path("traceback").toString())
        .contains("The cell does not compile")
        .contains("incompatible types: int cannot be converted to java.lang.String")
        .contains("^");
    assertThat(s.path("complete").toString()).contains("\"toUpperCase(\"");
  }

  // ---- running notebooks ----

  record Run(int exit, String log) {
    String tail() {
      String[] lines = log.split("\n");
      return String.join(
          "\n", List.of(lines).subList(Math.max(0, lines.length - 80), lines.length));
    }
  }

  /** Runs {@code scripts/notebooks <args>} with the private Jupyter prefix and {@code env}. */
  static Run run(String label, Map<String, String> env, Duration timeout, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("scripts/notebooks").toString());
    cmd.addAll(List.of(args));
    return runCommand(label, env, timeout, cmd);
  }

  /** Runs a Python script with Jupyter's own interpreter (the one with jupyter_client). */
  static Run runPython(String label, Duration timeout, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(jupyterPython());
    cmd.addAll(List.of(args));
    return runCommand(label, Map.of(), timeout, cmd);
  }

  /** The interpreter named by the {@code jupyter} command's first line. */
  static String jupyterPython() throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path jupyter = Path.of(dir, "jupyter");
      if (Files.isExecutable(jupyter)) {
        String first = Files.readAllLines(jupyter).get(0);
        if (first.startsWith("#!")) {
          String[] parts = first.substring(2).trim().split("\\s+");
          return parts[0].endsWith("/env") && parts.length > 1 ? parts[1] : parts[0];
        }
      }
    }
    return "python3";
  }

  static Run runCommand(String label, Map<String, String> env, Duration timeout, List<String> cmd)
      throws IOException, InterruptedException {
    Path log = IT_DIR.resolve(label + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // Notebook parameters come only from the test, never from the machine running it.
    pb.environment().keySet().removeIf(k -> k.startsWith("HABANERO_") || k.startsWith("AWS_"));
    pb.environment().put("JUPYTER_PATH", IT_DIR.resolve("jupyter/share/jupyter").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " took over " + timeout + ":\n" + log);
    }
    return new Run(p.exitValue(), Files.readString(log));
  }

  /** Executes a notebook; fails on any cell error, and checks that every code cell ran. */
  static JsonNode execute(String notebook, Map<String, String> env) throws Exception {
    Path out = IT_DIR.resolve("executed");
    Run r =
        run(
            notebook,
            env,
            NOTEBOOK_TIMEOUT,
            "run",
            "--output-dir",
            out.toString(),
            ROOT.resolve("notebooks").resolve(notebook).toString());
    assertThat(r.exit()).as("%s failed:\n%s", notebook, r.tail()).isZero();
    JsonNode nb = JSON.readTree(out.resolve(notebook).toFile());
    for (JsonNode c : nb.path("cells")) {
      if (c.path("cell_type").asText().equals("code")) {
        assertThat(c.path("execution_count").isInt()).as("cell ran: %s", c.path("source")).isTrue();
        for (JsonNode o : c.path("outputs")) {
          assertThat(o.path("output_type").asText())
              .as("output of %s", c.path("source"))
              .isNotEqualTo("error");
        }
      }
    }
    return nb;
  }

  // ---- reading executed notebooks ----

  /** The one code cell tagged {@code tag}. */
  static JsonNode cell(JsonNode nb, String tag) {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode c : nb.path("cells")) {
      for (JsonNode t : c.path("metadata").path("tags")) {
        if (t.asText().equals(tag)) {
          found.add(c);
        }
      }
    }
    assertThat(found).as("cells tagged '%s'", tag).hasSize(1);
    return found.get(0);
  }

  /** The cell's outputs of one MIME type, each joined into one string. */
  static List<String> data(JsonNode cell, String mime) {
    List<String> out = new ArrayList<>();
    for (JsonNode o : cell.path("outputs")) {
      JsonNode d = o.path("data").path(mime);
      if (!d.isMissingNode()) {
        out.add(joined(d));
      }
    }
    return out;
  }

  /** Everything the cell printed (stdout and stderr). */
  static String text(JsonNode cell) {
    StringBuilder b = new StringBuilder();
    for (JsonNode o : cell.path("outputs")) {
      if (o.path("output_type").asText().equals("stream")) {
        b.append(joined(o.path("text")));
      }
    }
    return b.toString();
  }

  private static String joined(JsonNode d) {
    if (d.isArray()) {
      StringBuilder b = new StringBuilder();
      d.forEach(x -> b.append(x.asText()));
      return b.toString();
    }
    return d.asText();
  }

  private static final Pattern ROW = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL);
  private static final Pattern TD = Pattern.compile("<td>(.*?)</td>", Pattern.DOTALL);

  /** The body rows of the cell's HTML table output, cells unescaped. */
  static List<List<String>> htmlRows(JsonNode cell) {
    List<String> html = data(cell, "text/html");
    assertThat(html).as("HTML table output of %s", cell.path("source")).hasSize(1);
    List<List<String>> rows = new ArrayList<>();
    Matcher r = ROW.matcher(html.get(0));
    while (r.find()) {
      List<String> row = new ArrayList<>();
      Matcher d = TD.matcher(r.group(1));
      while (d.find()) {
        row.add(unescape(d.group(1)));
      }
      if (!row.isEmpty()) {
        rows.add(row);
      }
    }
    assertThat(rows).as("rows of %s", html.get(0)).isNotEmpty();
    return rows;
  }

  static List<String> column(List<List<String>> rows, int i) {
    return rows.stream().map(r -> r.get(i)).collect(Collectors.toList());
  }

  private static String unescape(String s) {
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
  }

  static BufferedImage pngOutput(JsonNode cell) throws IOException {
    List<String> png = data(cell, "image/png");
    assertThat(png).as("image/png outputs").hasSize(1);
    byte[] bytes = Base64.getMimeDecoder().decode(png.get(0));
    assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(img).as("a decodable PNG").isNotNull();
    return img;
  }

  private static long redPixels(BufferedImage img) {
    long n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (r > 150 && g < 100 && b < 80) {
          n++;
        }
      }
    }
    return n;
  }

  // ---- reading the data the notebooks wrote ----

  static synchronized SparkSession spark() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("notebooks-it")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
              .config(
                  "spark.sql.catalog.spark_catalog",
                  "org.apache.spark.sql.delta.catalog.DeltaCatalog")
              .getOrCreate();
    }
    return spark;
  }

  static Habanero habanero(Path warehouse) {
    return Habanero.create(spark(), Map.of("warehouse", warehouse.toString()));
  }

  static List<Long> tradeIds(List<Row> rows) {
    return rows.stream()
        .map(r -> ((Number) r.get(r.fieldIndex("trade_id"))).longValue())
        .sorted()
        .collect(Collectors.toList());
  }
}
