package io.habanero.jobs.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ListChangesetsRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FinSpace user's boto3 script ({@code src/test/python/finspace_flow.py}) run as a real Python
 * process against the endpoint, unchanged but for the endpoint URL and keys; then what it did is
 * checked on the data, through the Java API on the same warehouse.
 *
 * <p>Needs python3 with boto3 ({@code sudo scripts/notebooks setup} installs Debian's
 * python3-boto3); without it the test is skipped, loudly, or fails under {@code
 * HABANERO_REQUIRE_JUPYTER=1} (CI). {@code HABANERO_PYTHON} names another interpreter.
 */
class Boto3FlowTest {
  static final Path SCRIPT = Path.of("src/test/python/finspace_flow.py").toAbsolutePath();
  static final Duration TIMEOUT = Duration.ofMinutes(10);
  static final String SETUP_COMMAND = "sudo scripts/notebooks setup";
  static final String HEADER = "trade_id,symbol,price,quantity\n";

  @TempDir Path tmp;

  static String python() {
    String p = System.getenv("HABANERO_PYTHON");
    return p == null || p.isBlank() ? "python3" : p;
  }

  /** Null when python3 can import boto3; otherwise why not. */
  static String boto3Missing() throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder(python(), "-c", "import boto3, botocore; print(boto3.__version__)")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "'" + python() + " -c \"import boto3\"' did not finish in 60 s";
      }
      return p.exitValue() == 0
          ? null
          : "'" + python() + "' cannot import boto3 (" + lastLine(out) + ")";
    } catch (IOException e) {
      return "'" + python() + "' does not run (" + e.getMessage() + ")";
    }
  }

  private static String lastLine(String s) {
    String[] lines = s.split("\n");
    return lines[lines.length - 1];
  }

  static void requireBoto3() throws InterruptedException {
    String why = boto3Missing();
    if (why == null) {
      return;
    }
    if ("1".equals(System.getenv("HABANERO_REQUIRE_JUPYTER"))) {
      fail(
          "Boto3FlowTest cannot run, and HABANERO_REQUIRE_JUPYTER=1 forbids skipping it: "
              + why
              + ". Install python3-boto3 with: "
              + SETUP_COMMAND);
    }
    String message =
        "Boto3FlowTest SKIPPED, the boto3 script was NOT run: "
            + why
            + ". Install python3-boto3 with: "
            + SETUP_COMMAND;
    String rule = "!".repeat(100);
    System.err.println(rule + "\n" + message + "\n" + rule);
    Assumptions.assumeTrue(false, message);
  }

  @Test
  void aFinspaceBoto3ScriptRunsUnchangedAndTheDataSaysWhatItDid() throws Exception {
    requireBoto3();
    // The files the script ingests (its own samples are only written when these are missing).
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(
        data.resolve("day1.csv"), HEADER + "1,AAA,10.5,100\n2,BBB,20.25,200\n3,CCC,30.0,300\n");
    Files.writeString(data.resolve("day2.csv"), HEADER + "4,DDD,40.0,400\n5,EEE,50.5,500\n");
    Files.writeString(
        data.resolve("day1-corrected.csv"),
        HEADER + "1,AAA,10.5,100\n2,BBB,21.75,200\n7,GGG,70.0,700\n");
    Files.writeString(
        data.resolve("conflict.csv"),
        "trade_id,symbol,price,quantity,venue\n8,HHH,80.0,800,XNAS\n");
    Files.writeString(data.resolve("day3.csv"), HEADER + "10,JJJ,100.0,1000\n11,KKK,110.0,1100\n");

    try (EndpointFixture f = new EndpointFixture(tmp.resolve("wh"), EndpointFixture.config())) {
      Path stdout = tmp.resolve("flow.out");
      Path stderr = tmp.resolve("flow.err");
      ProcessBuilder pb =
          new ProcessBuilder(python(), SCRIPT.toString(), data.toString())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile());
      // Only what the test gives: no keys or endpoints from the machine running it.
      pb.environment().keySet().removeIf(k -> k.startsWith("HABANERO_") || k.startsWith("AWS_"));
      pb.environment()
          .putAll(
              Map.of(
                  "HABANERO_ENDPOINT",
                  f.uri().toString(),
                  "HABANERO_ACCESS_KEY_ID",
                  EndpointFixture.KEY,
                  "HABANERO_SECRET_ACCESS_KEY",
                  EndpointFixture.SECRET,
                  "HABANERO_POLL_SECONDS",
                  "0.25",
                  "AWS_CONFIG_FILE",
                  tmp.resolve("no-aws-config").toString(),
                  "AWS_SHARED_CREDENTIALS_FILE",
                  tmp.resolve("no-aws-credentials").toString()));
      long start = System.nanoTime();
      Process p = pb.start();
      if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail("finspace_flow.py took over %s; stderr:\n%s", TIMEOUT, Files.readString(stderr));
      }
      String out = Files.readString(stdout);
      String err = Files.readString(stderr);
      System.err.printf(
          "%s finspace_flow.py ran in %d s; stderr:%n%s%n",
          python(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), err);
      assertThat(p.exitValue())
          .as("finspace_flow.py exit status; stderr:\n%s\nendpoint log:\n%s", err, f.log())
          .isZero();
      assertThat(out).doesNotContain(EndpointFixture.SECRET).doesNotContain("sessionToken");
      assertThat(out + err).doesNotContain(EndpointFixture.SECRET);

      JsonNode r = new ObjectMapper().readTree(out);
      System.err.printf(
          "boto3 %s, botocore %s%n", r.path("boto3").asText(), r.path("botocore").asText());
      JsonNode ids = r.path("changesetIds");
      String day1 = ids.path("day1").asText();
      String day2 = ids.path("day2").asText();
      String correction = ids.path("correction").asText();
      String failed = ids.path("failed").asText();
      String retry = ids.path("retry").asText();
      assertThat(List.of(day1, day2, correction, failed, retry))
          .doesNotContain("")
          .doesNotHaveDuplicates();
      assertThat(r.path("datasetId").asText()).isEqualTo("trades");
      assertThat(r.path("credentials").path("accessKeyIdPrefix").asText()).isEqualTo("ASIA");
      assertThat(r.path("workingLocation").asText()).startsWith("file://").endsWith("/");
      assertThat(r.path("paginated").path("pages").asInt()).isGreaterThanOrEqualTo(2);
      assertThat(texts(r.path("paginated").path("changesetIds"))).containsExactly(day1, day2);
      assertThat(r.path("correction").path("updatesChangesetId").asText()).isEqualTo(day1);
      assertThat(r.path("correction").path("oldUpdatedByChangesetId").asText())
          .isEqualTo(correction);
      assertThat(r.path("failed").path("errorCategory").asText()).isEqualTo("VALIDATION");
      assertThat(r.path("failed").path("errorMessage").asText()).contains("venue");
      assertThat(r.path("retry").path("retriedChangesetId").asText()).isEqualTo(retry);
      JsonNode errors = r.path("errors");
      assertThat(errors.path("unknownFormatType").path("code").asText())
          .isEqualTo("ValidationException");
      assertThat(errors.path("unknownFormatParam").path("httpStatus").asInt()).isEqualTo(400);
      assertThat(errors.path("unknownChangeset").path("code").asText())
          .isEqualTo("ResourceNotFoundException");
      assertThat(errors.path("clientTokenReused").path("httpStatus").asInt()).isEqualTo(409);
      assertThat(errors.path("wrongSecret").path("code").asText())
          .isEqualTo("InvalidSignatureException");
      assertThat(errors.path("unknownAccessKey").path("code").asText())
          .isEqualTo("UnrecognizedClientException");
      errors.forEach(e -> assertThat(e.path("requestId").asText()).isNotEmpty());

      // The engine recorded what the script saw.
      List<ChangesetSummary> recorded =
          f.habanero.listChangesets(new ListChangesetsRequest("trades", 100, null)).changesets();
      assertThat(recorded)
          .extracting(ChangesetSummary::changesetId)
          .containsExactly(day1, day2, correction, failed, retry);
      assertThat(recorded)
          .extracting(c -> c.status().name())
          .containsExactly("SUCCESS", "SUCCESS", "SUCCESS", "FAILED", "SUCCESS");
      assertThat(recorded.get(0).updatedByChangesetId()).isEqualTo(correction);
      assertThat(recorded.get(0).activeUntilTimestamp()).isNotNull();

      // And the data: the first day's rows are the corrected ones, the second day's untouched,
      // the FAILED changeset wrote nothing (no row 8, no venue column), the retry wrote once.
      List<String> day1Rows = List.of("1,AAA,10.5,100", "2,BBB,20.25,200", "3,CCC,30.0,300");
      List<String> day2Rows = List.of("4,DDD,40.0,400", "5,EEE,50.5,500");
      List<String> corrected = List.of("1,AAA,10.5,100", "2,BBB,21.75,200", "7,GGG,70.0,700");
      List<String> day3Rows = List.of("10,JJJ,100.0,1000", "11,KKK,110.0,1100");
      assertThat(rows(f, null))
          .containsExactlyInAnyOrderElementsOf(concat(corrected, day2Rows, day3Rows));
      assertThat(f.habanero.readDataset("trades").columns())
          .containsExactly("trade_id", "symbol", "price", "quantity");
      assertThat(rows(f, day1)).containsExactlyInAnyOrderElementsOf(day1Rows);
      assertThat(rows(f, day2)).containsExactlyInAnyOrderElementsOf(concat(day1Rows, day2Rows));
      assertThat(rows(f, correction))
          .containsExactlyInAnyOrderElementsOf(concat(corrected, day2Rows));
      assertThat(rows(f, retry))
          .containsExactlyInAnyOrderElementsOf(concat(corrected, day2Rows, day3Rows));
    }
  }

  /** The dataset's rows (as of {@code changesetId}, or now) as "trade_id,symbol,price,quantity". */
  static List<String> rows(EndpointFixture f, String changesetId) {
    List<Row> rows =
        (changesetId == null
                ? f.habanero.readDataset("trades")
                : f.habanero.readDataset("trades", changesetId))
            .select("trade_id", "symbol", "price", "quantity")
            .collectAsList();
    return rows.stream()
        .map(
            row ->
                List.of(0, 1, 2, 3).stream()
                    .map(i -> String.valueOf(row.get(i)))
                    .collect(Collectors.joining(",")))
        .collect(Collectors.toList());
  }

  @SafeVarargs
  static List<String> concat(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> p : parts) {
      out.addAll(p);
    }
    return out;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
