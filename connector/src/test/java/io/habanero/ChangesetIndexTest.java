package io.habanero;

import static io.habanero.Fixtures.csvChangeset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.habanero.errors.ConflictException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.ListChangesetsResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The changeset index: retirement read from it matches the change types' meaning, a warehouse
 * written before it is migrated with identical answers, an index entry a crashed committer never
 * wrote is derived from the Delta log, and pages and tokens stay exact.
 */
class ChangesetIndexTest {
  private static final String DS = "index";
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

  /** a, b APPEND; c MODIFY of a; d REPLACE; e APPEND; f MODIFY of e. */
  private List<Changeset> history() {
    Changeset a = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n1\n");
    Changeset b = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n2\n");
    Changeset c = csvChangeset(h, tmp, DS, ChangeType.MODIFY, a.id(), "id\n10\n");
    Changeset d = csvChangeset(h, tmp, DS, ChangeType.REPLACE, null, "id\n3\n");
    Changeset e = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n4\n");
    Changeset f = csvChangeset(h, tmp, DS, ChangeType.MODIFY, e.id(), "id\n40\n");
    List<Changeset> all = List.of(a, b, c, d, e, f);
    assertThat(all).extracting(Changeset::status).containsOnly(IngestionStatus.SUCCESS);
    assertThat(Fixtures.rows(h.readDataset(DS))).containsExactlyInAnyOrder("[3]", "[40]");
    return all;
  }

  private ChangesetSummary get(Habanero on, String id) {
    return on.getChangeset(new GetChangesetRequest(DS, id));
  }

  private List<ChangesetSummary> listAll(Habanero on, int pageSize) {
    List<ChangesetSummary> out = new ArrayList<>();
    String token = null;
    do {
      ListChangesetsResponse p = on.listChangesets(new ListChangesetsRequest(DS, pageSize, token));
      out.addAll(p.changesets());
      token = p.nextToken();
    } while (token != null);
    return out;
  }

  @Test
  void retirementFollowsModifyAndReplace() {
    List<Changeset> cs = history();
    ChangesetSummary a = get(h, cs.get(0).id());
    ChangesetSummary b = get(h, cs.get(1).id());
    ChangesetSummary c = get(h, cs.get(2).id());
    ChangesetSummary d = get(h, cs.get(3).id());
    ChangesetSummary e = get(h, cs.get(4).id());
    ChangesetSummary f = get(h, cs.get(5).id());
    // a was replaced by its MODIFY c (which came before the REPLACE d).
    assertThat(a.updatedByChangesetId()).isEqualTo(c.changesetId());
    assertThat(a.activeUntilTimestamp()).isEqualTo(c.activeFromTimestamp());
    // b and c were retired by the REPLACE d, which names no updatedBy.
    for (ChangesetSummary s : List.of(b, c)) {
      assertThat(s.updatedByChangesetId()).isNull();
      assertThat(s.activeUntilTimestamp()).isEqualTo(d.activeFromTimestamp());
    }
    // d is still active (e appended, nothing replaced it); e was modified by f; f is active.
    assertThat(d.activeUntilTimestamp()).isNull();
    assertThat(e.updatedByChangesetId()).isEqualTo(f.changesetId());
    assertThat(e.activeUntilTimestamp()).isEqualTo(f.activeFromTimestamp());
    assertThat(f.activeUntilTimestamp()).isNull();
    assertThat(f.updatesChangesetId()).isEqualTo(e.changesetId());
    // A MODIFY of a retired changeset is refused, naming what retired it.
    assertThatThrownBy(
            () -> csvChangeset(h, tmp, DS, ChangeType.MODIFY, b.changesetId(), "id\n20\n"))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("already superseded by a later REPLACE");
    assertThatThrownBy(
            () -> csvChangeset(h, tmp, DS, ChangeType.MODIFY, a.changesetId(), "id\n20\n"))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("by MODIFY changeset '" + c.changesetId() + "'");
    // The listing says the same as each get.
    assertThat(listAll(h, 4)).containsExactly(a, b, c, d, e, f);
  }

  @Test
  void aWarehouseWrittenBeforeTheIndexIsMigratedWithIdenticalAnswers() throws IOException {
    List<Changeset> cs = history();
    List<ChangesetSummary> before = listAll(h, 100);
    h.close();

    // The layout of the code before the index: records alone, without slots or epochs.
    Path records = wh.resolve("changesets").resolve(DS);
    try (Stream<Path> files = Files.list(records)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith("_") && !name.equals("_tokens")) {
          deleteTree(p);
        } else if (name.endsWith(".json")) {
          ObjectNode rec = (ObjectNode) JSON.readTree(p.toFile());
          rec.remove("seq");
          rec.remove("replaceEpoch");
          JSON.writeValue(p.toFile(), rec);
        }
      }
    }
    assertThat(records.resolve("_store.json")).doesNotExist();

    h = Fixtures.habanero(wh);
    // Every answer is the same, field for field, in pages of any size.
    assertThat(listAll(h, 100)).isEqualTo(before);
    assertThat(listAll(h, 1)).isEqualTo(before);
    for (Changeset c : cs) {
      assertThat(get(h, c.id())).isEqualTo(before.get(cs.indexOf(c)));
    }
    assertThat(records.resolve("_store.json")).exists();
    // A token of the earlier form (the last changeset id of the page) still pages on.
    String oldToken =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(cs.get(1).id().getBytes(StandardCharsets.UTF_8));
    assertThat(
            h.listChangesets(new ListChangesetsRequest(DS, 2, oldToken)).changesets().stream()
                .map(ChangesetSummary::changesetId))
        .containsExactly(cs.get(2).id(), cs.get(3).id());
    // And new changesets go on from there: listed after the migrated ones, retiring correctly.
    Changeset g = csvChangeset(h, tmp, DS, ChangeType.REPLACE, null, "id\n5\n");
    List<ChangesetSummary> after = listAll(h, 3);
    assertThat(after).extracting(ChangesetSummary::changesetId).last().isEqualTo(g.id());
    assertThat(after).hasSize(7);
    assertThat(get(h, cs.get(3).id()).activeUntilTimestamp())
        .isEqualTo(get(h, g.id()).activeFromTimestamp());
    assertThat(Fixtures.rows(h.readDataset(DS))).containsExactly("[5]");
  }

  @Test
  void aReplaceWhoseProcessDiedAfterItsCommitStillRetiresWhatCameBefore() throws IOException {
    Changeset a = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n1\n");
    Changeset r = csvChangeset(h, tmp, DS, ChangeType.REPLACE, null, "id\n2\n");
    h.close();

    crashAfterCommit(r);
    Path records = wh.resolve("changesets").resolve(DS);
    h = Fixtures.habanero(wh);
    // Reading the earlier changeset resolves the in-flight REPLACE from the Delta log first.
    ChangesetSummary first = get(h, a.id());
    ChangesetSummary replace = get(h, r.id());
    assertThat(replace.status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(first.activeUntilTimestamp()).isNotNull().isEqualTo(replace.activeFromTimestamp());
    assertThat(records.resolve("_inflight").resolve(r.id())).doesNotExist();
    assertThat(records.resolve("_replaces").resolve("000000000001.json")).exists();
  }

  @Test
  void aLaterCommitIndexesTheVersionACrashedCommitterLeft() throws IOException {
    Changeset a = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n1\n");
    Changeset r = crashAfterCommit(csvChangeset(h, tmp, DS, ChangeType.REPLACE, null, "id\n2\n"));
    Path records = wh.resolve("changesets").resolve(DS);

    // The next commit's index walk reads the missing version from the Delta log, before anyone
    // resolves the crashed REPLACE's record.
    Changeset b = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n3\n");
    assertThat(records.resolve("_replaces").resolve("000000000001.json")).exists();
    ObjectNode stillRunning =
        (ObjectNode) JSON.readTree(records.resolve(r.id() + ".json").toFile());
    assertThat(stillRunning.get("status").asText()).isEqualTo("RUNNING");

    ChangesetSummary first = get(h, a.id());
    ChangesetSummary replace = get(h, r.id());
    assertThat(replace.status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(first.activeUntilTimestamp()).isEqualTo(replace.activeFromTimestamp());
    assertThat(get(h, b.id()).activeUntilTimestamp()).isNull();
    assertThat(Fixtures.rows(h.readDataset(DS))).containsExactlyInAnyOrder("[2]", "[3]");
  }

  /**
   * Rewrites a SUCCESS changeset's record and index as if its process had died right after its
   * Delta commit: RUNNING, owned by a dead process, in flight, and its version not indexed.
   */
  private Changeset crashAfterCommit(Changeset c) throws IOException {
    long version = h.service().log().find(DS, c.id()).orElseThrow().deltaVersion;
    Path records = wh.resolve("changesets").resolve(DS);
    Files.delete(records.resolve("_versions").resolve(String.format("%020d.json", version)));
    deleteTree(records.resolve("_replaces"));
    deleteTree(records.resolve("_modified"));
    Files.delete(records.resolve("_latest.json"));
    Path p = records.resolve(c.id() + ".json");
    ObjectNode rec = (ObjectNode) JSON.readTree(p.toFile());
    for (String f :
        List.of("deltaVersion", "commitTime", "rowsWritten", "endTime", "replaceEpoch")) {
      rec.putNull(f);
    }
    rec.put("status", "RUNNING");
    ObjectNode owner = rec.putObject("owner");
    owner.put("host", InetAddress.getLocalHost().getHostName());
    owner.put("pid", Integer.MAX_VALUE - 7); // no such process
    JSON.writeValue(p.toFile(), rec);
    Files.writeString(records.resolve("_inflight").resolve(c.id()), c.id());
    return c;
  }

  @Test
  void tokensAreTiedToTheirDatasetAndForgeriesAreRefused() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n" + i + "\n").id());
    }
    csvChangeset(h, tmp, "other", ChangeType.APPEND, null, "id\n1\n");
    String token = h.listChangesets(new ListChangesetsRequest(DS, 2, null)).nextToken();
    assertThat(h.listChangesets(new ListChangesetsRequest(DS, 2, token)).changesets())
        .extracting(ChangesetSummary::changesetId)
        .containsExactly(ids.get(2), ids.get(3));
    assertThatThrownBy(() -> h.listChangesets(new ListChangesetsRequest("other", 2, token)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("does not belong to dataset other")
        .extracting(t -> ((ValidationException) t).category())
        .isEqualTo(ErrorCategory.VALIDATION);
    String forged =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(("3." + ids.get(0)).getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> h.listChangesets(new ListChangesetsRequest(DS, 2, forged)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("does not belong to dataset " + DS);
    assertThatThrownBy(() -> h.listChangesets(new ListChangesetsRequest(DS, 2, "!!notbase64")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("it is not a token this API returned");
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              f -> {
                try {
                  Files.delete(f);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
