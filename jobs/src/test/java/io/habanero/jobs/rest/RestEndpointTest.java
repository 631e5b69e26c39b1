package io.habanero.jobs.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.Habanero;
import io.habanero.SharedSpark;
import io.habanero.TestSeams;
import io.habanero.model.GetChangesetRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
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
import software.amazon.awssdk.services.finspacedata.model.ThrottlingException;
import software.amazon.awssdk.services.finspacedata.model.ValidationException;

/**
 * The REST endpoint against the real AWS SDK for Java v2 {@code finspacedata} client (the later
 * model's routes) and raw signed HTTP (the 2021-05 route, hostile requests), with outcomes checked
 * on the data through Habanero and the {@code habanero} data source.
 */
class RestEndpointTest {
  @TempDir static Path tmp;
  private static EndpointFixture f;
  private static FinspaceDataClient client;
  private static SignedHttp http;
  private static final AwsCredentialsIdentity OPERATOR =
      AwsCredentialsIdentity.create(EndpointFixture.KEY, EndpointFixture.SECRET);

  @BeforeAll
  static void start() throws IOException {
    f = new EndpointFixture(tmp.resolve("wh"), EndpointFixture.config());
    client = f.client();
    http = new SignedHttp(f.uri());
  }

  @AfterAll
  static void stop() {
    client.close();
    f.close();
  }

  private static Path csv(String content) throws IOException {
    Path p = tmp.resolve("src-" + UUID.randomUUID()).resolve("part.csv");
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private static Map<String, String> source(Path p) {
    return Map.of("sourceType", "S3", "s3SourcePath", p.toString());
  }

  private static final Map<String, String> CSV = Map.of("formatType", "CSV", "withHeader", "true");

  private static String append(FinspaceDataClient c, String ds, Path src) {
    return c.createChangeset(
            r ->
                r.datasetId(ds)
                    .changeType(ChangeType.APPEND)
                    .sourceParams(source(src))
                    .formatParams(CSV))
        .changesetId();
  }

  /** Polls GetChangeset as FinSpace clients do, until the status is neither PENDING nor RUNNING. */
  private static GetChangesetResponse await(FinspaceDataClient c, String ds, String id)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      GetChangesetResponse r = c.getChangeset(g -> g.datasetId(ds).changesetId(id));
      if (r.status() != IngestionStatus.PENDING
          && r.status() != IngestionStatus.RUNNING
          && r.status() != IngestionStatus.STOP_REQUESTED) {
        return r;
      }
      assertThat(System.nanoTime()).as("%s/%s still %s", ds, id, r.status()).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** The dataset's rows, "id:name" sorted, read through Habanero. */
  private static List<String> rows(Habanero h, String ds) {
    return h.readDataset(ds).collectAsList().stream()
        .map(r -> r.get(0) + ":" + r.get(1))
        .sorted()
        .toList();
  }

  @Test
  void laterRoutesRunTheWholeLifecycleWithIssuedCredentials() throws Exception {
    String ds = "life";
    var creds =
        client
            .getProgrammaticAccessCredentials(r -> r.environmentId("local").durationInMinutes(60L))
            .credentials();
    assertThat(creds.accessKeyId()).startsWith("ASIA");
    assertThat(creds.secretAccessKey()).hasSize(40);
    assertThat(creds.sessionToken()).isNotBlank();

    // A FinSpace script's flow: a client built from the issued triple does the rest.
    try (FinspaceDataClient user =
        f.client(
            EndpointFixture.session(
                creds.accessKeyId(), creds.secretAccessKey(), creds.sessionToken()),
            false)) {
      var loc = user.getWorkingLocation(r -> r.locationType(LocationType.INGESTION));
      assertThat(loc.s3Uri()).endsWith("/");
      Path staged = Path.of(loc.s3Path()).resolve("day1.csv");
      Files.writeString(staged, "id,name\n1,a\n2,b\n");

      long before = System.currentTimeMillis();
      String first =
          user.createChangeset(
                  r ->
                      r.datasetId(ds)
                          .changeType(ChangeType.APPEND)
                          .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", loc.s3Uri()))
                          .formatParams(CSV))
              .changesetId();
      GetChangesetResponse one = await(user, ds, first);
      assertThat(one.status()).as("%s", one).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(one.createTime()).isBetween(before - 1000, System.currentTimeMillis());
      assertThat(one.activeFromTimestamp()).isGreaterThanOrEqualTo(one.createTime() - 1000);
      assertThat(one.activeUntilTimestamp()).isNull();
      assertThat(one.changeType()).isEqualTo(ChangeType.APPEND);
      assertThat(one.formatParams()).containsEntry("formatType", "CSV");
      assertThat(one.changesetArn()).contains(ds).contains(first);

      String second = append(user, ds, csv("id,name\n3,c\n"));
      assertThat(await(user, ds, second).status()).isEqualTo(IngestionStatus.SUCCESS);

      // The paginator follows nextToken: one per page, oldest first.
      var pages = user.listChangesetsPaginator(r -> r.datasetId(ds).maxResults(1));
      List<String> listed =
          StreamSupport.stream(pages.changesets().spliterator(), false)
              .map(ChangesetSummary::changesetId)
              .toList();
      assertThat(listed).containsExactly(first, second);
      assertThat(StreamSupport.stream(pages.spliterator(), false).count())
          .isGreaterThanOrEqualTo(2);

      // The correction flow: UpdateChangeset replaces the first changeset's rows only.
      Path fixed = csv("id,name\n1,A\n2,B\n");
      var upd =
          user.updateChangeset(
              r ->
                  r.datasetId(ds).changesetId(first).sourceParams(source(fixed)).formatParams(CSV));
      assertThat(upd.datasetId()).isEqualTo(ds);
      GetChangesetResponse modify = await(user, ds, upd.changesetId());
      assertThat(modify.status()).as("%s", modify).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(modify.changeType()).isEqualTo(ChangeType.MODIFY);
      assertThat(modify.updatesChangesetId()).isEqualTo(first);
      GetChangesetResponse retired = user.getChangeset(r -> r.datasetId(ds).changesetId(first));
      assertThat(retired.updatedByChangesetId()).isEqualTo(upd.changesetId());
      assertThat(retired.activeUntilTimestamp()).isNotNull();
    }

    // On the data, through two other surfaces: the Java API and the habanero data source.
    assertThat(rows(f.habanero, ds)).containsExactly("1:A", "2:B", "3:c");
    List<Row> viaSource =
        SharedSpark.get()
            .read()
            .format("habanero")
            .option("warehouse", f.warehouse.toString())
            .option("datasetId", ds)
            .load()
            .collectAsList();
    assertThat(viaSource).hasSize(3);
  }

  @Test
  void aChangesetFromTheJavaApiIsVisibleThroughTheEndpointAndTheReverse() throws Exception {
    String ds = "cross";
    Path src = csv("id,name\n1,a\n");
    var viaApi =
        f.habanero.createChangeset(
            io.habanero.model.CreateChangesetRequest.builder()
                .datasetId(ds)
                .changeType(io.habanero.model.ChangeType.APPEND)
                .s3SourcePath(src.toString())
                .formatType(io.habanero.model.FormatType.CSV)
                .build());
    GetChangesetResponse seen =
        client.getChangeset(r -> r.datasetId(ds).changesetId(viaApi.changeset().id()));
    assertThat(seen.status()).isEqualTo(IngestionStatus.SUCCESS);

    String viaRest = append(client, ds, csv("id,name\n2,b\n"));
    assertThat(await(client, ds, viaRest).status()).isEqualTo(IngestionStatus.SUCCESS);
    // Another Habanero instance on the same warehouse (as another process would) sees it too.
    try (Habanero other =
        Habanero.create(SharedSpark.get(), Map.of("warehouse", f.warehouse.toString()))) {
      assertThat(other.getChangeset(new GetChangesetRequest(ds, viaRest)).status().name())
          .isEqualTo("SUCCESS");
      assertThat(rows(other, ds)).containsExactly("1:a", "2:b");
    }
  }

  @Test
  void aFailedChangesetCarriesErrorInfoAndChangesNoData() throws Exception {
    String ds = "failing";
    assertThat(await(client, ds, append(client, ds, csv("id,name\n1,a\n"))).status())
        .isEqualTo(IngestionStatus.SUCCESS);
    String bad = append(client, ds, csv("id,price,venue\n2,1.5,x\n"));
    GetChangesetResponse r = await(client, ds, bad);
    assertThat(r.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(r.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(r.errorInfo().errorMessage()).contains("price").contains("Fix:");
    assertThat(rows(f.habanero, ds)).containsExactly("1:a");
  }

  @Test
  void aClientTokenRetryIsTheSameChangesetAndWritesItsRowsOnce() throws Exception {
    String ds = "tokens";
    Path src = csv("id,name\n1,a\n2,b\n");
    String token = UUID.randomUUID().toString();
    var req =
        software.amazon.awssdk.services.finspacedata.model.CreateChangesetRequest.builder()
            .clientToken(token)
            .datasetId(ds)
            .changeType(ChangeType.APPEND)
            .sourceParams(source(src))
            .formatParams(CSV)
            .build();
    String id = client.createChangeset(req).changesetId();
    assertThat(client.createChangeset(req).changesetId()).isEqualTo(id);
    assertThat(await(client, ds, id).status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(client.createChangeset(req).changesetId()).isEqualTo(id);
    assertThat(rows(f.habanero, ds)).containsExactly("1:a", "2:b");
    assertThat(client.listChangesets(r -> r.datasetId(ds)).changesets()).hasSize(1);

    // The same token for another request is a conflict, not a second changeset.
    assertThatThrownBy(
            () ->
                client.createChangeset(
                    req.toBuilder().sourceParams(source(csv("id,name\n9,z\n"))).build()))
        .isInstanceOf(ConflictException.class)
        .satisfies(e -> assertThat(((ConflictException) e).statusCode()).isEqualTo(409))
        .hasMessageContaining(token);
    assertThat(rows(f.habanero, ds)).containsExactly("1:a", "2:b");
  }

  @Test
  void theSeedRouteAnswersTheFullChangesetInItsOwnShape() throws Exception {
    String ds = "seed";
    Path src = csv("id,name\n1,a\n");
    String body =
        "{\"changeType\":\"APPEND\",\"sourceType\":\"S3\",\"sourceParams\":{\"s3SourcePath\":\""
            + src
            + "\"},\"formatType\":\"CSV\",\"formatParams\":{\"separator\":\",\",\"withHeader\":"
            + "\"true\"},\"tags\":{\"desk\":\"fx\"}}";
    double now = System.currentTimeMillis() / 1000.0;
    SignedHttp.Reply r = http.send("POST", "/datasets/" + ds + "/changesets", body, OPERATOR);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.header("x-amzn-RequestId")).isNotBlank();
    JsonNode c = r.json().get("changeset");
    assertThat(c.get("id").asText()).isNotBlank();
    assertThat(c.has("changesetId")).isFalse();
    assertThat(c.get("datasetId").asText()).isEqualTo(ds);
    // Epoch seconds, as the 2021-05 clients parse it (a number, not milliseconds or a string).
    assertThat(c.get("createTimestamp").isNumber()).isTrue();
    assertThat(c.get("createTimestamp").asDouble()).isBetween(now - 60, now + 60);
    assertThat(c.get("status").asText()).isEqualTo("PENDING");
    assertThat(c.get("changesetLabels").get("desk").asText()).isEqualTo("fx");
    assertThat(c.get("sourceType").asText()).isEqualTo("S3");
    assertThat(c.get("formatType").asText()).isEqualTo("CSV");
    String id = c.get("id").asText();
    assertThat(await(client, ds, id).status()).isEqualTo(IngestionStatus.SUCCESS);

    // MODIFY on the seed route, through Habanero's documented updatesChangesetId.
    String modify =
        "{\"changeType\":\"MODIFY\",\"sourceType\":\"S3\",\"sourceParams\":{\"s3SourcePath\":\""
            + csv("id,name\n1,A\n")
            + "\"},\"formatType\":\"CSV\",\"updatesChangesetId\":\""
            + id
            + "\"}";
    SignedHttp.Reply m = http.send("POST", "/datasets/" + ds + "/changesets", modify, OPERATOR);
    assertThat(m.status()).as("%s", m).isEqualTo(200);
    String mid = m.json().get("changeset").get("id").asText();
    assertThat(m.json().get("changeset").get("updatesChangesetId").asText()).isEqualTo(id);
    assertThat(await(client, ds, mid).status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(rows(f.habanero, ds)).containsExactly("1:A");

    // A FAILED changeset, answered again for its clientToken: the 2021-05 category strings.
    String failing =
        "{\"changeType\":\"APPEND\",\"sourceType\":\"S3\",\"sourceParams\":{\"s3SourcePath\":\""
            + csv("id,price\n2,1.5\n")
            + "\"},\"formatType\":\"CSV\",\"clientToken\":\"seed-failing-1\"}";
    String fid =
        http.send("POST", "/datasets/" + ds + "/changesets", failing, OPERATOR)
            .json()
            .get("changeset")
            .get("id")
            .asText();
    GetChangesetResponse later = await(client, ds, fid);
    assertThat(later.errorInfo().errorCategoryAsString()).isEqualTo("VALIDATION");
    JsonNode again =
        http.send("POST", "/datasets/" + ds + "/changesets", failing, OPERATOR)
            .json()
            .get("changeset");
    assertThat(again.get("id").asText()).isEqualTo(fid);
    assertThat(again.get("status").asText()).isEqualTo("FAILED");
    assertThat(again.get("errorInfo").get("errorCategory").asText())
        .isEqualTo("The_inputs_to_this_request_are_invalid");
    assertThat(again.get("errorInfo").get("errorMessage").asText()).contains("price");
    assertThat(rows(f.habanero, ds)).containsExactly("1:A");
  }

  /** One refused request: status, error type, and a fragment of its message. */
  private static void refused(SignedHttp.Reply r, int status, String type, String fragment) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.header("x-amzn-ErrorType")).as("%s", r).isEqualTo(type);
    assertThat(r.header("x-amzn-RequestId")).as("%s", r).isNotBlank();
    JsonNode b = r.json();
    assertThat(b.get("__type").asText()).isEqualTo(type);
    assertThat(b.get("message").asText()).contains(fragment);
  }

  @Test
  void everyBoundOfTheModelIsEnforcedOnTheServerWithTheAwsErrorShape() throws Exception {
    String ds = "bounds";
    String good = "{\"s3SourcePath\":\"" + csv("id,name\n1,a\n") + "\"}";
    String v2 = "/datasets/" + ds + "/changesetsv2";
    refused(
        http.send(
            "POST",
            v2,
            "{\"changeType\":\"UPSERT\",\"sourceParams\":"
                + good
                + ",\"formatParams\":{\"formatType\":\"CSV\"}}",
            OPERATOR),
        400,
        "ValidationException",
        "changeType 'UPSERT' is invalid");
    refused(
        http.send(
            "POST", v2, "{\"changeType\":\"APPEND\",\"sourceParams\":" + good + "}", OPERATOR),
        400,
        "ValidationException",
        "formatParams is required");
    refused(
        http.send(
            "POST",
            v2,
            "{\"changeType\":\"APPEND\",\"sourceParams\":"
                + good
                + ",\"formatParams\":{\"formatType\":\"CSV\"},\"color\":\"red\"}",
            OPERATOR),
        400,
        "ValidationException",
        "Unknown member 'color'");
    refused(
        http.send("POST", v2, "{\"changeType\":", OPERATOR),
        400,
        "ValidationException",
        "not valid JSON");
    refused(
        http.send(
            "POST",
            v2,
            "{\"changeType\":\"APPEND\",\"sourceParams\":"
                + good
                + ",\"formatParams\":{\"withHeader\":true}}",
            OPERATOR),
        400,
        "ValidationException",
        "formatParams.withHeader");
    refused(
        http.send(
            "POST",
            v2,
            "{\"clientToken\":\""
                + "t".repeat(129)
                + "\",\"changeType\":\"APPEND\",\"sourceParams\":"
                + good
                + ",\"formatParams\":{\"formatType\":\"CSV\"}}",
            OPERATOR),
        400,
        "ValidationException",
        "clientToken");
    refused(
        http.send(
            "POST",
            v2,
            "{\"changeType\":\"APPEND\",\"sourceParams\":"
                + good
                + ",\"formatParams\":{\"formatType\":\"CSV\",\"delimiter\":\";\"}}",
            OPERATOR),
        400,
        "ValidationException",
        "delimiter");
    refused(
        http.send("GET", v2 + "?maxResults=0", null, OPERATOR),
        400,
        "ValidationException",
        "maxResults");
    refused(
        http.send("GET", v2 + "?maxResults=101", null, OPERATOR),
        400,
        "ValidationException",
        "maxResults");
    refused(
        http.send("GET", v2 + "?maxResults=ten", null, OPERATOR),
        400,
        "ValidationException",
        "maxResults");
    refused(
        http.send("GET", v2 + "?pageSize=1", null, OPERATOR),
        400,
        "ValidationException",
        "Unknown query parameter 'pageSize'");
    refused(
        http.send(
            "GET",
            "/credentials/programmatic?environmentId=local&durationInMinutes=59",
            null,
            OPERATOR),
        400,
        "ValidationException",
        "durationInMinutes");
    refused(
        http.send(
            "GET",
            "/credentials/programmatic?environmentId=local&durationInMinutes=721",
            null,
            OPERATOR),
        400,
        "ValidationException",
        "durationInMinutes");
    refused(
        http.send("GET", "/credentials/programmatic", null, OPERATOR),
        400,
        "ValidationException",
        "environmentId");
    refused(
        http.send("GET", "/credentials/programmatic?environmentId=prod", null, OPERATOR),
        400,
        "ValidationException",
        "environmentId 'prod'");
    refused(
        http.send("POST", "/workingLocationV1", "{\"locationType\":\"ARCHIVE\"}", OPERATOR),
        400,
        "ValidationException",
        "locationType");

    // Path parameters are checked before any filesystem call: nothing appears in the warehouse.
    refused(
        http.send("GET", "/datasets/" + "d".repeat(27) + "/changesetsv2", null, OPERATOR),
        400,
        "ValidationException",
        "datasetId");
    refused(
        http.send("GET", "/datasets/..%2F..%2Fetc/changesetsv2", null, OPERATOR),
        400,
        "ValidationException",
        "datasetId");
    refused(
        http.send("GET", "/datasets/ok/changesetsv2/..", null, OPERATOR),
        400,
        "ValidationException",
        "changesetId");
    refused(
        http.send(
            "POST",
            "/datasets/a%20b/changesetsv2",
            "{\"changeType\":\"APPEND\",\"sourceParams\":"
                + good
                + ",\"formatParams\":{\"formatType\":\"CSV\"}}",
            OPERATOR),
        400,
        "ValidationException",
        "datasetId");

    // Unknown things: 404 in the AWS shape.
    f.habanero.createChangeset(
        io.habanero.model.CreateChangesetRequest.builder()
            .datasetId("known")
            .changeType(io.habanero.model.ChangeType.APPEND)
            .s3SourcePath(csv("id,name\n1,a\n").toString())
            .formatType(io.habanero.model.FormatType.CSV)
            .build());
    refused(
        http.send("GET", "/datasets/known/changesetsv2/nosuchchangeset", null, OPERATOR),
        404,
        "ResourceNotFoundException",
        "nosuchchangeset");
    refused(
        http.send("GET", "/datasets/nosuchdataset/changesetsv2", null, OPERATOR),
        404,
        "ResourceNotFoundException",
        "nosuchdataset");
    refused(
        http.send(
            "POST",
            v2,
            "{\"changeType\":\"APPEND\",\"sourceParams\":{\"s3SourcePath\":\""
                + tmp.resolve("missing")
                + "\"},\"formatParams\":{\"formatType\":\"CSV\"}}",
            OPERATOR),
        404,
        "ResourceNotFoundException",
        "missing");
    refused(
        http.send("GET", "/datasetsv2", null, OPERATOR),
        404,
        "UnknownOperationException",
        "GET /datasetsv2");
    refused(
        http.send("DELETE", v2 + "/x", null, OPERATOR), 404, "UnknownOperationException", "DELETE");
    refused(http.send("GET", "/", null, OPERATOR), 404, "UnknownOperationException", "GET /");

    // Nothing of the above was recorded, and no directory was made for a refused id.
    assertThat(Files.exists(f.warehouse.resolve("datasets").resolve(ds))).isFalse();
    try (var names = Files.list(f.warehouse)) {
      assertThat(names.map(p -> p.getFileName().toString())).doesNotContain("etc");
    }

    // The SDK surfaces the model's exception classes with the messages.
    assertThatThrownBy(() -> client.listChangesets(r -> r.datasetId(ds).maxResults(0)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("maxResults '0' is invalid");
    assertThatThrownBy(
            () -> client.getChangeset(r -> r.datasetId("nosuchdataset").changesetId("x")))
        .isInstanceOf(ResourceNotFoundException.class)
        .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode()).isEqualTo(404));
  }

  private static String authError(Runnable call) {
    try {
      call.run();
    } catch (FinspaceDataException e) {
      assertThat(e.statusCode()).as("%s", e).isEqualTo(403);
      assertThat(e.requestId()).isNotBlank();
      return e.awsErrorDetails().errorCode();
    }
    throw new AssertionError("the call was not refused");
  }

  @Test
  void everyAuthenticationFailureIsA403BeforeAnyWork() throws Exception {
    String ds = "auth";
    String v2 = "/datasets/" + ds + "/changesetsv2";
    String body =
        "{\"changeType\":\"APPEND\",\"sourceParams\":{\"s3SourcePath\":\""
            + csv("id,name\n1,a\n")
            + "\"},\"formatParams\":{\"formatType\":\"CSV\"}}";
    refused(
        http.unsigned(
            "POST", f.uri().resolve(v2), Map.of("Content-Type", List.of("application/json")), body),
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token");
    refused(
        http.unsigned(
            "GET", f.uri().resolve(v2), Map.of("Authorization", List.of("Bearer abc")), null),
        403,
        "IncompleteSignatureException",
        "AWS4-HMAC-SHA256");
    // A body changed after signing, a stale signature, another service's scope.
    Clock now = Clock.systemUTC();
    refused(
        http.send(
            "POST",
            v2,
            body,
            OPERATOR,
            now,
            "finspace-api",
            r -> r,
            body.replace("APPEND", "REPLACE")),
        403,
        "InvalidSignatureException",
        "does not match");
    refused(
        http.send(
            "POST",
            v2,
            body,
            OPERATOR,
            Clock.offset(now, Duration.ofMinutes(-20)),
            "finspace-api",
            r -> r,
            null),
        403,
        "InvalidSignatureException",
        "Signature expired");
    refused(
        http.send("POST", v2, body, OPERATOR, now, "s3", r -> r, null),
        403,
        "InvalidSignatureException",
        "finspace-api");
    refused(
        http.send(
            "POST",
            v2,
            body,
            OPERATOR,
            now,
            "finspace-api",
            r -> r.toBuilder().putHeader("x-amz-content-sha256", "0".repeat(64)).build(),
            null),
        403,
        "InvalidSignatureException",
        "x-amz-content-sha256");
    // A header the client signed, changed on the way.
    refused(
        http.send(
            "POST",
            v2,
            body,
            OPERATOR,
            now,
            "finspace-api",
            r ->
                r.toBuilder()
                    .putHeader(
                        "X-Amz-Date",
                        java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                            .withZone(ZoneOffset.UTC)
                            .format(Instant.now().minusSeconds(1)))
                    .build(),
            null),
        403,
        "InvalidSignatureException",
        "does not match");

    // Through the SDK: a wrong secret, an unknown key.
    try (FinspaceDataClient wrongSecret =
            f.client(AwsBasicCredentials.create(EndpointFixture.KEY, "not-the-secret"), false);
        FinspaceDataClient unknownKey =
            f.client(AwsBasicCredentials.create("AKIDUNKNOWN", EndpointFixture.SECRET), false)) {
      assertThat(authError(() -> wrongSecret.listChangesets(r -> r.datasetId(ds))))
          .isEqualTo("InvalidSignatureException");
      assertThat(authError(() -> unknownKey.listChangesets(r -> r.datasetId(ds))))
          .isEqualTo("UnrecognizedClientException");
    }

    // Issued credentials: good until they expire, and only with their own session token.
    var issued =
        client.getProgrammaticAccessCredentials(r -> r.environmentId("local")).credentials();
    try (FinspaceDataClient user =
            f.client(
                EndpointFixture.session(
                    issued.accessKeyId(), issued.secretAccessKey(), issued.sessionToken()),
                false);
        FinspaceDataClient otherToken =
            f.client(
                EndpointFixture.session(
                    issued.accessKeyId(), issued.secretAccessKey(), issued.sessionToken() + "x"),
                false);
        FinspaceDataClient noToken =
            f.client(
                AwsBasicCredentials.create(issued.accessKeyId(), issued.secretAccessKey()), false);
        FinspaceDataClient operatorWithToken =
            f.client(
                EndpointFixture.session(
                    EndpointFixture.KEY, EndpointFixture.SECRET, issued.sessionToken()),
                false)) {
      assertThat(user.getWorkingLocation(r -> {}).s3Uri()).isNotBlank();
      assertThat(authError(() -> otherToken.getWorkingLocation(r -> {})))
          .isEqualTo("UnrecognizedClientException");
      assertThat(authError(() -> noToken.getWorkingLocation(r -> {})))
          .isEqualTo("UnrecognizedClientException");
      assertThat(authError(() -> operatorWithToken.getWorkingLocation(r -> {})))
          .isEqualTo("UnrecognizedClientException");
      f.clock.advance(Duration.ofMinutes(61));
      try {
        assertThat(authError(() -> user.getWorkingLocation(r -> {})))
            .isEqualTo("ExpiredTokenException");
      } finally {
        f.clock.reset();
      }
    }

    // None of the refused creates did any work.
    assertThat(Files.exists(f.warehouse.resolve("datasets").resolve(ds))).isFalse();
    assertThat(Files.exists(f.warehouse.resolve("changesets").resolve(ds))).isFalse();
  }

  @Test
  void aFullPoolAnswers429AndNeverDropsAnAcceptedChangeset() throws Exception {
    Path wh = tmp.resolve("wh-pool");
    try (EndpointFixture small =
            new EndpointFixture(
                wh, EndpointFixture.config().withPool(1, 1, Duration.ofSeconds(30)));
        FinspaceDataClient c = small.client()) {
      String ds = "pool";
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      TestSeams.pauseAt(small.habanero, "running", running, release);
      try {
        String first = append(c, ds, csv("id,name\n1,a\n"));
        assertThat(running.await(2, TimeUnit.MINUTES)).as("first changeset runs").isTrue();
        String second = append(c, ds, csv("id,name\n2,b\n"));
        // The second waits for the pool, PENDING; the first is RUNNING.
        assertThat(c.getChangeset(r -> r.datasetId(ds).changesetId(first)).status())
            .isEqualTo(IngestionStatus.RUNNING);
        assertThat(c.getChangeset(r -> r.datasetId(ds).changesetId(second)).status())
            .isEqualTo(IngestionStatus.PENDING);
        assertThatThrownBy(() -> append(c, ds, csv("id,name\n3,c\n")))
            .isInstanceOf(ThrottlingException.class)
            .satisfies(e -> assertThat(((ThrottlingException) e).statusCode()).isEqualTo(429))
            .hasMessageContaining("nothing was recorded");
        assertThat(c.listChangesets(r -> r.datasetId(ds)).changesets()).hasSize(2);

        // A stop requested through the Java API shows through the endpoint at once.
        small.habanero.requestStop(ds, second);
        assertThat(c.getChangeset(r -> r.datasetId(ds).changesetId(second)).status())
            .isEqualTo(IngestionStatus.STOP_REQUESTED);
        release.countDown();
        assertThat(await(c, ds, first).status()).isEqualTo(IngestionStatus.SUCCESS);
        GetChangesetResponse stopped = await(c, ds, second);
        assertThat(stopped.status()).isEqualTo(IngestionStatus.FAILED);
        assertThat(stopped.errorInfo().errorCategory()).isEqualTo(ErrorCategory.CANCELLED);
      } finally {
        release.countDown();
        TestSeams.clear(small.habanero);
      }
      // The places are given back: the pool takes changesets again.
      String fourth = append(c, ds, csv("id,name\n4,d\n"));
      assertThat(await(c, ds, fourth).status()).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(rows(small.habanero, ds)).containsExactly("1:a", "4:d");
    }
  }

  @Test
  void oversizedBodiesAndSlowClientsAreCutOff() throws Exception {
    // A body declared larger than the limit is refused from its headers, before it is read.
    URI e = f.uri();
    try (Socket s = new Socket(e.getHost(), e.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              ("POST /workingLocationV1 HTTP/1.1\r\nHost: "
                      + e.getHost()
                      + "\r\nContent-Length: "
                      + (2 << 20)
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String reply = new String(s.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
      assertThat(reply).startsWith("HTTP/1.1 413");
      assertThat(reply.toLowerCase(java.util.Locale.ROOT))
          .contains("x-amzn-errortype: validationexception");
      assertThat(reply).contains("larger than the endpoint's limit of 1048576 bytes");
    }

    // Headers promise a body that never comes: the server closes the connection.
    URI u = f.uri();
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /workingLocationV1 HTTP/1.1\r\nHost: "
                  + u.getHost()
                  + "\r\nContent-Length: 10\r\n\r\n{")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long t0 = System.nanoTime();
      InputStream in = s.getInputStream();
      int b = in.read();
      // Either closed outright, or a response with nothing after it; never a hang.
      while (b >= 0) {
        b = in.read();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }
    assertThat(client.getWorkingLocation(r -> {}).s3Uri()).isNotBlank();
  }

  @Test
  void noSecretReachesTheLogOrAnyOtherResponse() throws Exception {
    var issued =
        client.getProgrammaticAccessCredentials(r -> r.environmentId("local")).credentials();
    AwsSessionCredentialsIdentity wrong =
        AwsSessionCredentialsIdentity.create(issued.accessKeyId(), "bad", issued.sessionToken());
    List<String> bodies = new ArrayList<>();
    bodies.add(http.send("GET", "/datasets/x/changesetsv2", null, wrong).body());
    bodies.add(
        http.send(
                "GET",
                "/datasets/x/changesetsv2",
                null,
                AwsSessionCredentialsIdentity.create(
                    issued.accessKeyId(), issued.secretAccessKey(), issued.sessionToken()))
            .body());
    bodies.add(http.send("POST", "/workingLocationV1", "{}", OPERATOR).body());
    String everything = String.join("\n", bodies) + "\n" + f.log();
    for (String secret :
        List.of(EndpointFixture.SECRET, issued.secretAccessKey(), issued.sessionToken())) {
      assertThat(everything).doesNotContain(secret);
    }
    assertThat(f.log()).contains(issued.accessKeyId()); // the key id is no secret: it is logged
  }

  /** Signs as botocore and SDK for Java 2.16 do: plain SigV4, no x-amz-content-sha256 header. */
  @SuppressWarnings("deprecation")
  private static SignedHttp.Reply plainSigned(
      String method, String path, String signedBody, String sentBody) {
    URI u = f.uri().resolve(path);
    byte[] bytes = signedBody.getBytes(StandardCharsets.UTF_8);
    var req =
        software.amazon.awssdk.http.SdkHttpFullRequest.builder()
            .method(software.amazon.awssdk.http.SdkHttpMethod.fromValue(method))
            .protocol("http")
            .host(u.getHost())
            .port(u.getPort())
            .encodedPath(u.getRawPath())
            .putHeader("Content-Type", "application/json")
            .contentStreamProvider(() -> new java.io.ByteArrayInputStream(bytes))
            .build();
    var signed =
        software.amazon.awssdk.auth.signer.Aws4Signer.create()
            .sign(
                req,
                software.amazon.awssdk.auth.signer.params.Aws4SignerParams.builder()
                    .awsCredentials(
                        AwsBasicCredentials.create(EndpointFixture.KEY, EndpointFixture.SECRET))
                    .signingName("finspace-api")
                    .signingRegion(software.amazon.awssdk.regions.Region.EU_WEST_1)
                    .build());
    assertThat(signed.firstMatchingHeader("Authorization").orElseThrow())
        .doesNotContain("x-amz-content-sha256");
    return http.unsigned(method, u, signed.headers(), sentBody);
  }

  @Test
  void aPlainSigV4RequestAsBotocoreSignsItVerifiesAndATamperedOneDoesNot() {
    String body = "{\"locationType\":\"SAGEMAKER\"}";
    SignedHttp.Reply ok = plainSigned("POST", "/workingLocationV1", body, body);
    assertThat(ok.status()).as("%s", ok).isEqualTo(200);
    assertThat(ok.json().get("s3Uri").asText()).contains("working/sagemaker");
    refused(
        plainSigned("POST", "/workingLocationV1", body, "{\"locationType\":\"INGESTION\"}"),
        403,
        "InvalidSignatureException",
        "does not match");
  }
}
