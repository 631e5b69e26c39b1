package io.habanero;

import static io.habanero.Fixtures.csv;
import static io.habanero.Fixtures.csvChangeset;
import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each SUCCESS changeset is exactly one Delta commit that names it; idempotent creates. */
class DeltaCommitProtocolTest {
  private static final String DS = "quotes";
  private static final ObjectMapper JSON = new ObjectMapper();

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
    h.close();
  }

  @Test
  void eachSuccessfulChangesetIsExactlyOneDeltaCommitThatNamesIt() throws Exception {
    Changeset a = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,px\n1,1.5\n2,2.5\n");
    assertOneCommitFor(a, 1);
    Changeset b = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,px\n3,3.5\n");
    assertOneCommitFor(b, 2);
    Changeset m = csvChangeset(h, tmp, DS, ChangeType.MODIFY, a.id(), "id,px\n10,10.5\n");
    assertOneCommitFor(m, 3);
    Changeset r = csvChangeset(h, tmp, DS, ChangeType.REPLACE, null, "id,px\n7,7.5\n");
    assertOneCommitFor(r, 4);

    // The versions are distinct and consecutive: no changeset took two commits or shared one.
    assertThat(
            List.of(a, b, m, r).stream()
                .map(c -> h.service().log().find(DS, c.id()).orElseThrow().deltaVersion)
                .toList())
        .containsExactly(0L, 1L, 2L, 3L);
  }

  private void assertOneCommitFor(Changeset cs, long expectedHistorySize) throws Exception {
    long version = h.service().log().find(DS, cs.id()).orElseThrow().deltaVersion;
    // The record's version is the table's newest: the commit is this changeset's, not an older one.
    assertThat(Fixtures.latestVersion(wh, DS)).isEqualTo(version);
    // One new history entry per changeset: a changeset that committed twice (or zero times) breaks
    // the count.
    assertThat(Fixtures.historySize(wh, DS)).isEqualTo(expectedHistorySize);
    Row commit =
        DeltaTable.forPath(SharedSpark.get(), Fixtures.tablePath(wh, DS))
            .history()
            .filter("version = " + version)
            .collectAsList()
            .get(0);
    JsonNode meta = JSON.readTree(commit.<String>getAs("userMetadata"));
    // The commit leads back to the changeset: its metadata carries this exact id and type.
    assertThat(meta.path("habanero").path("changesetId").asText()).isEqualTo(cs.id());
    assertThat(meta.path("habanero").path("changeType").asText()).isEqualTo(cs.changeType().name());
  }

  @Test
  void failedChangesetAddsNoDeltaVersionAndChangesNoData() {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,px\n1,1.5\n2,2.5\n");
    long versionBefore = Fixtures.latestVersion(wh, DS);
    List<String> filesBefore = Fixtures.referencedFiles(wh, DS);

    // 'x' is not an int, and the dataset's id column is int: a malformed record at ingest time.
    Path bad = Fixtures.write(Fixtures.freshDir(tmp).resolve("bad.csv"), "id,px\n3,3.5\nx,4.5\n");
    Changeset failed =
        h.createChangeset(csv(DS, ChangeType.APPEND, bad.getParent()).build()).changeset();

    assertThat(failed.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(failed.errorInfo().errorCategory())
        .as("%s", failed.errorInfo())
        .isEqualTo(ErrorCategory.VALIDATION);
    // The message counts and shows the offending record, so the user can find and fix it.
    assertThat(failed.errorInfo().errorMessage()).contains("1 malformed record").contains("x,4.5");
    // No new version: the good row (3) was not committed alongside the failure.
    assertThat(Fixtures.latestVersion(wh, DS)).isEqualTo(versionBefore);
    assertThat(Fixtures.historySize(wh, DS)).isEqualTo(1);
    assertThat(Fixtures.referencedFiles(wh, DS)).isEqualTo(filesBefore);
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,1.5]", "[2,2.5]");
  }

  @Test
  void retryWithTheSameClientTokenReturnsTheSameChangesetAndWritesOnce() {
    Path src = Fixtures.write(Fixtures.freshDir(tmp).resolve("a.csv"), "id,px\n1,1.5\n2,2.5\n");
    var request =
        csv(DS, ChangeType.APPEND, src.getParent()).clientToken("load-2024-01-02").build();

    Changeset first = h.createChangeset(request).changeset();
    assertThat(first.status()).isEqualTo(IngestionStatus.SUCCESS);
    long version = Fixtures.latestVersion(wh, DS);

    Changeset retry = h.createChangeset(request).changeset();

    // The retry is the same changeset, not a second one with the same rows.
    assertThat(retry.id()).isEqualTo(first.id());
    assertThat(retry.status()).isEqualTo(IngestionStatus.SUCCESS);
    // Data written once: the same two rows, no new Delta version, and one changeset recorded.
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,1.5]", "[2,2.5]");
    assertThat(Fixtures.latestVersion(wh, DS)).isEqualTo(version);
    assertThat(
            h.listChangesets(new io.habanero.model.ListChangesetsRequest(DS, null, null))
                .changesets())
        .hasSize(1);

    // A retry from a second process on the same warehouse is also recognised.
    try (Habanero other = Fixtures.habanero(wh)) {
      assertThat(other.createChangeset(request).changeset().id()).isEqualTo(first.id());
    }
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,1.5]", "[2,2.5]");
  }
}
