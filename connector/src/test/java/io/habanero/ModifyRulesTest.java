package io.habanero;

import static io.habanero.FailureFixture.assertRejected;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.FailureFixture.source;
import static io.habanero.FailureFixture.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.errors.ConflictException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.UpdateChangesetRequest;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MODIFY names exactly one live SUCCESS changeset of the same dataset. Anything else fails the call
 * at once and records nothing.
 */
class ModifyRulesTest {
  @TempDir Path tmp;
  private Habanero h;
  private Path one;
  private Path two;

  @BeforeEach
  void open() {
    h = Habanero.create(SharedSpark.get(), Map.of("warehouse", tmp.resolve("wh").toString()));
    one = source(tmp, "one", Map.of("a.csv", "id,name\n1,a\n2,b\n"));
    two = source(tmp, "two", Map.of("b.csv", "id,name\n3,c\n"));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private CreateChangesetRequest.Builder modify(String ds, String target) {
    return request(ds, ChangeType.MODIFY, two, FormatType.CSV).updatesChangesetId(target);
  }

  private <T extends HabaneroException> T rejected(
      String ds, Class<T> type, ErrorCategory category, ThrowingCallable call, String... f) {
    return assertRejected(h, ds, type, category, call, f);
  }

  @Test
  void modifyWithoutUpdatesChangesetIdIsRejected() {
    createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    rejected(
        "a",
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.createChangeset(modify("a", null).build()),
        "updatesChangesetId is required",
        "MODIFY replaces the rows of one earlier changeset");
  }

  @Test
  void modifyOfAChangesetThatDoesNotExistIsNotFound() {
    createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    rejected(
        "a",
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.createChangeset(modify("a", "01NOSUCH").build()),
        "Changeset '01NOSUCH' does not exist in dataset 'a'");
  }

  @Test
  void modifyOfAChangesetOfAnotherDatasetIsNotFound() {
    createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    Changeset inB = createOk(h, request("b", ChangeType.APPEND, one, FormatType.CSV).build());
    FailureFixture.State b = state(h, "b");
    rejected(
        "a",
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.createChangeset(modify("a", inB.id()).build()),
        "Changeset '" + inB.id() + "' does not exist in dataset 'a'");
    // Dataset B, which owns the changeset, is not touched either.
    assertThat(state(h, "b")).isEqualTo(b);
  }

  @Test
  void modifyOnADatasetThatDoesNotExistIsNotFound() {
    Changeset inB = createOk(h, request("b", ChangeType.APPEND, one, FormatType.CSV).build());
    rejected(
        "b",
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.createChangeset(modify("nosuch", inB.id()).build()),
        "Dataset 'nosuch' does not exist");
  }

  @Test
  void modifyOfAnAlreadyModifiedChangesetIsAConflict() {
    Changeset c1 = createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    Changeset m = createOk(h, modify("a", c1.id()).build());
    ConflictException e =
        rejected(
            "a",
            ConflictException.class,
            ErrorCategory.USER_RECOVERABLE,
            () -> h.createChangeset(modify("a", c1.id()).build()),
            "updatesChangesetId '" + c1.id() + "' is already superseded",
            "by MODIFY changeset '" + m.id() + "'");
    assertThat(e.getMessage()).contains("Fix:");
    assertThat(state(h, "a").rows()).containsExactly("[3,c]");
  }

  @Test
  void updateChangesetOfAnAlreadyModifiedChangesetIsAConflict() {
    Changeset c1 = createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    createOk(h, modify("a", c1.id()).build());
    rejected(
        "a",
        ConflictException.class,
        ErrorCategory.USER_RECOVERABLE,
        () ->
            h.updateChangeset(
                new UpdateChangesetRequest(
                    null,
                    "a",
                    c1.id(),
                    Map.of("s3SourcePath", two.toString()),
                    Map.of("formatType", "CSV"))),
        "is already superseded");
  }

  @Test
  void modifyOfAChangesetRetiredByALaterReplaceIsAConflict() {
    Changeset c1 = createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    createOk(h, request("a", ChangeType.REPLACE, two, FormatType.CSV).build());
    rejected(
        "a",
        ConflictException.class,
        ErrorCategory.USER_RECOVERABLE,
        () -> h.createChangeset(modify("a", c1.id()).build()),
        "updatesChangesetId '" + c1.id() + "' is already superseded by a later REPLACE");
  }

  @Test
  void updatesChangesetIdWithAppendIsRejected() {
    Changeset c1 = createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    for (ChangeType t : new ChangeType[] {ChangeType.APPEND, ChangeType.REPLACE}) {
      rejected(
          "a",
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () -> h.createChangeset(modify("a", c1.id()).changeType(t).build()),
          "updatesChangesetId is only for MODIFY, but changeType is " + t);
    }
  }

  @Test
  void modifyOfAFailedChangesetIsRejected() {
    createOk(h, request("a", ChangeType.APPEND, one, FormatType.CSV).build());
    Path bad = source(tmp, "bad", Map.of("x.csv", "id,name\nabc,z\n"));
    Changeset failed =
        h.createChangeset(request("a", ChangeType.APPEND, bad, FormatType.CSV).build()).changeset();
    assertThat(failed.status()).isEqualTo(io.habanero.model.IngestionStatus.FAILED);
    rejected(
        "a",
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.createChangeset(modify("a", failed.id()).build()),
        "which is FAILED; only a SUCCESS changeset can be modified");
  }
}
