package io.habanero;

import static io.habanero.FailureFixture.assertRejected;
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
  private static final String OTHER_ERROR = "Fix:";

  @TempDir static Path tmp;
  private static Habanero h;
  private static Path good;
  private static Changeset first;

  @BeforeAll
  static void dataset() {
    h = Habanero.create(SharedSpark.get(), Map.of("warehouse", tmp.resolve("wh").toString()));
    good = source(tmp, "good", Map.of("a.csv", "id,name\n1,a\n2,b\n"));
    first = createOk(h, request(DS, ChangeType.APPEND, good, FormatType.CSV).build());
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
        h,
        DS,
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.createChangeset(req),
        fragments);
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
        h,
        DS,
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.getChangeset(new GetChangesetRequest(DS, id)),
        "changesetId",
        problem);
    assertRejected(
        h,
        DS,
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
        h,
        DS,
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.listChangesets(new ListChangesetsRequest(id, null, null)),
        "datasetId",
        problem);
    assertRejected(
        h,
        DS,
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
    // The boundary itself is allowed: the limit is inclusive.
    Changeset c = h.createChangeset(valid().clientToken("t".repeat(128)).build()).changeset();
    assertThat(c.status()).isEqualTo(io.habanero.model.IngestionStatus.SUCCESS);
    assertThat(h.readDataset(DS).count()).isEqualTo(4);
    // Put the dataset back as the other tests expect it.
    createOk(h, valid().changeType(ChangeType.REPLACE).build());
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
          h,
          DS,
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
          h,
          DS,
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
          h,
          DS,
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
            h,
            DS,
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
        h,
        DS,
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            h.getProgrammaticAccessCredentials(
                new GetProgrammaticAccessCredentialsRequest("prod", 60L)),
        "environmentId 'prod'",
        "environment 'local'");
    assertRejected(
        h,
        DS,
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
        h,
        DS,
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.getChangeset(new GetChangesetRequest("nosuch", first.id())),
        "Dataset 'nosuch' does not exist");
    assertRejected(
        h,
        DS,
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.listChangesets(new ListChangesetsRequest("nosuch", null, null)),
        "Dataset 'nosuch' does not exist");
    assertRejected(
        h,
        DS,
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.getChangeset(new GetChangesetRequest(DS, "01NOSUCHCHANGESET")),
        "Changeset '01NOSUCHCHANGESET' does not exist in dataset 'trades'");
  }

  @Test
  void requestStopOnAFinishedChangesetIsAConflict() {
    assertRejected(
        h,
        DS,
        ConflictException.class,
        ErrorCategory.USER_RECOVERABLE,
        () -> h.requestStop(DS, first.id()),
        "Changeset '" + first.id() + "' is SUCCESS",
        "only a PENDING or RUNNING changeset can be stopped");
  }

  @Test
  void aClientTokenReusedForADifferentRequestIsAConflictAndWritesNothing() {
    Path other = source(tmp, "token-other", Map.of("b.csv", "id,name\n9,z\n"));
    Changeset c =
        createOk(h, valid().changeType(ChangeType.REPLACE).clientToken("tok-reuse").build());
    FailureFixture.State before = state(h, DS);
    ConflictException e =
        assertRejected(
            h,
            DS,
            ConflictException.class,
            ErrorCategory.USER_RECOVERABLE,
            () ->
                h.createChangeset(
                    request(DS, ChangeType.APPEND, other, FormatType.CSV)
                        .clientToken("tok-reuse")
                        .build()),
            "clientToken 'tok-reuse' was already used by changeset '" + c.id() + "'");
    assertThat(e.getMessage()).contains(OTHER_ERROR);
    // Row 9 from the second source never landed.
    assertThat(state(h, DS)).isEqualTo(before);
    assertThat(state(h, DS).rows()).containsExactly("[1,a]", "[2,b]");
  }
}
