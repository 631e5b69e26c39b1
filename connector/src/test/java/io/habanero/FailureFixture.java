package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.habanero.errors.HabaneroException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Shared steps of the failure tests: a dataset with known content, a snapshot of its state (rows,
 * changeset count, Delta version), and assertions that a failure left that state untouched.
 */
final class FailureFixture {
  private FailureFixture() {}

  /** What a failure must not change: the rows, the changeset records and the Delta version. */
  record State(List<String> rows, int changesets, long version) {}

  static State state(Habanero h, String datasetId) {
    List<String> rows =
        h.readDataset(datasetId).collectAsList().stream().map(Row::toString).sorted().toList();
    int changesets =
        h.listChangesets(new ListChangesetsRequest(datasetId, null, null)).changesets().size();
    return new State(rows, changesets, latestVersion(h, datasetId));
  }

  /** The newest Delta version, from the commit files themselves (cheaper than a history job). */
  static long latestVersion(Habanero h, String datasetId) {
    Path log =
        Path.of(h.service().warehouse().datasetPath(datasetId).toUri()).resolve("_delta_log");
    try (Stream<Path> files = Files.list(log)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.matches("\\d{20}\\.json"))
          .mapToLong(n -> Long.parseLong(n.substring(0, 20)))
          .max()
          .orElse(-1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code files} (name to content) into a new directory {@code root/name}. */
  static Path source(Path root, String name, Map<String, String> files) {
    try {
      Path dir = Files.createDirectories(root.resolve(name));
      for (Map.Entry<String, String> f : files.entrySet()) {
        Files.writeString(dir.resolve(f.getKey()), f.getValue());
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static CreateChangesetRequest.Builder request(
      String datasetId, ChangeType type, Path src, FormatType format) {
    return CreateChangesetRequest.builder()
        .datasetId(datasetId)
        .changeType(type)
        .s3SourcePath(src.toString())
        .formatType(format);
  }

  static Changeset createOk(Habanero h, CreateChangesetRequest req) {
    Changeset c = h.createChangeset(req).changeset();
    assertThat(c.status())
        .as("setup changeset %s", c.errorInfo())
        .isEqualTo(IngestionStatus.SUCCESS);
    return c;
  }

  /**
   * Runs {@code call}, which must throw {@code type} with {@code category} and every fragment in
   * its message, and checks that the dataset is exactly as before: no changeset recorded, no
   * version.
   */
  static <T extends HabaneroException> T assertRejected(
      Habanero h,
      String datasetId,
      Class<T> type,
      ErrorCategory category,
      ThrowingCallable call,
      String... fragments) {
    State before = state(h, datasetId);
    T e = assertError(type, category, call, fragments);
    assertThat(state(h, datasetId)).isEqualTo(before);
    return e;
  }

  /** Runs {@code call}, which must throw {@code type} with {@code category} and the fragments. */
  static <T extends HabaneroException> T assertError(
      Class<T> type, ErrorCategory category, ThrowingCallable call, String... fragments) {
    Throwable t = catchThrowable(call);
    assertThat(t).isInstanceOf(type);
    for (String f : fragments) {
      assertThat(t).hasMessageContaining(f);
    }
    T e = type.cast(t);
    // The category is what API clients branch on; the class alone is not enough.
    assertThat(e.category()).isEqualTo(category);
    return e;
  }

  /**
   * Creates a changeset that must end FAILED with {@code category} and every fragment in its
   * errorMessage; it is recorded, but the dataset's rows and version are unchanged.
   */
  static ChangesetErrorInfo assertIngestFails(
      Habanero h, CreateChangesetRequest req, ErrorCategory category, String... fragments) {
    State before = state(h, req.datasetId());
    Changeset c = h.createChangeset(req).changeset();
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.FAILED);
    ChangesetErrorInfo info = c.errorInfo();
    assertThat(info).isNotNull();
    assertThat(info.errorCategory()).as(info.errorMessage()).isEqualTo(category);
    for (String f : fragments) {
      assertThat(info.errorMessage()).contains(f);
    }
    State after = state(h, req.datasetId());
    // A FAILED changeset is recorded, and changes no data.
    assertThat(after.changesets()).isEqualTo(before.changesets() + 1);
    assertThat(after.rows()).isEqualTo(before.rows());
    assertThat(after.version()).isEqualTo(before.version());
    return info;
  }
}
