package io.habanero;

import static io.habanero.Fixtures.csv;
import static io.habanero.Fixtures.csvChangeset;
import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixed source file set of a changeset, and the progress it reports. */
class SourceSnapshotTest {
  private static final String DS = "prices";

  @TempDir Path tmp;
  private Path wh;
  private Habanero h;

  @BeforeEach
  void open() {
    wh = tmp.resolve("wh");
    h = Fixtures.habanero(wh);
  }

  @AfterEach
  void close() {
    h.service().setCheckpoint(null);
    h.close();
  }

  @Test
  void filesAddedToTheSourceAfterCreationAreNotIngested() {
    Path dir = Fixtures.freshDir(tmp);
    Fixtures.write(dir.resolve("a.csv"), "id,px\n1,1.5\n");
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("running")) {
                Fixtures.write(dir.resolve("b.csv"), "id,px\n2,2.5\n");
              }
            });

    Changeset cs = h.createChangeset(csv(DS, ChangeType.APPEND, dir).build()).changeset();

    assertThat(cs.status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(Files.exists(dir.resolve("b.csv"))).as("late file was written").isTrue();
    // Only a.csv's row: the late file's row (2) would show if the prefix were listed again.
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,1.5]");
    // The record names exactly the file set fixed at creation.
    ChangesetRecord rec = h.service().log().find(DS, cs.id()).orElseThrow();
    assertThat(rec.sourceFiles)
        .extracting(f -> Path.of(java.net.URI.create(f.path)).getFileName().toString())
        .containsExactly("a.csv");
  }

  @Test
  void aSourceFileModifiedMidIngestFailsTheChangesetWithNoDataWritten() {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,px\n1,1.5\n");
    long version = Fixtures.latestVersion(wh, DS);
    List<String> onDisk = Fixtures.parquetFilesOnDisk(wh, DS);
    Path dir = Fixtures.freshDir(tmp);
    Fixtures.write(dir.resolve("a.csv"), "id,px\n2,2.5\n");
    Fixtures.write(dir.resolve("b.csv"), "id,px\n3,3.5\n");
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("written")) {
                Fixtures.write(dir.resolve("b.csv"), "id,px\n3,3.5\n4,4.5\n5,5.5\n");
              }
            });

    Changeset cs = h.createChangeset(csv(DS, ChangeType.APPEND, dir).build()).changeset();

    // It must not commit the rows it read from the old b.csv next to a changed file.
    assertThat(cs.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(cs.errorInfo().errorCategory()).isEqualTo(ErrorCategory.USER_RECOVERABLE);
    assertThat(cs.errorInfo().errorMessage())
        .contains("b.csv")
        .contains("changed during ingestion");
    assertNothingWritten(version, onDisk);
  }

  @Test
  void aSourceFileDeletedMidIngestFailsTheChangesetWithNoDataWritten() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,px\n1,1.5\n");
    long version = Fixtures.latestVersion(wh, DS);
    List<String> onDisk = Fixtures.parquetFilesOnDisk(wh, DS);
    Path dir = Fixtures.freshDir(tmp);
    Fixtures.write(dir.resolve("a.csv"), "id,px\n2,2.5\n");
    Fixtures.write(dir.resolve("b.csv"), "id,px\n3,3.5\n");
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("written")) {
                Files.delete(dir.resolve("a.csv"));
              }
            });

    Changeset cs = h.createChangeset(csv(DS, ChangeType.APPEND, dir).build()).changeset();

    assertThat(cs.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(cs.errorInfo().errorCategory()).isEqualTo(ErrorCategory.RESOURCE_NOT_FOUND);
    assertThat(cs.errorInfo().errorMessage()).contains("a.csv").contains("disappeared");
    assertNothingWritten(version, onDisk);
  }

  private void assertNothingWritten(long version, List<String> onDisk) {
    // No new version, the old content only, and the uncommitted files were deleted.
    assertThat(Fixtures.latestVersion(wh, DS)).isEqualTo(version);
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,1.5]");
    assertThat(Fixtures.parquetFilesOnDisk(wh, DS)).isEqualTo(onDisk);
  }

  @Test
  void progressListenerReceivesPhasesWithFileCountAndRows() throws Exception {
    Path dir = Fixtures.freshDir(tmp);
    Path a = Fixtures.write(dir.resolve("a.csv"), "id,px\n1,1.5\n2,2.5\n");
    Path b = Fixtures.write(dir.resolve("b.csv"), "id,px\n3,3.5\n");
    List<ChangesetProgress> events = new CopyOnWriteArrayList<>();

    Changeset cs =
        h.createChangeset(csv(DS, ChangeType.APPEND, dir).build(), events::add).changeset();

    assertThat(cs.status()).isEqualTo(IngestionStatus.SUCCESS);
    // The phases in timeline order; a listener that was never called, or called only at the end,
    // would miss the working phases.
    List<String> phases = events.stream().map(ChangesetProgress::phase).distinct().toList();
    assertThat(phases).contains("READING", "WRITING", "DONE");
    assertThat(phases.indexOf("WRITING")).isLessThan(phases.indexOf("DONE"));
    assertThat(events).allSatisfy(e -> assertThat(e.changesetId()).isEqualTo(cs.id()));
    ChangesetProgress last = events.get(events.size() - 1);
    assertThat(last.phase()).isEqualTo("DONE");
    // The final numbers are the real ones: 2 files of these sizes, 3 rows.
    assertThat(last.filesTotal()).isEqualTo(2);
    assertThat(last.bytesTotal()).isEqualTo(Files.size(a) + Files.size(b));
    assertThat(last.rowsWritten()).isEqualTo(3);
    assertThat(last.describe()).contains("2 file(s)").contains("3 rows written");
  }
}
