package io.habanero.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;
import software.amazon.awssdk.services.finspacedata.model.ChangesetInfo;
import software.amazon.awssdk.services.finspacedata.model.ChangesetStatus;
import software.amazon.awssdk.services.finspacedata.model.Credentials;
import software.amazon.awssdk.services.finspacedata.model.ErrorCategory;
import software.amazon.awssdk.services.finspacedata.model.FinspaceDataException;
import software.amazon.awssdk.services.finspacedata.model.FormatType;
import software.amazon.awssdk.services.finspacedata.model.GetProgrammaticAccessCredentialsResponse;
import software.amazon.awssdk.services.finspacedata.model.GetWorkingLocationResponse;
import software.amazon.awssdk.services.finspacedata.model.LocationType;
import software.amazon.awssdk.services.finspacedata.model.ResourceNotFoundException;
import software.amazon.awssdk.services.finspacedata.model.SourceType;
import software.amazon.awssdk.services.finspacedata.model.ValidationException;

/**
 * The AWS SDK for Java v2 {@code finspacedata} 2.16.59, unchanged, against a real {@code habanero
 * serve} process: the first SDK releases speak the 2021-05 model (CreateChangeset on {@code POST
 * /datasets/{id}/changesets}, the full ChangesetInfo in the response, the long errorCategory
 * strings), plus GetProgrammaticAccessCredentials and GetWorkingLocation. That SDK has no
 * GetChangeset: the tests poll the endpoint's later route with its own signer ({@link SignedHttp}),
 * and read the data with the CLI as another process, on the same warehouse.
 */
class FinspaceData2016ClientTest {
  private static final String KEY = "AKIDHABANEROCOMPAT16";
  private static final String SECRET = "compat-2016-secret-" + "y".repeat(21);
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration CHANGESET_TIMEOUT = Duration.ofSeconds(120);

  @TempDir static Path tmp;

  private static Path warehouse;
  private static HabaneroProcesses.Server server;
  private static FinspaceDataClient client;

  @BeforeAll
  static void startServer() throws IOException {
    warehouse = tmp.resolve("wh");
    server = HabaneroProcesses.Server.start(warehouse, tmp.resolve("logs"), KEY, SECRET);
    client = client(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)));
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

  private static FinspaceDataClient client(AwsCredentialsProvider credentials) {
    return client(credentials, null);
  }

  private static FinspaceDataClient client(
      AwsCredentialsProvider credentials, ExecutionInterceptor interceptor) {
    return FinspaceDataClient.builder()
        .endpointOverride(server.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .httpClient(ApacheHttpClient.builder().build())
        .overrideConfiguration(
            o -> {
              // An error must surface as the server sent it, not after retries.
              o.retryPolicy(RetryPolicy.none());
              if (interceptor != null) {
                o.addExecutionInterceptor(interceptor);
              }
            })
        .build();
  }

  @Test
  void localEnvironmentIssuesTemporaryCredentialsThatSignASecondClient() {
    GetProgrammaticAccessCredentialsResponse r =
        client.getProgrammaticAccessCredentials(
            b -> b.environmentId("local").durationInMinutes(60L));

    Credentials c = r.credentials();
    // A local environment has no role: the endpoint issues its own temporary key, as STS would
    // shape it (ASIA..., a secret and a session token), and never hands out the operator's key.
    assertThat(c.accessKeyId()).startsWith("ASIA").isNotEqualTo(KEY);
    assertThat(c.secretAccessKey()).isNotBlank().isNotEqualTo(SECRET);
    assertThat(c.sessionToken()).isNotBlank();
    assertThat(r.durationInMinutes()).isEqualTo(60L);

    AwsSessionCredentials issued =
        AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken());
    try (FinspaceDataClient second = client(StaticCredentialsProvider.create(issued))) {
      // The FinSpace script flow: build a client from the triple, then use it.
      GetWorkingLocationResponse loc =
          second.getWorkingLocation(b -> b.locationType(LocationType.INGESTION));
      assertThat(loc.s3Uri()).endsWith("/");
    }
    // Without its session token the issued key is not a key of this endpoint.
    try (FinspaceDataClient noToken =
        client(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey())))) {
      assertThatThrownBy(() -> noToken.getWorkingLocation(b -> {}))
          .isInstanceOfSatisfying(
              FinspaceDataException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode())
                    .isEqualTo("UnrecognizedClientException");
              });
    }
  }

  @Test
  void credentialsForAnotherEnvironmentAreAValidationError() {
    // The 2.16.59 model lists no ValidationException for this operation; the SDK still maps the
    // error type to its ValidationException class, with the server's message.
    assertThatThrownBy(
            () -> client.getProgrammaticAccessCredentials(b -> b.environmentId("elsewhere")))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.awsErrorDetails().errorMessage())
                  .contains("environmentId 'elsewhere' is invalid")
                  .contains("local");
              assertThat(e.requestId()).isNotBlank();
            });
  }

  @Test
  void workingLocationIsAFreshPrefixUnderTheWarehouse() {
    GetWorkingLocationResponse a = client.getWorkingLocation(b -> {});
    GetWorkingLocationResponse b =
        client.getWorkingLocation(r -> r.locationType(LocationType.SAGEMAKER));

    assertThat(a.s3Uri()).endsWith("/").contains("working/ingestion");
    assertThat(b.s3Uri()).endsWith("/").contains("working/sagemaker");
    assertThat(a.s3Path()).isNotBlank();
    assertThat(a.s3Bucket()).isNotBlank();
    assertThat(client.getWorkingLocation(r -> {}).s3Uri()).isNotEqualTo(a.s3Uri());
  }

  /**
   * The whole 2021-05 flow: stage a CSV under the working location, CreateChangeset APPEND with
   * tags (the full record comes back PENDING), poll until SUCCESS; then an APPEND whose row does
   * not fit the dataset's schema ends FAILED, and its record, as the 2021-05 route returns it,
   * carries the long errorCategory. The CLI, another process, reads exactly the first changeset's
   * rows.
   */
  @Test
  void appendWithTagsSucceedsAFailedAppendCarriesTheLongCategoryAndTheCliReadsTheRows()
      throws Exception {
    String ds = "trades16";
    String prefix = client.getWorkingLocation(b -> {}).s3Uri();
    Path staged = Path.of(URI.create(prefix)).resolve("day1.csv");
    Files.writeString(staged, "trade_id,symbol,qty\n1,AAPL,100\n2,MSFT,250\n3,AMZN,75\n");

    Instant before = Instant.now();
    ChangesetInfo created =
        client
            .createChangeset(
                b ->
                    b.datasetId(ds)
                        .changeType(ChangeType.APPEND)
                        .sourceType(SourceType.S3)
                        .sourceParams(Map.of("s3SourcePath", prefix))
                        .formatType(FormatType.CSV)
                        .formatParams(Map.of("separator", ",", "withHeader", "true"))
                        .tags(Map.of("desk", "rates", "origin", "sdk-2.16.59")))
            .changeset();
    Instant after = Instant.now();

    assertThat(created.id()).isNotBlank();
    assertThat(created.datasetId()).isEqualTo(ds);
    assertThat(created.changeType()).isEqualTo(ChangeType.APPEND);
    assertThat(created.sourceType()).isEqualTo(SourceType.S3);
    assertThat(created.formatType()).isEqualTo(FormatType.CSV);
    assertThat(created.sourceParams()).containsEntry("s3SourcePath", prefix);
    // tags in, changesetLabels out (2021-05).
    assertThat(created.changesetLabels())
        .isEqualTo(Map.of("desk", "rates", "origin", "sdk-2.16.59"));
    // CreateChangeset answers at once: the changeset runs in the server afterwards.
    assertThat(created.status()).isEqualTo(ChangesetStatus.PENDING);
    assertThat(created.errorInfo()).isNull();
    // Epoch seconds on the wire: read as milliseconds, the SDK would land in 1970 (or, as
    // seconds times 1000, far in the future); it must be the moment of the call.
    assertThat(created.createTimestamp())
        .isBetween(
            before.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1),
            after.plusSeconds(1).truncatedTo(ChronoUnit.SECONDS));
    assertThat(created.createTimestamp()).isCloseTo(before, within(5, ChronoUnit.SECONDS));

    try (SignedHttp http =
        new SignedHttp(server.endpoint(), AwsBasicCredentials.create(KEY, SECRET))) {
      JsonNode done = awaitTerminal(http, ds, created.id());
      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCESS");
      // The same instant on the later route, in epoch milliseconds.
      assertThat(done.path("createTime").asLong())
          .isEqualTo(created.createTimestamp().toEpochMilli());

      // A row whose trade_id is not the dataset's integer: FAILED, VALIDATION.
      Path bad = tmp.resolve("bad/day2.csv");
      Files.createDirectories(bad.getParent());
      Files.writeString(bad, "trade_id,symbol,qty\n4,IBM,10\nnot-a-number,ORCL,20\n");
      String token = UUID.randomUUID().toString();
      try (FinspaceDataClient withToken =
          client(
              StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)),
              new AddClientToken(token))) {
        ChangesetInfo failing = createAppend(withToken, ds, bad);
        assertThat(failing.status()).isEqualTo(ChangesetStatus.PENDING);
        JsonNode failed = awaitTerminal(http, ds, failing.id());
        assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("FAILED");
        // The later route speaks the short names, which 2.16.59 does not know.
        String shortName = failed.path("errorInfo").path("errorCategory").asText();
        assertThat(shortName).isEqualTo("VALIDATION");
        assertThat(ErrorCategory.fromValue(shortName))
            .isEqualTo(ErrorCategory.UNKNOWN_TO_SDK_VERSION);

        // The same request again (same clientToken): the 2021-05 route returns the recorded
        // changeset, now FAILED, and 2.16.59 parses its long category into its own enum.
        ChangesetInfo again = createAppend(withToken, ds, bad);
        assertThat(again.id()).isEqualTo(failing.id());
        assertThat(again.status()).isEqualTo(ChangesetStatus.FAILED);
        assertThat(again.errorInfo().errorCategory())
            .isEqualTo(ErrorCategory.THE_INPUTS_TO_THIS_REQUEST_ARE_INVALID);
        assertThat(again.errorInfo().errorCategoryAsString())
            .isEqualTo("The_inputs_to_this_request_are_invalid");
        assertThat(again.errorInfo().errorMessage())
            .isEqualTo(failed.path("errorInfo").path("errorMessage").asText())
            .contains("1 malformed record(s)")
            .contains("not-a-number,ORCL,20");
      }
    }

    // Another process, the CLI, on the same warehouse: the first changeset's rows, and nothing of
    // the FAILED one.
    HabaneroProcesses.Result read =
        HabaneroProcesses.run(
            warehouse,
            tmp.resolve("logs"),
            "read-dataset",
            CLI_TIMEOUT,
            "read-dataset",
            "--dataset-id",
            ds);
    assertThat(read.code()).as(read.toString()).isZero();
    List<String> rows = new ArrayList<>();
    for (String line : read.lines()) {
      JsonNode row = SignedHttp.JSON.readTree(line);
      rows.add(
          row.path("trade_id").asText()
              + ","
              + row.path("symbol").asText()
              + ","
              + row.path("qty").asText());
    }
    assertThat(rows).containsExactlyInAnyOrder("1,AAPL,100", "2,MSFT,250", "3,AMZN,75");
  }

  @Test
  void aMissingRequiredMemberIsAValidationExceptionWithTheServersMessage() {
    assertThatThrownBy(
            () ->
                client.createChangeset(
                    b ->
                        b.datasetId("v16")
                            .changeType(ChangeType.APPEND)
                            .sourceType(SourceType.S3)
                            .formatType(FormatType.CSV)))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
              assertThat(e.awsErrorDetails().errorMessage())
                  .startsWith("sourceParams is required")
                  .contains("Fix:");
            });
  }

  @Test
  void aSourcePathThatDoesNotExistIsResourceNotFound() {
    Path missing = tmp.resolve("no-such-dir");
    assertThatThrownBy(
            () ->
                client.createChangeset(
                    b ->
                        b.datasetId("nf16")
                            .changeType(ChangeType.APPEND)
                            .sourceType(SourceType.S3)
                            .sourceParams(Map.of("s3SourcePath", missing.toString()))
                            .formatType(FormatType.CSV)))
        .isInstanceOfSatisfying(
            ResourceNotFoundException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(404);
              assertThat(e.awsErrorDetails().errorMessage())
                  .contains("does not exist")
                  .contains(missing.toString());
            });
  }

  @Test
  void aWrongSecretIsInvalidSignature() {
    try (FinspaceDataClient wrong =
        client(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET + "x")))) {
      assertThatThrownBy(() -> wrong.getWorkingLocation(b -> {}))
          .isInstanceOfSatisfying(
              FinspaceDataException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                assertThat(e.awsErrorDetails().errorMessage())
                    .contains("signature")
                    .doesNotContain(SECRET);
              });
    }
  }

  @Test
  void anUnknownKeyIsUnrecognizedClient() {
    try (FinspaceDataClient unknown =
        client(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDNOTAKEYOFTHISEND", SECRET)))) {
      assertThatThrownBy(() -> unknown.getWorkingLocation(b -> {}))
          .isInstanceOfSatisfying(
              FinspaceDataException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode())
                    .isEqualTo("UnrecognizedClientException");
                assertThat(e.awsErrorDetails().errorMessage()).contains("HABANERO_ACCESS_KEY_ID");
              });
    }
  }

  @Test
  void anUnsignedRequestIsMissingAuthenticationToken() {
    // Anonymous credentials: the SDK sends the request without an Authorization header.
    try (FinspaceDataClient anonymous = client(AnonymousCredentialsProvider.create())) {
      assertThatThrownBy(() -> anonymous.getWorkingLocation(b -> {}))
          .isInstanceOfSatisfying(
              FinspaceDataException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode())
                    .isEqualTo("MissingAuthenticationTokenException");
              });
    }
  }

  private static ChangesetInfo createAppend(FinspaceDataClient c, String ds, Path source) {
    return c.createChangeset(
            b ->
                b.datasetId(ds)
                    .changeType(ChangeType.APPEND)
                    .sourceType(SourceType.S3)
                    .sourceParams(Map.of("s3SourcePath", source.toString()))
                    .formatType(FormatType.CSV)
                    .formatParams(Map.of("withHeader", "true")))
        .changeset();
  }

  /** Polls GetChangeset (the later route) until the changeset is SUCCESS or FAILED. */
  private static JsonNode awaitTerminal(SignedHttp http, String ds, String id) {
    long deadline = System.nanoTime() + CHANGESET_TIMEOUT.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      SignedHttp.Response r = http.get("/datasets/" + ds + "/changesetsv2/" + id);
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      last = r.body();
      String s = last.path("status").asText();
      if (s.equals("SUCCESS") || s.equals("FAILED")) {
        return last;
      }
      HabaneroProcesses.sleep(250);
    }
    throw new AssertionError(
        ds
            + "/"
            + id
            + " did not end in "
            + CHANGESET_TIMEOUT
            + ": "
            + last
            + "\n"
            + server.stderr());
  }

  /**
   * Adds a {@code clientToken} to the CreateChangeset body. The 2021-05 model has no such member
   * (2.16.59 cannot send one); the endpoint accepts it on that route as on the later one, and this
   * is the only way a 2.16.59 client gets a FAILED record back to parse: the retry of a known token
   * returns the recorded changeset.
   */
  private static final class AddClientToken implements ExecutionInterceptor {
    private final String token;

    AddClientToken(String token) {
      this.token = token;
    }

    private byte[] body(Context.ModifyHttpRequest context) {
      Optional<RequestBody> original = context.requestBody();
      try (InputStream in = original.orElseThrow().contentStreamProvider().newStream()) {
        ObjectNode n = (ObjectNode) SignedHttp.JSON.readTree(in);
        n.put("clientToken", token);
        return SignedHttp.JSON.writeValueAsBytes(n);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(
        Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
      return context.httpRequest().toBuilder()
          .putHeader("Content-Length", String.valueOf(body(context).length))
          .build();
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(
        Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
      byte[] b = body(context);
      return Optional.of(RequestBody.fromBytes(b));
    }
  }
}
