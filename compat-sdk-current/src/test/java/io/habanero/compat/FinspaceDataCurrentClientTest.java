package io.habanero.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;
import software.amazon.awssdk.services.finspacedata.model.ChangesetSummary;
import software.amazon.awssdk.services.finspacedata.model.ConflictException;
import software.amazon.awssdk.services.finspacedata.model.ErrorCategory;
import software.amazon.awssdk.services.finspacedata.model.FinspaceDataException;
import software.amazon.awssdk.services.finspacedata.model.GetChangesetResponse;
import software.amazon.awssdk.services.finspacedata.model.IngestionStatus;
import software.amazon.awssdk.services.finspacedata.model.LocationType;
import software.amazon.awssdk.services.finspacedata.model.ResourceNotFoundException;
import software.amazon.awssdk.services.finspacedata.model.ValidationException;

/**
 * The last release of the AWS SDK for Java v2 {@code finspacedata} client (2.40.2, the 2021-11
 * routes) against a real {@code habanero serve} process, unchanged but for the endpoint URL and the
 * keys; the data and the changesets are then checked by the CLI, another process on the same
 * warehouse, and the reverse.
 */
class FinspaceDataCurrentClientTest {
  private static final String KEY = "AKIDHABANEROCOMPAT40";
  private static final String SECRET = "compat-current-secret-" + "z".repeat(18);
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(180);
  private static final Map<String, String> CSV = Map.of("formatType", "CSV", "withHeader", "true");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Path warehouse;
  private static HabaneroProcesses.Server server;
  private static FinspaceDataClient client;

  @BeforeAll
  static void startServer() throws IOException {
    warehouse = tmp.resolve("wh");
    server = HabaneroProcesses.Server.start(warehouse, tmp.resolve("logs"), KEY, SECRET);
    client = client(AwsBasicCredentials.create(KEY, SECRET));
  }

  @AfterAll
  static void stopServer() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static FinspaceDataClient client(AwsCredentials credentials) {
    return FinspaceDataClient.builder()
        .endpointOverride(server.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(credentials))
        .httpClient(ApacheHttpClient.builder().build())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build();
  }

  private static Path csv(String content) throws IOException {
    Path p = tmp.resolve("src-" + UUID.randomUUID()).resolve("part.csv");
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private static GetChangesetResponse await(FinspaceDataClient c, String ds, String id) {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (true) {
      GetChangesetResponse r = c.getChangeset(g -> g.datasetId(ds).changesetId(id));
      if (r.status() != IngestionStatus.PENDING && r.status() != IngestionStatus.RUNNING) {
        return r;
      }
      assertThat(System.nanoTime()).as("%s still %s", id, r.status()).isLessThan(deadline);
      HabaneroProcesses.sleep(250);
    }
  }

  private static HabaneroProcesses.Result cli(String name, String... args) {
    HabaneroProcesses.Result r =
        HabaneroProcesses.run(warehouse, tmp.resolve("logs"), name, CLI_TIMEOUT, args);
    assertThat(r.code()).as(r.toString()).isZero();
    return r;
  }

  @Test
  void theWholeLifecycleWithIssuedCredentialsIsSeenByTheCliAndTheReverse() throws Exception {
    String ds = "current";
    var creds =
        client
            .getProgrammaticAccessCredentials(r -> r.environmentId("local").durationInMinutes(60L))
            .credentials();
    try (FinspaceDataClient user =
        client(
            AwsSessionCredentials.create(
                creds.accessKeyId(), creds.secretAccessKey(), creds.sessionToken()))) {
      var loc = user.getWorkingLocation(r -> r.locationType(LocationType.INGESTION));
      Files.writeString(Path.of(loc.s3Path()).resolve("day1.csv"), "id,name\n1,a\n2,b\n");
      String first =
          user.createChangeset(
                  r ->
                      r.datasetId(ds)
                          .changeType(ChangeType.APPEND)
                          .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", loc.s3Uri()))
                          .formatParams(CSV))
              .changesetId();
      assertThat(await(user, ds, first).status()).isEqualTo(IngestionStatus.SUCCESS);

      // The reverse: a changeset made by the CLI process is one the client sees.
      Path second = csv("id,name\n3,c\n");
      JsonNode made =
          JSON.readTree(
                  cli(
                          "create-changeset",
                          "create-changeset",
                          "--dataset-id",
                          ds,
                          "--change-type",
                          "APPEND",
                          "--source-params",
                          "s3SourcePath=" + second,
                          "--format-type",
                          "CSV")
                      .out())
              .get("changeset");
      String secondId = made.get("id").asText();
      assertThat(user.getChangeset(r -> r.datasetId(ds).changesetId(secondId)).status())
          .isEqualTo(IngestionStatus.SUCCESS);

      var pages = user.listChangesetsPaginator(r -> r.datasetId(ds).maxResults(1));
      List<String> listed =
          StreamSupport.stream(pages.changesets().spliterator(), false)
              .map(ChangesetSummary::changesetId)
              .toList();
      assertThat(listed).containsExactly(first, secondId);

      String fixed = csv("id,name\n1,A\n2,B\n").toString();
      String conflicting = csv("id,price\n9,1.5\n").toString();
      String fix =
          user.updateChangeset(
                  r ->
                      r.datasetId(ds)
                          .changesetId(first)
                          .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", fixed))
                          .formatParams(CSV))
              .changesetId();
      GetChangesetResponse modify = await(user, ds, fix);
      assertThat(modify.status()).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(modify.updatesChangesetId()).isEqualTo(first);
      GetChangesetResponse retired = user.getChangeset(r -> r.datasetId(ds).changesetId(first));
      assertThat(retired.updatedByChangesetId()).isEqualTo(fix);
      assertThat(retired.activeUntilTimestamp()).isNotNull();

      String bad =
          user.createChangeset(
                  r ->
                      r.datasetId(ds)
                          .changeType(ChangeType.APPEND)
                          .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", conflicting))
                          .formatParams(CSV))
              .changesetId();
      GetChangesetResponse failed = await(user, ds, bad);
      assertThat(failed.status()).isEqualTo(IngestionStatus.FAILED);
      assertThat(failed.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
      assertThat(failed.errorInfo().errorMessage()).contains("price");
    }

    // The CLI, another process: every changeset as the client saw it, and the data.
    JsonNode got =
        JSON.readTree(
            cli("get-changeset", "get-changeset", "--dataset-id", ds, "--changeset-id", bad(ds))
                .out());
    assertThat(got.get("status").asText()).isEqualTo("FAILED");
    List<String> rows = new ArrayList<>();
    for (String line : cli("read-dataset", "read-dataset", "--dataset-id", ds).lines()) {
      JsonNode row = JSON.readTree(line);
      rows.add(row.path("id").asText() + ":" + row.path("name").asText());
    }
    assertThat(rows).containsExactlyInAnyOrder("1:A", "2:B", "3:c");
  }

  /** The FAILED changeset of {@code ds}, as the endpoint lists it. */
  private static String bad(String ds) {
    return client.listChangesets(r -> r.datasetId(ds)).changesets().stream()
        .filter(c -> c.status() == IngestionStatus.FAILED)
        .map(ChangesetSummary::changesetId)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void errorsAndAuthenticationFailuresSurfaceAsTheClientsTypes() throws Exception {
    String ds = "errors";
    assertThatThrownBy(() -> client.listChangesets(r -> r.datasetId(ds).maxResults(0)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("maxResults '0' is invalid");
    assertThatThrownBy(() -> client.getChangeset(r -> r.datasetId(ds).changesetId("nope")))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining(ds);

    String token = UUID.randomUUID().toString();
    Path src = csv("id,name\n1,a\n");
    var req =
        software.amazon.awssdk.services.finspacedata.model.CreateChangesetRequest.builder()
            .clientToken(token)
            .datasetId(ds)
            .changeType(ChangeType.APPEND)
            .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", src.toString()))
            .formatParams(CSV)
            .build();
    String id = client.createChangeset(req).changesetId();
    assertThat(client.createChangeset(req).changesetId()).isEqualTo(id);
    assertThat(await(client, ds, id).status()).isEqualTo(IngestionStatus.SUCCESS);
    String other = csv("id,name\n2,b\n").toString();
    assertThatThrownBy(
            () ->
                client.createChangeset(
                    req.toBuilder()
                        .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", other))
                        .build()))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining(token);
    assertThat(client.listChangesets(r -> r.datasetId(ds)).changesets()).hasSize(1);

    try (FinspaceDataClient wrong = client(AwsBasicCredentials.create(KEY, "not-the-secret"));
        FinspaceDataClient unknown = client(AwsBasicCredentials.create("AKIDNOBODY", SECRET))) {
      assertThatThrownBy(() -> wrong.listChangesets(r -> r.datasetId(ds)))
          .isInstanceOfSatisfying(
              FinspaceDataException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
              });
      assertThatThrownBy(() -> unknown.listChangesets(r -> r.datasetId(ds)))
          .isInstanceOfSatisfying(
              FinspaceDataException.class,
              e ->
                  assertThat(e.awsErrorDetails().errorCode())
                      .isEqualTo("UnrecognizedClientException"));
    }
  }

  @Test
  void aChangesetWhoseCliProcessWasKilledIsResolvedByGetChangeset() throws Exception {
    String ds = "killed";
    // A first, small changeset; then a large one in a CLI process that is killed with -9.
    cli(
        "create-small",
        "create-changeset",
        "--dataset-id",
        ds,
        "--change-type",
        "APPEND",
        "--source-params",
        "s3SourcePath=" + csv("id,name\n0,zero\n"),
        "--format-type",
        "CSV");
    Path big = tmp.resolve("big").resolve("big.csv");
    Files.createDirectories(big.getParent());
    try (var w = Files.newBufferedWriter(big)) {
      w.write("id,name\n");
      for (int i = 1; i <= 1_000_000; i++) {
        w.write(i + ",n" + i + "\n");
      }
    }
    Process p =
        HabaneroProcesses.start(
            warehouse,
            tmp.resolve("logs"),
            "create-killed",
            "create-changeset",
            "--dataset-id",
            ds,
            "--change-type",
            "APPEND",
            "--source-params",
            "s3SourcePath=" + big,
            "--format-type",
            "CSV");
    String victim = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    try {
      while (victim == null && System.nanoTime() < deadline && p.isAlive()) {
        for (ChangesetSummary c : client.listChangesets(r -> r.datasetId(ds)).changesets()) {
          if (c.status() == IngestionStatus.RUNNING) {
            victim = c.changesetId();
          }
        }
        HabaneroProcesses.sleep(100);
      }
    } finally {
      p.destroyForcibly(); // SIGKILL
      p.waitFor();
    }
    assertThat(victim).as("the CLI's changeset was seen RUNNING before the kill").isNotNull();
    String id = victim;

    // The endpoint's GetChangeset resolves it: never RUNNING forever, and all or nothing.
    GetChangesetResponse after = await(client, ds, id);
    long rows = cli("read-after", "read-dataset", "--dataset-id", ds).lines().size();
    if (after.status() == IngestionStatus.FAILED) {
      assertThat(after.errorInfo().errorMessage()).contains("pid " + p.pid());
      assertThat(rows).isEqualTo(1);
    } else {
      assertThat(after.status()).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(rows).isEqualTo(1_000_001);
    }
  }
}
