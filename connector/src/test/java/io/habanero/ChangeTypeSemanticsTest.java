package io.habanero;

import static io.habanero.Fixtures.csvChangeset;
import static io.habanero.Fixtures.rows;
import static io.habanero.Fixtures.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.internal.ingest.SchemaRules;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.ListChangesetsRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** APPEND, REPLACE and MODIFY on the data, their lineage fields, and time travel. */
class ChangeTypeSemanticsTest {
  private static final String DS = "trades";

  @TempDir Path tmp;
  private Habanero h;

  @BeforeEach
  void open() {
    h = Fixtures.habanero(tmp.resolve("wh"));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private Changeset cs(ChangeType type, String updates, String body) {
    return csvChangeset(h, tmp, DS, type, updates, "id,sym\n" + body);
  }

  @Test
  void appendAddsTheChangesetsRowsToTheExistingContent() {
    cs(ChangeType.APPEND, null, "1,AAA\n2,BBB\n");
    cs(ChangeType.APPEND, null, "3,CCC\n");

    // Both changesets' rows with their exact values: a lost or duplicated row would show here.
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,AAA]", "[2,BBB]", "[3,CCC]");
  }

  @Test
  void replaceMakesTheContentExactlyTheChangesetsRows() {
    cs(ChangeType.APPEND, null, "1,AAA\n2,BBB\n");
    cs(ChangeType.APPEND, null, "3,CCC\n");
    cs(ChangeType.REPLACE, null, "9,ZZZ\n8,YYY\n");

    // Only the REPLACE rows remain: any earlier row surviving would mean an append, not a replace.
    assertThat(rows(h.readDataset(DS))).containsExactly("[8,YYY]", "[9,ZZZ]");
  }

  @Test
  void modifyReplacesOnlyTheNamedChangesetsRows() {
    Changeset c1 = cs(ChangeType.APPEND, null, "1,AAA\n2,BBB\n");
    Changeset c2 = cs(ChangeType.APPEND, null, "3,CCC\n4,DDD\n");
    Changeset c3 = cs(ChangeType.APPEND, null, "5,EEE\n");

    Changeset m = cs(ChangeType.MODIFY, c2.id(), "30,CCX\n");

    // c2's two rows are gone and the new one is in; c1's and c3's rows are all still there.
    assertThat(rows(h.readDataset(DS)))
        .containsExactly("[1,AAA]", "[2,BBB]", "[30,CCX]", "[5,EEE]");
    // Untouched means still tagged with their own changesets: the rows of c1 and c3 were not
    // rewritten under another changeset, and the new row belongs to the MODIFY.
    Map<String, String> lineage =
        h.service().read(DS, null, true).collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.getAs("id").toString(), r -> r.getAs(SchemaRules.LINEAGE_COLUMN)));
    assertThat(lineage)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("1", c1.id(), "2", c1.id(), "30", m.id(), "5", c3.id()));
  }

  @Test
  void modifyAndReplaceRetireEarlierChangesetsWithLinksAndTimestamps() {
    Changeset c1 = cs(ChangeType.APPEND, null, "1,AAA\n");
    Changeset c2 = cs(ChangeType.APPEND, null, "2,BBB\n");
    Changeset c3 = cs(ChangeType.APPEND, null, "3,CCC\n");
    Changeset m = cs(ChangeType.MODIFY, c2.id(), "20,BBX\n");

    ChangesetSummary s1 = get(c1.id());
    ChangesetSummary s2 = get(c2.id());
    ChangesetSummary s3 = get(c3.id());
    ChangesetSummary sm = get(m.id());
    // The MODIFY links both ways, and only to c2.
    assertThat(sm.updatesChangesetId()).isEqualTo(c2.id());
    assertThat(s2.updatedByChangesetId()).isEqualTo(m.id());
    assertThat(s1.updatedByChangesetId()).isNull();
    assertThat(s3.updatedByChangesetId()).isNull();
    // Every SUCCESS changeset has an activeFrom, in commit order.
    assertThat(List.of(s1, s2, s3, sm))
        .extracting(ChangesetSummary::activeFromTimestamp)
        .doesNotContainNull()
        .isSorted();
    // c2 was retired exactly when the MODIFY's rows became visible; the others are still active.
    assertThat(s2.activeUntilTimestamp()).isEqualTo(sm.activeFromTimestamp());
    assertThat(s1.activeUntilTimestamp()).isNull();
    assertThat(s3.activeUntilTimestamp()).isNull();
    assertThat(sm.activeUntilTimestamp()).isNull();

    Changeset r = cs(ChangeType.REPLACE, null, "9,ZZZ\n");
    Map<String, ChangesetSummary> listed = listAll();
    ChangesetSummary sr = listed.get(r.id());
    assertThat(sr.activeFromTimestamp()).isNotNull();
    assertThat(sr.activeUntilTimestamp()).isNull();
    // The REPLACE retires every changeset still active at its commit, at its commit time...
    for (String id : List.of(c1.id(), c3.id(), m.id())) {
      assertThat(listed.get(id).activeUntilTimestamp())
          .as("activeUntil of %s", id)
          .isEqualTo(sr.activeFromTimestamp());
      // ...but a REPLACE is not an update of any one changeset.
      assertThat(listed.get(id).updatedByChangesetId()).as("updatedBy of %s", id).isNull();
    }
    // c2 was already retired by the MODIFY; the REPLACE does not move that moment.
    assertThat(listed.get(c2.id()).activeUntilTimestamp()).isEqualTo(sm.activeFromTimestamp());
    assertThat(listed.get(c2.id()).updatedByChangesetId()).isEqualTo(m.id());
    // getChangeset and listChangesets derive the same view.
    for (String id : listed.keySet()) {
      assertThat(get(id)).isEqualTo(listed.get(id));
    }
  }

  @Test
  void timeTravelReadsTheContentRightAfterEachChangeset() {
    Changeset a1 = cs(ChangeType.APPEND, null, "1,AAA\n2,BBB\n");
    Changeset a2 = cs(ChangeType.APPEND, null, "3,CCC\n");
    Changeset m = cs(ChangeType.MODIFY, a1.id(), "10,AAX\n");
    Changeset r = cs(ChangeType.REPLACE, null, "7,QQQ\n");

    // Each read shows exactly the state after that changeset, not before it or the latest.
    assertThat(rows(h.readDataset(DS, a1.id()))).containsExactly("[1,AAA]", "[2,BBB]");
    assertThat(rows(h.readDataset(DS, a2.id()))).containsExactly("[1,AAA]", "[2,BBB]", "[3,CCC]");
    assertThat(rows(h.readDataset(DS, m.id()))).isEqualTo(sorted("[10,AAX]", "[3,CCC]"));
    assertThat(rows(h.readDataset(DS, r.id()))).containsExactly("[7,QQQ]");
    assertThat(rows(h.readDataset(DS))).containsExactly("[7,QQQ]");
  }

  private ChangesetSummary get(String id) {
    return h.getChangeset(new GetChangesetRequest(DS, id));
  }

  private Map<String, ChangesetSummary> listAll() {
    return h.listChangesets(new ListChangesetsRequest(DS, null, null)).changesets().stream()
        .collect(Collectors.toMap(ChangesetSummary::changesetId, Function.identity()));
  }
}
