package io.habanero;

import static io.habanero.Fixtures.csv;
import static io.habanero.Fixtures.csvChangeset;
import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.habanero.internal.Ids;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.ListChangesetsResponse;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable changeset records: listing, other processes, and records left by dead processes. */
class ChangesetRecordsTest {
  private static final String DS = "refdata";
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
  void listChangesetsPagesOldestFirstWithoutDuplicates() {
    List<String> created = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      created.add(csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n" + i + "\n").id());
    }

    List<Integer> pageSizes = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    String token = null;
    ListChangesetsResponse page;
    do {
      page = h.listChangesets(new ListChangesetsRequest(DS, 2, token));
      pageSizes.add(page.changesets().size());
      page.changesets().forEach(c -> seen.add(c.changesetId()));
      token = page.nextToken();
    } while (token != null);

    // Pages of at most maxResults, ending exactly when the records run out.
    assertThat(pageSizes).containsExactly(2, 2, 1);
    // Every changeset once, in creation order: a skipped, repeated or reordered one shows here.
    assertThat(seen).containsExactlyElementsOf(created);
    // Without maxResults everything fits on one page, and there is no token for a next one.
    ListChangesetsResponse all = h.listChangesets(new ListChangesetsRequest(DS, null, null));
    assertThat(all.changesets()).extracting(ChangesetSummary::changesetId).isEqualTo(created);
    assertThat(all.nextToken()).isNull();
  }

  @Test
  void anotherInstanceOnTheSameWarehouseSeesTheSameChangesetsAndStatuses() {
    Changeset ok = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,name\n1,a\n");
    Path bad = Fixtures.write(Fixtures.freshDir(tmp).resolve("bad.csv"), "id,name\nx,b\n");
    Changeset failed =
        h.createChangeset(csv(DS, ChangeType.APPEND, bad.getParent()).build()).changeset();
    assertThat(failed.status()).isEqualTo(IngestionStatus.FAILED);
    List<ChangesetSummary> here =
        h.listChangesets(new ListChangesetsRequest(DS, null, null)).changesets();

    try (Habanero other = Fixtures.habanero(wh)) {
      List<ChangesetSummary> there =
          other.listChangesets(new ListChangesetsRequest(DS, null, null)).changesets();
      // The records live in the warehouse, not in the first instance's memory: same ids, statuses,
      // errorInfo and timestamps, field for field.
      assertThat(there).isEqualTo(here);
      assertThat(there)
          .extracting(ChangesetSummary::status)
          .containsExactly(IngestionStatus.SUCCESS, IngestionStatus.FAILED);
      assertThat(other.getChangeset(new GetChangesetRequest(DS, failed.id())).errorInfo())
          .isEqualTo(failed.errorInfo());
      // And the other instance reads the data and can time-travel to the first changeset.
      assertThat(rows(other.readDataset(DS, ok.id()))).containsExactly("[1,a]");
    }
  }

  @Test
  void runningRecordOfADeadProcessWhoseCommitLandedResolvesToSuccess() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,name\n1,a\n");
    Changeset cs = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,name\n2,b\n");
    long version = h.service().log().find(DS, cs.id()).orElseThrow().deltaVersion;
    Long activeFrom = summary(cs.id()).activeFromTimestamp();

    // As if the process died right after its Delta commit, before recording SUCCESS.
    ObjectNode rec = readRecord(cs.id());
    rec.put("status", "RUNNING");
    rec.putNull("deltaVersion");
    rec.putNull("commitTime");
    rec.putNull("rowsWritten");
    rec.putNull("endTime");
    rec.set("owner", deadOwner());
    writeRecord(cs.id(), rec);

    ChangesetSummary s = summary(cs.id());
    // The commit is found through its metadata: SUCCESS with the very same version, not FAILED
    // (which would disown committed rows) and not RUNNING forever.
    assertThat(s.status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(s.errorInfo()).isNull();
    assertThat(h.service().log().find(DS, cs.id()).orElseThrow().deltaVersion).isEqualTo(version);
    // Its rows became visible at the commit, which the resolved record reports again.
    assertThat(s.activeFromTimestamp()).isEqualTo(activeFrom);
    // The resolution is written back, so other readers need not resolve again.
    assertThat(readRecord(cs.id()).get("status").asText()).isEqualTo("SUCCESS");
    assertThat(rows(h.readDataset(DS, cs.id()))).containsExactly("[1,a]", "[2,b]");
  }

  @Test
  void pendingOrRunningRecordOfADeadProcessWithoutACommitResolvesToFailed() throws Exception {
    Changeset cs = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,name\n1,a\n");
    long version = Fixtures.latestVersion(wh, DS);

    for (String status : List.of("PENDING", "RUNNING")) {
      // A changeset whose process died before committing: same request, new id, never committed.
      String orphan = Ids.newId();
      ObjectNode rec = readRecord(cs.id());
      rec.put("changesetId", orphan);
      rec.put("status", status);
      rec.put("createTime", System.currentTimeMillis());
      for (String f : List.of("deltaVersion", "commitTime", "rowsWritten", "endTime")) {
        rec.putNull(f);
      }
      rec.put("readVersion", version);
      rec.set("owner", deadOwner());
      rec.remove("seq");
      // Recorded as a create records it (in flight, listing slot, record), by a process now dead.
      h.service()
          .log()
          .create(
              io.habanero.internal.Json.MAPPER.treeToValue(
                  rec, io.habanero.internal.changeset.ChangesetRecord.class));

      ChangesetSummary s = summary(orphan);
      // FAILED, not RUNNING forever, and not SUCCESS: no commit names it.
      assertThat(s.status()).as(status).isEqualTo(IngestionStatus.FAILED);
      assertThat(s.errorInfo().errorCategory()).isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
      // The message says what happened to the process and what to do.
      assertThat(s.errorInfo().errorMessage())
          .contains("stopped before committing")
          .contains("create the changeset again");
      assertThat(s.activeFromTimestamp()).isNull();
      // Listing sees the same resolution.
      assertThat(h.listChangesets(new ListChangesetsRequest(DS, null, null)).changesets())
          .filteredOn(c -> c.changesetId().equals(orphan))
          .extracting(ChangesetSummary::status)
          .containsExactly(IngestionStatus.FAILED);
    }
    // Resolving changed no data.
    assertThat(Fixtures.latestVersion(wh, DS)).isEqualTo(version);
    assertThat(rows(h.readDataset(DS))).containsExactly("[1,a]");
  }

  private ChangesetSummary summary(String id) {
    return h.getChangeset(new GetChangesetRequest(DS, id));
  }

  private Path recordFile(String id) {
    return wh.resolve("changesets").resolve(DS).resolve(id + ".json");
  }

  private ObjectNode readRecord(String id) throws Exception {
    return (ObjectNode) JSON.readTree(Files.readString(recordFile(id)));
  }

  private void writeRecord(String id, ObjectNode rec) throws Exception {
    Files.writeString(recordFile(id), JSON.writeValueAsString(rec));
  }

  /** An owner on this host whose process has exited. */
  private static ObjectNode deadOwner() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    ObjectNode owner = JSON.createObjectNode();
    owner.put("host", InetAddress.getLocalHost().getHostName());
    owner.put("pid", p.pid());
    owner.putNull("processStart");
    return owner;
  }
}
