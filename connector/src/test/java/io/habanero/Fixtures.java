package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;

import io.delta.tables.DeltaTable;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Small helpers shared by the engine tests: source files, requests and table inspection. */
final class Fixtures {
  private Fixtures() {}

  /** A Habanero on its own warehouse at {@code dir}, on the shared session. */
  static Habanero habanero(Path dir) {
    return Habanero.create(SharedSpark.get(), Map.of("warehouse", dir.toString()));
  }

  /** Writes {@code text} to {@code file}, creating parent directories. */
  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A CSV request with a header (the engine's default) for {@code source}. */
  static CreateChangesetRequest.Builder csv(String datasetId, ChangeType type, Path source) {
    return CreateChangesetRequest.builder()
        .datasetId(datasetId)
        .changeType(type)
        .s3SourcePath(source.toString())
        .formatType(FormatType.CSV);
  }

  /**
   * Creates a CSV changeset from {@code text} in a fresh directory below {@code tmp} and asserts
   * that it succeeded.
   */
  static Changeset csvChangeset(
      Habanero h, Path tmp, String datasetId, ChangeType type, String updates, String text) {
    Path dir = freshDir(tmp);
    write(dir.resolve("part.csv"), text);
    Changeset cs =
        h.createChangeset(csv(datasetId, type, dir).updatesChangesetId(updates).build())
            .changeset();
    // A helper for the happy path: anything but SUCCESS means the setup itself is broken.
    assertThat(cs.status())
        .as("setup changeset %s: %s", type, cs.errorInfo())
        .isEqualTo(IngestionStatus.SUCCESS);
    return cs;
  }

  /** A new, empty directory below {@code tmp}. */
  static Path freshDir(Path tmp) {
    try {
      return Files.createTempDirectory(tmp, "src");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rows as strings, sorted, so content compares independently of file order. */
  static List<String> rows(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().collect(Collectors.toList());
  }

  /** Sorted strings, for expected values. */
  static List<String> sorted(String... rows) {
    return Arrays.stream(rows).sorted().collect(Collectors.toList());
  }

  static String tablePath(Path warehouse, String datasetId) {
    return warehouse.resolve("datasets").resolve(datasetId).toString();
  }

  /** The Delta table's latest version, from its history. */
  static long latestVersion(Path warehouse, String datasetId) {
    return DeltaTable.forPath(SharedSpark.get(), tablePath(warehouse, datasetId))
        .history(1)
        .collectAsList()
        .get(0)
        .<Long>getAs("version");
  }

  /** How many versions the Delta table's history holds. */
  static long historySize(Path warehouse, String datasetId) {
    return DeltaTable.forPath(SharedSpark.get(), tablePath(warehouse, datasetId)).history().count();
  }

  /** The data files the current Delta snapshot references, as absolute paths, sorted. */
  static List<String> referencedFiles(Path warehouse, String datasetId) {
    return Arrays.stream(
            SharedSpark.get()
                .read()
                .format("delta")
                .load(tablePath(warehouse, datasetId))
                .inputFiles())
        .sorted()
        .collect(Collectors.toList());
  }

  /** Every Parquet data file on disk in the dataset's directory, sorted. */
  static List<String> parquetFilesOnDisk(Path warehouse, String datasetId) {
    try (var s = Files.walk(warehouse.resolve("datasets").resolve(datasetId))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(p -> !p.toString().contains("_delta_log"))
          .map(Path::toString)
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
