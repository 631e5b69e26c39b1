package io.habanero;

import static io.habanero.FailureFixture.assertError;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.FailureFixture.source;
import static io.habanero.FailureFixture.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.errors.ConflictException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.ListChangesetsRequest;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests with invalid members fail at once with an exception naming the member, and record
 * nothing: the changeset list, rows and Delta version of the dataset stay as they were.
 */
class RequestValidationTest {
  private static final String DS = "trades";

  @TempDir static Path tmp;
  private static Habanero h;
  private static Path good;
  private static Changeset first;

  /** The dataset's state after setup; no test in this class changes {@link #DS}. */
  private static FailureFixture.State baseline;

  @BeforeAll
  static void dataset() {
    h = Habanero.create(SharedSpark.get(), Map.of("warehouse", tmp.resolve("wh").toString()));
    good = source(tmp, "good", Map.of("a.csv", "id,name\n1,a\n2,b\n"));
    first = createOk(h, request(DS, ChangeType.APPEND, good, FormatType.CSV).build());
    baseline = state(h, DS);
    assertThat(baseline.rows()).containsExactly("[1,a]", "[2,b]");
  }

  @AfterAll
  static void close() {
    h.close();
  }

  private static CreateChangesetRequest.Builder valid() {
    return request(DS, ChangeType.APPEND, good, FormatType.CSV);
  }

  private static void rejected(CreateChangesetRequest req, String... fragments) {
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.createChangeset(req),
        fragments);
  }

  /**
   * The call fails as expected, and the dataset still has its setup rows, changesets and version:
   * nothing was recorded or written.
   */
  private static <T extends io.habanero.errors.HabaneroException> T assertRejected(
      Class<T> type, ErrorCategory category, ThrowingCallable call, String... fragments) {
    T e = assertError(type, category, call, fragments);
    assertThat(state(h, DS)).isEqualTo(baseline);
    return e;
  }

  /** Ids that break the allow-list, with the fragment the message must contain. */
  static Stream<String[]> badIds() {
    return Stream.of(
        new String[] {"a".repeat(27), "27 characters; the limit is 26"},
        new String[] {"a/b", "may contain only letters, digits, '-' and '_'"},
        new String[] {"..", "may contain only letters, digits, '-' and '_'"},
        new String[] {"../trades", "may contain only letters, digits, '-' and '_'"},
        new String[] {"a b", "may contain only letters, digits, '-' and '_'"},
        new String[] {"tr\u00e4des", "may contain only letters, digits, '-' and '_'"},
        new String[] {"", "is required but was missing or blank"},
        new String[] {"   ", "is required but was missing or blank"});
  }

  @ParameterizedTest
  @MethodSource("badIds")
  void createRejectsADatasetIdOutsideTheAllowList(String id, String problem) {
    rejected(valid().datasetId(id).build(), "datasetId", problem);
  }

  @Test
  void createRejectsAMissingDatasetId() {
    rejected(valid().datasetId(null).build(), "datasetId is required");
  }

  @ParameterizedTest
  @MethodSource("badIds")
  void modifyRejectsAnUpdatesChangesetIdOutsideTheAllowList(String id, String problem) {
    rejected(
        valid().changeType(ChangeType.MODIFY).updatesChangesetId(id).build(),
        "updatesChangesetId",
        problem);
  }

  @ParameterizedTest
  @MethodSource("badIds")
  void getChangesetRejectsIdsOutsideTheAllowList(String id, String problem) {
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.getChangeset(new GetChangesetRequest(DS, id)),
        "changesetId",
        problem);
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.getChangeset(new GetChangesetRequest(id, first.id())),
        "datasetId",
        problem);
  }

  @ParameterizedTest
  @MethodSource("badIds")
  void listChangesetsAndRequestStopRejectIdsOutsideTheAllowList(String id, String problem) {
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.listChangesets(new ListChangesetsRequest(id, null, null)),
        "datasetId",
        problem);
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.requestStop(DS, id),
        "changesetId",
        problem);
  }

  @Test
  void createRejectsAMissingChangeType() {
    rejected(
        valid().changeType(null).build(), "changeType is required", "APPEND, REPLACE or MODIFY");
  }

  @Test
  void createRejectsAMissingOrBlankSourcePath() {
    CreateChangesetRequest noPath =
        CreateChangesetRequest.builder()
            .datasetId(DS)
            .changeType(ChangeType.APPEND)
            .formatType(FormatType.CSV)
            .build();
    rejected(noPath, "sourceParams.s3SourcePath is required");
    rejected(
        valid().sourceParams(Map.of("s3SourcePath", "  ")).build(),
        "sourceParams.s3SourcePath is required");
  }

  @Test
  void createRejectsAMissingFormatType() {
    rejected(
        valid().formatType(null).build(), "formatType is required", "CSV, JSON, PARQUET or XML");
  }

  @Test
  void createRejectsAClientTokenTooLongOrBlank() {
    rejected(valid().clientToken("t".repeat(129)).build(), "clientToken", "1..128 characters");
    rejected(valid().clientToken("   ").build(), "clientToken", "1..128 characters");
    rejected(valid().clientToken("").build(), "clientToken", "1..128 characters");
  }

  @Test
  void createAcceptsAClientTokenOfExactly128Characters() {
    // The boundary itself is allowed: the limit is inclusive. (Own dataset: DS stays unchanged.)
    Changeset c =
        h.createChangeset(
                request("tok128", ChangeType.APPEND, good, FormatType.CSV)
                    .clientToken("t".repeat(128))
                    .build())
            .changeset();
    assertThat(c.status()).isEqualTo(io.habanero.model.IngestionStatus.SUCCESS);
    assertThat(state(h, "tok128").rows()).containsExactly("[1,a]", "[2,b]");
  }

  @Test
  void createRejectsMapKeysAndValuesBeyondTheirLimits() {
    rejected(valid().tags(Map.of("k".repeat(129), "v")).build(), "tags key", "1..128");
    rejected(valid().tags(Map.of(" ", "v")).build(), "tags key", "1..128");
    rejected(valid().tags(Map.of("k", "v".repeat(1025))).build(), "tags.k", "1024");
    rejected(
        valid().formatParam("separator", ",".repeat(1025)).build(),
        "formatParams.separator",
        "1024");
    rejected(valid().formatParam("s".repeat(129), "x").build(), "formatParams key", "1..128");
    rejected(valid().sourceParams(Map.of("p".repeat(129), "x")).build(), "sourceParams key");
    java.util.Map<String, String> many = new java.util.HashMap<>();
    for (int i = 0; i < 51; i++) {
      many.put("k" + i, "v");
    }
    rejected(valid().tags(many).build(), "tags", "at most 50 entries");
  }

  @Test
  void listChangesetsRejectsMaxResultsOutsideOneToAHundred() {
    for (int bad : new int[] {0, 101, -1}) {
      assertRejected(
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () -> h.listChangesets(new ListChangesetsRequest(DS, bad, null)),
          "maxResults '" + bad + "'",
          "1..100");
    }
  }

  @Test
  void listChangesetsRejectsATokenItDidNotIssue() {
    for (String bad : new String[] {"garbage!!", "Li4vZXRj", "bm90LWEtY2hhbmdlc2V0"}) {
      // "Li4vZXRj" is base64 of "../etc"; the last decodes to an id that is not in the dataset.
      assertRejected(
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () -> h.listChangesets(new ListChangesetsRequest(DS, 1, bad)),
          "nextToken '" + bad + "'");
    }
  }

  @Test
  void credentialsRejectADurationOutsideSixtyTo720Minutes() {
    for (long bad : new long[] {59, 721}) {
      assertRejected(
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () ->
              h.getProgrammaticAccessCredentials(
                  new GetProgrammaticAccessCredentialsRequest("local", bad)),
          "durationInMinutes '" + bad + "'",
          "60..720");
    }
  }

  @Test
  void credentialsOnALocalEnvironmentWithoutARoleNameTheSettingToConfigure() {
    ValidationException e =
        assertRejected(
            ValidationException.class,
            ErrorCategory.VALIDATION,
            () ->
                h.getProgrammaticAccessCredentials(
                    new GetProgrammaticAccessCredentialsRequest("local", 60L)),
            "Environment 'local' has no IAM role",
            "spark.habanero.role-arn");
    // No fake keys: the error is all the caller gets.
    assertThat(e.getMessage()).doesNotContainIgnoringCase("secret");
  }

  @Test
  void credentialsRejectAnotherEnvironmentId() {
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            h.getProgrammaticAccessCredentials(
                new GetProgrammaticAccessCredentialsRequest("prod", 60L)),
        "environmentId 'prod'",
        "environment 'local'");
    assertRejected(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            h.getProgrammaticAccessCredentials(
                new GetProgrammaticAccessCredentialsRequest(null, 60L)),
        "environmentId is required");
  }

  @Test
  void getAndListOnAnUnknownDatasetAreNotFound() {
    assertRejected(
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.getChangeset(new GetChangesetRequest("nosuch", first.id())),
        "Dataset 'nosuch' does not exist");
    assertRejected(
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.listChangesets(new ListChangesetsRequest("nosuch", null, null)),
        "Dataset 'nosuch' does not exist");
    assertRejected(
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.getChangeset(new GetChangesetRequest(DS, "01NOSUCHCHANGESET")),
        "Changeset '01NOSUCHCHANGESET' does not exist in dataset 'trades'");
  }

  @Test
  void requestStopOnAFinishedChangesetIsAConflict() {
    assertRejected(
        ConflictException.class,
        ErrorCategory.USER_RECOVERABLE,
        () -> h.requestStop(DS, first.id()),
        "Changeset '" + first.id() + "' is SUCCESS",
        "only a PENDING or RUNNING changeset can be stopped");
  }

  @Test
  void aClientTokenReusedForADifferentRequestIsAConflictAndWritesNothing() {
    String ds = "tokens";
    Path other = source(tmp, "token-other", Map.of("b.csv", "id,name\n9,z\n"));
    Changeset c =
        createOk(
            h,
            request(ds, ChangeType.APPEND, good, FormatType.CSV).clientToken("tok-reuse").build());
    ConflictException e =
        FailureFixture.assertRejected(
            h,
            ds,
            ConflictException.class,
            ErrorCategory.USER_RECOVERABLE,
            () ->
                h.createChangeset(
                    request(ds, ChangeType.APPEND, other, FormatType.CSV)
                        .clientToken("tok-reuse")
                        .build()),
            "clientToken 'tok-reuse' was already used by changeset '" + c.id() + "'",
            "Fix:");
    // Row 9 from the second source never landed, and the token still maps to the first changeset.
    assertThat(state(h, ds).rows()).containsExactly("[1,a]", "[2,b]");
    assertThat(state(h, ds).changesets()).isEqualTo(1);
    assertThat(e.getMessage()).doesNotContain(other.toString());
  }
}
