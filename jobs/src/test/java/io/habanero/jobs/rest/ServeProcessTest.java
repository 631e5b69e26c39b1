package io.habanero.jobs.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.Habanero;
import io.habanero.HabaneroSettings;
import io.habanero.SharedSpark;
import io.habanero.jobs.chaos.CliProcess;
import io.habanero.jobs.chaos.CliProcess.Child;
import io.habanero.jobs.chaos.CliProcess.Result;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;

/**
 * {@code habanero serve} as a real process: its ready line, its refusal to start without keys, a
 * graceful stop (SIGTERM) and a crash (SIGKILL) with changesets in flight, each outcome checked
 * from another process (the CLI) and on the data.
 */
class ServeProcessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final Pattern READY =
      Pattern.compile("\\{\"endpoint\": \"http://127\\.0\\.0\\.1:(\\d+)\"}\n");

  /** A phase line of the endpoint's progress log: dataset, changeset, phase. */
  private static final Pattern PHASE =
      Pattern.compile(
          "^habanero-serve: [^ ]+: changeset ([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+) ([A-Z_]+):");

  /** Rows of the large source: a few seconds of ingestion, so a signal lands while it runs. */
  private static final int BIG_ROWS = 400_000;

  @TempDir Path tmp;

  private CliProcess cli;

  @BeforeEach
  void setUp(org.junit.jupiter.api.TestInfo test) {
    // The processes' stdout and stderr are kept in target/ for a failure's diagnosis.
    Path logs =
        Path.of("target", "serve-process-logs", test.getTestMethod().orElseThrow().getName());
    cli = CliProcess.onThisClasspath(tmp.resolve("wh"), logs, List.of());
  }

  @AfterEach
  void tearDown() {
    cli.killAll();
  }

  private static Map<String, String> keys() {
    return Map.of(
        RestEndpoint.Config.ACCESS_KEY_ENV,
        EndpointFixture.KEY,
        RestEndpoint.Config.SECRET_KEY_ENV,
        EndpointFixture.SECRET);
  }

  /** Starts serve and waits for its ready line; returns the endpoint. */
  private URI awaitReady(Child serve) {
    boolean ready = serve.awaitCondition(() -> serve.outSoFar().endsWith("\n"), TIMEOUT);
    assertThat(ready).as("ready line; stderr:\n%s", String.join("\n", serve.errSoFar())).isTrue();
    String out = serve.outSoFar();
    // Exactly one line, exactly this shape: scripts read the endpoint from it.
    Matcher m = READY.matcher(out);
    assertThat(m.matches()).as("stdout: %s", out).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isBetween(1, 65535);
    return URI.create("http://127.0.0.1:" + m.group(1));
  }

  private static FinspaceDataClient client(URI endpoint) {
    return FinspaceDataClient.builder()
        .endpointOverride(endpoint)
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .credentialsProvider(
            software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                AwsBasicCredentials.create(EndpointFixture.KEY, EndpointFixture.SECRET)))
        .httpClient(software.amazon.awssdk.http.apache.ApacheHttpClient.builder().build())
        .build();
  }

  private static String append(FinspaceDataClient c, String ds, Path source) {
    return c.createChangeset(
            r ->
                r.datasetId(ds)
                    .changeType(ChangeType.APPEND)
                    .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", source.toString()))
                    .formatParams(Map.of("formatType", "CSV", "withHeader", "true")))
        .changesetId();
  }

  private Path csv(String name, int firstId, int rows) throws IOException {
    Path p = tmp.resolve("src").resolve(name + ".csv");
    Files.createDirectories(p.getParent());
    try (BufferedWriter w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
      w.write("id,name,qty\n");
      for (int i = firstId; i < firstId + rows; i++) {
        w.write(i + ",row-" + i + "," + (i % 1000) + "\n");
      }
    }
    return p;
  }

  /** Waits for the endpoint's log to show {@code changesetId} in an ingestion phase. */
  private static String awaitRunning(Child serve, String changesetId) {
    Optional<String> line =
        serve.awaitErrLine(
            l -> {
              Matcher m = PHASE.matcher(l);
              return m.find()
                  && m.group(2).equals(changesetId)
                  && List.of("READING", "WRITING").contains(m.group(3));
            },
            TIMEOUT);
    assertThat(line)
        .as("%s running; stderr:\n%s", changesetId, String.join("\n", serve.errSoFar()))
        .isPresent();
    return line.get();
  }

  /** The dataset's changesets by id, as another CLI process lists (and so resolves) them. */
  private Map<String, JsonNode> listFromAnotherProcess(String name, String ds) {
    Result r = cli.run(name, TIMEOUT, "list-changesets", "--dataset-id", ds);
    assertThat(r.code()).as(r.toString()).isZero();
    Map<String, JsonNode> byId = new HashMap<>();
    for (JsonNode c : r.json().get("changesets")) {
      byId.put(c.get("changesetId").asText(), c);
    }
    return byId;
  }

  private long rows(String ds) {
    Habanero h =
        Habanero.forSession(
            SharedSpark.get(),
            HabaneroSettings.of(Map.of("warehouse", cli.warehouse().toString())));
    return h.readDataset(ds).count();
  }

  @Test
  void withoutTheKeysItExitsTwoWithOneLineNamingBothAndStartsNoSpark() {
    Map<String, String> none = new HashMap<>();
    none.put(RestEndpoint.Config.ACCESS_KEY_ENV, null);
    none.put(RestEndpoint.Config.SECRET_KEY_ENV, EndpointFixture.SECRET); // one alone is not enough
    Result r = cli.start("serve-no-keys", none, "serve", "--port", "0").await(TIMEOUT);

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    // One line, and nothing from Spark (its log would be on stderr, and it makes the warehouse).
    assertThat(r.err().strip().lines().toList())
        .singleElement()
        .asString()
        .startsWith("habanero: usage: serve needs the operator's key pair")
        .contains("HABANERO_ACCESS_KEY_ID")
        .contains("HABANERO_SECRET_ACCESS_KEY");
    assertThat(cli.warehouse()).doesNotExist();
  }

  /**
   * SIGTERM with one changeset running and one waiting (one running at most): the process stops
   * accepting, lets the running one end (SUCCESS, after the stop began) and exits; the waiting one
   * stays PENDING on disk and the next reader, another process, resolves it FAILED.
   */
  @Test
  void sigtermLetsTheRunningChangesetEndAndLeavesTheWaitingOneToRecovery() throws Exception {
    Path big = csv("big", 1, BIG_ROWS);
    Path small = csv("small", BIG_ROWS + 1, 3);
    Child serve =
        cli.start(
            "serve-sigterm",
            keys(),
            "serve",
            "--port",
            "0",
            "--max-running",
            "1",
            "--grace-seconds",
            "120");
    URI endpoint = awaitReady(serve);
    String running;
    String waiting;
    try (FinspaceDataClient c = client(endpoint)) {
      running = append(c, "trades", big);
      waiting = append(c, "trades", small);
    }
    awaitRunning(serve, running);

    Result stopped = serve.terminate(TIMEOUT);

    // 128 + SIGTERM: the JVM ended through its shutdown hooks, not by a crash or a kill.
    assertThat(stopped.code()).as(stopped.toString()).isEqualTo(143);
    assertThat(stopped.out()).as("still only the ready line").matches(READY);
    List<String> log = stopped.err().lines().toList();
    int stopping = indexOf(log, "habanero-serve: stopping:");
    int ended = indexOf(log, "changeset trades/" + running + " ended SUCCESS");
    assertThat(stopping).as(stopped.err()).isNotNegative();
    // It was still running when the stop began, and ended within the grace period.
    assertThat(ended).as(stopped.err()).isGreaterThan(stopping);
    assertThat(indexOf(log, "changesets still running and 1 never started"))
        .as(stopped.err())
        .isGreaterThan(stopping);

    Map<String, JsonNode> listed = listFromAnotherProcess("list-after-sigterm", "trades");
    assertThat(listed.get(running).get("status").asText()).isEqualTo("SUCCESS");
    JsonNode left = listed.get(waiting);
    assertThat(left.get("status").asText()).as(left.toString()).isEqualTo("FAILED");
    assertDeadOwner(left, serve.pid());
    // The data: every row of the one that ran, none of the one that never started.
    assertThat(rows("trades")).isEqualTo(BIG_ROWS);
  }

  /**
   * SIGKILL while a changeset runs and another waits: nothing in the process gets to act. A later
   * CLI process resolves both: the running one FAILED with the data unchanged (or SUCCESS if its
   * commit had landed, with its rows), the waiting one FAILED.
   */
  @Test
  void sigkillLeavesNothingRunningOnceAnotherProcessReads() throws Exception {
    Path base = csv("base", 1, 5);
    Path big = csv("big", 6, BIG_ROWS);
    Path small = csv("small", BIG_ROWS + 6, 3);
    Child serve = cli.start("serve-sigkill", keys(), "serve", "--port", "0", "--max-running", "1");
    URI endpoint = awaitReady(serve);
    String running;
    String waiting;
    try (FinspaceDataClient c = client(endpoint)) {
      String first = append(c, "trades", base);
      assertThat(
              serve.awaitErrLine(
                  l -> l.contains("changeset trades/" + first + " ended SUCCESS"), TIMEOUT))
          .as(String.join("\n", serve.errSoFar()))
          .isPresent();
      running = append(c, "trades", big);
      waiting = append(c, "trades", small);
    }
    awaitRunning(serve, running);

    Result killed = serve.kill9();
    assertThat(killed.code()).isEqualTo(CliProcess.SIGKILL_EXIT);

    Map<String, JsonNode> listed = listFromAnotherProcess("list-after-sigkill", "trades");
    String outcome = listed.get(running).get("status").asText();
    assertThat(outcome).as(listed.get(running).toString()).isIn("FAILED", "SUCCESS");
    assertThat(listed.get(waiting).get("status").asText()).isEqualTo("FAILED");
    assertDeadOwner(listed.get(waiting), serve.pid());
    if (outcome.equals("FAILED")) {
      assertDeadOwner(listed.get(running), serve.pid());
    }
    // All or nothing: the base rows, plus the big file's only if its commit landed.
    assertThat(rows("trades")).isEqualTo(outcome.equals("SUCCESS") ? 5 + BIG_ROWS : 5);
    System.err.println("[serve-sigkill] the running changeset was resolved " + outcome);
  }

  /** Recovery's verdict on a changeset whose process is gone: it names that process. */
  private static void assertDeadOwner(JsonNode changeset, long pid) {
    JsonNode e = changeset.path("errorInfo");
    assertThat(e.path("errorMessage").asText())
        .as(changeset.toString())
        .contains("(pid " + pid + " on ")
        .contains("stopped before committing, so no data was written");
    assertThat(e.path("errorCategory").asText()).isEqualTo("INTERNAL_SERVICE_EXCEPTION");
  }

  private static int indexOf(List<String> lines, String fragment) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        return i;
      }
    }
    return -1;
  }
}
