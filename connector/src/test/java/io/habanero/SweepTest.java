package io.habanero;

import static io.habanero.Fixtures.csv;
import static io.habanero.Fixtures.csvChangeset;
import static io.habanero.Fixtures.rows;
import static io.habanero.Fixtures.sorted;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import io.habanero.model.SweepRequest;
import io.habanero.model.SweepResult;
import io.habanero.model.SweepResult.DatasetSweep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep ({@link Habanero#sweep}) on real Delta tables: it removes data files that no version
 * references once they are older than the safety window, quarantine directories of FAILED
 * changesets, and nothing that a Delta version or a running changeset needs. Every test checks the
 * files on disk and the dataset's rows, not only the counts.
 */
class SweepTest {
  private static final String DS = "sw";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HOUR = Duration.ofMinutes(60);

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

  private Path table() {
    return wh.resolve("datasets").resolve(DS);
  }

  private SweepResult sweep(Duration window, boolean dryRun) {
    return h.sweep(new SweepRequest(DS, window, dryRun));
  }

  /** The one dataset's entry, which must have no error. */
  private static DatasetSweep only(SweepResult r) {
    assertThat(r.datasets()).extracting(DatasetSweep::datasetId).containsExactly(DS);
    DatasetSweep d = r.datasets().get(0);
    assertThat(d.error()).isNull();
    return d;
  }

  /** The removed paths as local paths. */
  private static Set<Path> removed(DatasetSweep d) {
    return d.removed().stream().map(s -> Path.of(URI.create(s))).collect(Collectors.toSet());
  }

  private static Path checksum(Path file) {
    return file.resolveSibling("." + file.getFileName() + ".crc");
  }

  private static void age(Path p, Duration age) {
    try {
      Files.setLastModifiedTime(
          p, FileTime.fromMillis(System.currentTimeMillis() - age.toMillis()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sets every file below {@code dir} (and the directories) to {@code age} ago. */
  private static void ageTree(Path dir, Duration age) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(p -> age(p, age));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An orphan: a copy of a real data file of the table (with its checksum) under a new Delta-style
   * name in {@code sub} (relative to the table directory), last modified {@code age} ago. No
   * version references it.
   */
  private Path orphan(String sub, Duration age) throws IOException {
    Path src = Path.of(Fixtures.parquetFilesOnDisk(wh, DS).get(0));
    Path dir = Files.createDirectories(table().resolve(sub));
    Path dst = dir.resolve("part-00000-" + UUID.randomUUID() + "-c000.snappy.parquet");
    Files.copy(src, dst);
    if (Files.exists(checksum(src))) {
      Files.copy(checksum(src), checksum(dst));
      age(checksum(dst), age);
    }
    age(dst, age);
    return dst;
  }

  /** Every data file on disk in the table directory (partition folders included), as paths. */
  private Set<Path> onDisk() {
    return Fixtures.parquetFilesOnDisk(wh, DS).stream().map(Path::of).collect(Collectors.toSet());
  }

  /** The files of the current snapshot, as paths. */
  private Set<Path> current() {
    return Fixtures.referencedFiles(wh, DS).stream()
        .map(s -> Path.of(URI.create(s)))
        .collect(Collectors.toSet());
  }

  /**
   * Every file that any commit of the log adds or removes, read here independently of the code
   * under test: what time travel may need.
   */
  private Set<Path> referencedByAnyVersion() throws IOException {
    Set<Path> out = new TreeSet<>();
    try (Stream<Path> s = Files.list(table().resolve("_delta_log"))) {
      for (Path commit :
          s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).toList()) {
        for (String line : Files.readAllLines(commit)) {
          JsonNode n = JSON.readTree(line);
          for (String action : List.of("add", "remove")) {
            if (n.has(action)) {
              out.add(table().resolve(URI.create(n.get(action).get("path").asText()).getPath()));
            }
          }
        }
      }
    }
    return out;
  }

  @Test
  void unreferencedFilesOlderThanTheWindowAreRemovedAndNewerOnesKept() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\nMSFT,2.5\n");
    Set<Path> committed = onDisk();
    Path old = orphan("", Duration.ofHours(2));
    Path fresh = orphan("", Duration.ZERO);
    long oldBytes = Files.size(old);

    DatasetSweep first = only(sweep(HOUR, false));

    // The old orphan and its checksum are gone; the fresh one is inside the window.
    assertThat(old).doesNotExist();
    assertThat(checksum(old)).doesNotExist();
    assertThat(fresh).exists();
    assertThat(checksum(fresh)).exists();
    assertThat(first.dataFilesRemoved()).isEqualTo(1);
    assertThat(first.bytesRemoved()).isEqualTo(oldBytes);
    assertThat(first.quarantineDirectoriesRemoved()).isZero();
    assertThat(removed(first)).containsExactly(old);
    // The committed files and the rows are untouched.
    assertThat(onDisk()).isEqualTo(union(committed, Set.of(fresh)));
    assertThat(rows(h.readDataset(DS))).isEqualTo(sorted("[AAPL,1.5]", "[MSFT,2.5]"));

    // A window of 0 removes the fresh one too, and still nothing committed.
    DatasetSweep second = only(sweep(Duration.ZERO, false));
    assertThat(fresh).doesNotExist();
    assertThat(checksum(fresh)).doesNotExist();
    assertThat(removed(second)).containsExactly(fresh);
    assertThat(onDisk()).isEqualTo(committed);
    assertThat(rows(h.readDataset(DS))).isEqualTo(sorted("[AAPL,1.5]", "[MSFT,2.5]"));

    // Nothing is left to remove.
    DatasetSweep third = only(sweep(Duration.ZERO, false));
    assertThat(third.dataFilesRemoved()).isZero();
    assertThat(third.removed()).isEmpty();
    assertThat(onDisk()).isEqualTo(committed);
  }

  @Test
  void filesOfOldVersionsAreKeptSoTimeTravelToEverySuccessChangesetStillWorks() throws Exception {
    List<Changeset> all = new ArrayList<>();
    all.add(csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\nMSFT,2.5\n"));
    all.add(csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nGS,3.5\n"));
    all.add(csvChangeset(h, tmp, DS, ChangeType.REPLACE, null, "sym,px\nIBM,4.5\nORCL,5.5\n"));
    all.add(csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nSAP,6.5\n"));
    all.add(csvChangeset(h, tmp, DS, ChangeType.MODIFY, all.get(2).id(), "sym,px\nIBM,4.75\n"));
    Map<String, List<String>> asOf = new LinkedHashMap<>();
    for (Changeset c : all) {
      asOf.put(c.id(), rows(h.readDataset(DS, c.id())));
    }
    // The REPLACE and the MODIFY retired files that only older versions reference now.
    Set<Path> before = onDisk();
    Set<Path> everReferenced = referencedByAnyVersion();
    Set<Path> onlyOld = intersection(minus(before, current()), everReferenced);
    assertThat(onlyOld).hasSizeGreaterThanOrEqualTo(3);
    Path orphan = orphan("", Duration.ofHours(2));

    DatasetSweep d = only(sweep(Duration.ZERO, false));

    // Every file that a version references is still there; the orphan (and any other file that no
    // version references, such as Delta's empty files) is gone.
    Set<Path> after = onDisk();
    assertThat(after).containsAll(intersection(before, everReferenced));
    assertThat(after).doesNotContain(orphan);
    assertThat(after).isEqualTo(intersection(before, everReferenced));
    assertThat(removed(d)).contains(orphan).doesNotContainAnyElementsOf(everReferenced);
    // Time travel to every SUCCESS changeset returns the same rows as before the sweep.
    for (Changeset c : all) {
      List<String> rows = rows(h.readDataset(DS, c.id()));
      assertThat(rows).as("as of %s", c.changeType()).isEqualTo(asOf.get(c.id()));
      assertThat(h.readDataset(DS, c.id()).count()).isEqualTo(asOf.get(c.id()).size());
    }
    assertThat(asOf.get(all.get(0).id())).isEqualTo(sorted("[AAPL,1.5]", "[MSFT,2.5]"));
    assertThat(asOf.get(all.get(1).id())).isEqualTo(sorted("[AAPL,1.5]", "[MSFT,2.5]", "[GS,3.5]"));
    assertThat(rows(h.readDataset(DS))).isEqualTo(sorted("[IBM,4.75]", "[SAP,6.5]"));
  }

  @Test
  void filesOnlyACheckpointReferencesAreKeptAfterTheLogWasCleanedUp() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nGS,3.5\n");
    Changeset c = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nSAP,6.5\n");
    DeltaLog log = DeltaLog.forTable(SharedSpark.get(), table().toString());
    log.update(false, scala.Option.empty(), scala.Option.empty());
    log.checkpoint();
    // As Delta's log clean-up does past its retention: the commits before the checkpoint go.
    Path logDir = table().resolve("_delta_log");
    for (long v = 0; v < 2; v++) {
      String name = String.format("%020d", v);
      for (String f :
          List.of(
              name + ".json", "." + name + ".json.crc", name + ".crc", "." + name + ".crc.crc")) {
        Files.deleteIfExists(logDir.resolve(f));
      }
    }
    DeltaLog.clearCache();
    Set<Path> committed = onDisk();
    assertThat(committed).hasSize(3);
    Path orphan = orphan("", Duration.ofHours(2));

    DatasetSweep d = only(sweep(Duration.ZERO, false));

    // The first two versions' files are in no commit file any more, only in the checkpoint.
    assertThat(removed(d)).containsExactly(orphan);
    assertThat(onDisk()).isEqualTo(committed);
    assertThat(rows(h.readDataset(DS))).isEqualTo(sorted("[AAPL,1.5]", "[GS,3.5]", "[SAP,6.5]"));
    assertThat(rows(h.readDataset(DS, c.id()))).hasSize(3);
  }

  @Test
  void aRunningChangesetsFilesAreKeptWhateverTheWindowSweptFromTheSameInstance() throws Exception {
    assertRunningChangesetSurvives(false);
  }

  @Test
  void aRunningChangesetsFilesAreKeptWhateverTheWindowSweptFromAnotherInstance() throws Exception {
    assertRunningChangesetSurvives(true);
  }

  private void assertRunningChangesetSurvives(boolean fromOtherInstance) throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    Set<Path> committed = onDisk();
    Path orphan = orphan("", Duration.ofHours(2));

    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("written")) {
                written.countDown();
                release.await(60, TimeUnit.SECONDS);
              }
            });
    Path src =
        Fixtures.write(
            Fixtures.freshDir(tmp).resolve("b.csv"), "sym,px\nGS,3.5\nIBM,4.5\nSAP,6.5\n");
    ChangesetHandle handle;
    Set<Path> running;
    DatasetSweep d;
    handle = h.submitChangeset(csv(DS, ChangeType.APPEND, src.getParent()).build());
    try {
      assertThat(written.await(60, TimeUnit.SECONDS)).as("reached the written checkpoint").isTrue();
      // The running changeset's files are on disk, uncommitted: no version references them.
      running = minus(onDisk(), union(committed, Set.of(orphan)));
      assertThat(running).isNotEmpty();

      Habanero sweeper = fromOtherInstance ? Fixtures.habanero(wh) : h;
      try {
        d = only(sweeper.sweep(new SweepRequest(DS, Duration.ZERO, false)));
      } finally {
        if (fromOtherInstance) {
          sweeper.close();
        }
      }
    } finally {
      release.countDown();
    }

    // The old orphan went; the running changeset's files stayed, whatever the window.
    assertThat(orphan).doesNotExist();
    assertThat(removed(d)).containsExactly(orphan);
    assertThat(onDisk()).containsAll(running).containsAll(committed);
    // It commits them, and every one of its rows is there.
    Changeset end = handle.await(Duration.ofSeconds(60));
    assertThat(end.status()).as("%s", end.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(rows(h.readDataset(DS)))
        .isEqualTo(sorted("[AAPL,1.5]", "[GS,3.5]", "[IBM,4.5]", "[SAP,6.5]"));
    assertThat(rows(h.readDataset(DS, end.id())))
        .isEqualTo(sorted("[AAPL,1.5]", "[GS,3.5]", "[IBM,4.5]", "[SAP,6.5]"));
    // Now committed, its files are referenced, and another sweep keeps them.
    only(sweep(Duration.ZERO, false));
    assertThat(onDisk()).containsAll(current()).containsAll(running);
    assertThat(rows(h.readDataset(DS))).hasSize(4);
  }

  /** A FAILED changeset: a malformed CSV in the default fail-fast mode. */
  private Changeset failed() {
    Path dir = Fixtures.freshDir(tmp);
    Fixtures.write(dir.resolve("bad.csv"), "sym,px\nGS,cheap\n");
    Changeset c = h.createChangeset(csv(DS, ChangeType.APPEND, dir).build()).changeset();
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.FAILED);
    return c;
  }

  /** A quarantine directory with a part file and Spark's staging sub-directory, {@code age} old. */
  private Path quarantineDir(String changesetId, Duration age) {
    Path dir = wh.resolve("quarantine").resolve(DS).resolve(changesetId);
    Fixtures.write(
        dir.resolve("part-00000-x.json"), "{\"file\":\"a.csv\",\"record\":\"GS,cheap\"}\n");
    Fixtures.write(dir.resolve("_temporary/0/_temporary/attempt_1/part-00001-x.json"), "{}\n");
    ageTree(dir, age);
    return dir;
  }

  private static long bytesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      long total = 0;
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        total += Files.size(p);
      }
      return total;
    }
  }

  @Test
  void quarantineOfFailedAndKilledChangesetsIsRemovedAndThatOfSuccessKept() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    // A SUCCESS changeset in QUARANTINE mode, with one bad record kept; made old.
    Path mixed = Fixtures.freshDir(tmp);
    Fixtures.write(mixed.resolve("m.csv"), "sym,px\nGS,3.5\nMS,cheap\n");
    Changeset kept =
        h.createChangeset(
                csv(DS, ChangeType.APPEND, mixed)
                    .formatParams(Map.of("mode", "QUARANTINE"))
                    .build())
            .changeset();
    assertThat(kept.status()).isEqualTo(IngestionStatus.SUCCESS);
    Path keptDir = Path.of(URI.create(kept.quarantine().location()));
    ageTree(keptDir, Duration.ofHours(3));
    // A FAILED changeset's quarantine, old; another FAILED one's, fresh.
    Path failedOld = quarantineDir(failed().id(), Duration.ofHours(2));
    Path failedFresh = quarantineDir(failed().id(), Duration.ZERO);
    // A QUARANTINE changeset killed while RUNNING: its record names a dead owner.
    String killed = io.habanero.internal.Ids.newId();
    ObjectNode rec =
        (ObjectNode)
            JSON.readTree(
                wh.resolve("changesets").resolve(DS).resolve(kept.id() + ".json").toFile());
    rec.put("changesetId", killed);
    rec.put("status", "RUNNING");
    rec.put("createTime", System.currentTimeMillis() - Duration.ofHours(2).toMillis());
    for (String f :
        List.of(
            "deltaVersion",
            "commitTime",
            "rowsWritten",
            "endTime",
            "quarantinedRecords",
            "quarantineLocation")) {
      rec.putNull(f);
    }
    rec.set("owner", deadOwner());
    Files.writeString(
        wh.resolve("changesets").resolve(DS).resolve(killed + ".json"),
        JSON.writeValueAsString(rec));
    Path killedDir = quarantineDir(killed, Duration.ofHours(2));
    // A directory of a changeset that has no record at all.
    Path unrecorded = quarantineDir(io.habanero.internal.Ids.newId(), Duration.ofHours(2));
    long bytes = bytesIn(failedOld) + bytesIn(killedDir) + bytesIn(unrecorded);
    Set<Path> files = onDisk();
    List<String> rows = sorted("[AAPL,1.5]", "[GS,3.5]");
    assertThat(rows(h.readDataset(DS))).isEqualTo(rows);

    DatasetSweep d = only(sweep(HOUR, false));

    assertThat(failedOld).doesNotExist();
    assertThat(killedDir).doesNotExist();
    assertThat(unrecorded).doesNotExist();
    assertThat(failedFresh).isDirectory();
    assertThat(keptDir).isDirectory();
    assertThat(d.quarantineDirectoriesRemoved()).isEqualTo(3);
    assertThat(d.dataFilesRemoved()).isZero();
    assertThat(d.bytesRemoved()).isEqualTo(bytes);
    assertThat(removed(d)).containsExactlyInAnyOrder(failedOld, killedDir, unrecorded);
    // The SUCCESS changeset's bad records are still readable where its record says.
    assertThat(SharedSpark.get().read().json(kept.quarantine().location()).count()).isEqualTo(1);
    assertThat(h.getChangeset(new io.habanero.model.GetChangesetRequest(DS, killed)).status())
        .isEqualTo(IngestionStatus.FAILED);
    // No data file was touched, and the rows are the same.
    assertThat(onDisk()).isEqualTo(files);
    assertThat(rows(h.readDataset(DS))).isEqualTo(rows);

    // With a window of 0 the fresh FAILED one goes too; SUCCESS still stays.
    DatasetSweep now = only(sweep(Duration.ZERO, false));
    assertThat(failedFresh).doesNotExist();
    assertThat(keptDir).isDirectory();
    assertThat(removed(now)).contains(failedFresh).doesNotContain(keptDir);
    assertThat(SharedSpark.get().read().json(kept.quarantine().location()).count()).isEqualTo(1);
    assertThat(rows(h.readDataset(DS))).isEqualTo(rows);
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

  @Test
  void aDryRunRemovesNothingAndReportsWhatTheRealRunRemoves() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    Path quarantine = quarantineDir(failed().id(), Duration.ofHours(2));
    Set<Path> committed = onDisk();
    Path old = orphan("", Duration.ofHours(2));
    Path fresh = orphan("", Duration.ZERO);

    SweepResult dry = sweep(HOUR, true);

    assertThat(dry.dryRun()).isTrue();
    DatasetSweep d = only(dry);
    assertThat(old).exists();
    assertThat(checksum(old)).exists();
    assertThat(fresh).exists();
    assertThat(quarantine).isDirectory();
    assertThat(removed(d)).containsExactlyInAnyOrder(old, quarantine);
    assertThat(d.dataFilesRemoved()).isEqualTo(1);
    assertThat(d.quarantineDirectoriesRemoved()).isEqualTo(1);
    assertThat(d.bytesRemoved()).isEqualTo(Files.size(old) + bytesIn(quarantine));
    assertThat(onDisk()).isEqualTo(union(committed, Set.of(old, fresh)));
    assertThat(rows(h.readDataset(DS))).containsExactly("[AAPL,1.5]");

    SweepResult real = sweep(HOUR, false);

    assertThat(real.dryRun()).isFalse();
    assertThat(real.datasets()).isEqualTo(dry.datasets());
    assertThat(old).doesNotExist();
    assertThat(quarantine).doesNotExist();
    assertThat(onDisk()).isEqualTo(union(committed, Set.of(fresh)));
    assertThat(rows(h.readDataset(DS))).containsExactly("[AAPL,1.5]");
  }

  @Test
  void partitionFoldersAreSweptAndTheirCommittedFilesKept() throws Exception {
    // A dataset whose Delta table is partitioned by region (created by a plain Delta write with
    // the lineage column), then appended to by a changeset. One value needs escaping in the folder
    // name and URL-encoding in the log.
    StructType schema =
        new StructType()
            .add("region", DataTypes.StringType)
            .add("sym", DataTypes.StringType)
            .add("px", DataTypes.DoubleType);
    Dataset<Row> seed =
        SharedSpark.get()
            .createDataFrame(
                List.of(
                    RowFactory.create("EU", "SAP", 6.5),
                    RowFactory.create("US East:1", "IBM", 4.5)),
                schema)
            .withColumn("_habanero_changeset_id", lit("seed"));
    seed.write().format("delta").partitionBy("region").save(table().toString());
    Changeset c =
        csvChangeset(
            h, tmp, DS, ChangeType.APPEND, null, "region,sym,px\nEU,ASML,7.5\nUS East:1,GS,3.5\n");
    Set<Path> committed = onDisk();
    assertThat(committed)
        .hasSizeGreaterThanOrEqualTo(2)
        .allMatch(p -> p.getParent().getFileName().toString().startsWith("region="))
        .anyMatch(p -> p.getParent().getFileName().toString().startsWith("region=US East"));
    // Old enough that only the log's references protect them.
    committed.forEach(p -> age(p, Duration.ofHours(3)));
    Path oldEu = orphan("region=EU", Duration.ofHours(2));
    Path oldNew = orphan("region=APAC", Duration.ofHours(2));
    Path freshUs =
        orphan(
            committed.stream()
                .map(p -> p.getParent().getFileName().toString())
                .filter(n -> n.startsWith("region=US"))
                .findFirst()
                .get(),
            Duration.ZERO);
    List<String> all =
        sorted("[EU,SAP,6.5]", "[US East:1,IBM,4.5]", "[EU,ASML,7.5]", "[US East:1,GS,3.5]");
    assertThat(rows(h.readDataset(DS).select("region", "sym", "px"))).isEqualTo(all);

    DatasetSweep d = only(sweep(HOUR, false));

    assertThat(oldEu).doesNotExist();
    assertThat(checksum(oldEu)).doesNotExist();
    assertThat(oldNew).doesNotExist();
    assertThat(freshUs).exists();
    assertThat(removed(d)).containsExactlyInAnyOrder(oldEu, oldNew);
    assertThat(onDisk()).isEqualTo(union(committed, Set.of(freshUs)));
    assertThat(rows(h.readDataset(DS).select("region", "sym", "px"))).isEqualTo(all);
    assertThat(rows(h.readDataset(DS, c.id()).select("region", "sym", "px"))).isEqualTo(all);
  }

  @Test
  void aDatasetWhoseLogCannotBeReadIsReportedAndLeftUntouched() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    Set<Path> committed = onDisk();
    Path old = orphan("", Duration.ofHours(2));
    Path quarantine = quarantineDir(io.habanero.internal.Ids.newId(), Duration.ofHours(2));
    Path broken = table().resolve("_delta_log").resolve(String.format("%020d.json", 1));
    Files.writeString(broken, "{\"add\": not json\n");

    SweepResult r = sweep(Duration.ZERO, false);

    DatasetSweep d = r.datasets().get(0);
    assertThat(d.error()).contains("nothing removed").contains(broken.getFileName().toString());
    assertThat(d.removed()).isEmpty();
    assertThat(d.dataFilesRemoved()).isZero();
    assertThat(d.quarantineDirectoriesRemoved()).isZero();
    assertThat(old).exists();
    assertThat(quarantine).isDirectory();
    assertThat(onDisk()).isEqualTo(union(committed, Set.of(old)));
    // Once the log is whole again, the rows are intact, and the sweep does its work.
    Files.delete(broken);
    DeltaLog.clearCache();
    assertThat(rows(h.readDataset(DS))).containsExactly("[AAPL,1.5]");
    DatasetSweep again = only(sweep(Duration.ZERO, false));
    assertThat(removed(again)).containsExactlyInAnyOrder(old, quarantine);
    assertThat(onDisk()).isEqualTo(committed);
  }

  @Test
  void everyDatasetIsSweptWhenNoneIsNamedAndTheDefaultWindowIsTheSetting() throws Exception {
    csvChangeset(h, tmp, "a1", ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nGS,3.5\n");
    Path freshHere = orphan("", Duration.ofMinutes(5));
    Path otherTable = wh.resolve("datasets").resolve("a1");
    Path freshThere =
        otherTable.resolve("part-00000-" + UUID.randomUUID() + "-c000.snappy.parquet");
    Files.copy(freshHere, freshThere);
    age(freshThere, Duration.ofMinutes(5));

    // The default window (60 minutes) keeps both.
    SweepResult kept = h.sweep(new SweepRequest(null, null, false));
    assertThat(kept.datasets()).extracting(DatasetSweep::datasetId).containsExactly("a1", DS);
    assertThat(kept.dataFilesRemoved()).isZero();
    assertThat(freshHere).exists();
    assertThat(freshThere).exists();

    // A Habanero whose setting is 2 minutes removes both, from every dataset.
    try (Habanero two =
        Habanero.create(
            SharedSpark.get(),
            Map.of("warehouse", wh.toString(), "sweep.safety-window-minutes", "2"))) {
      SweepResult r = two.sweep(new SweepRequest(null, null, false));
      assertThat(r.dataFilesRemoved()).isEqualTo(2);
      assertThat(r.dataset("a1").removed()).hasSize(1);
      assertThat(r.dataset(DS).removed()).hasSize(1);
    }
    assertThat(freshHere).doesNotExist();
    assertThat(freshThere).doesNotExist();
    assertThat(rows(h.readDataset("a1"))).containsExactly("[AAPL,1.5]");
    assertThat(rows(h.readDataset(DS))).containsExactly("[GS,3.5]");
  }

  @Test
  void badRequestsAreRefused() {
    assertThatThrownBy(() -> h.sweep(new SweepRequest("nope", null, false)))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> h.sweep(new SweepRequest("../x", null, false)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("datasetId");
    assertThatThrownBy(() -> h.sweep(new SweepRequest(null, Duration.ofMinutes(-1), false)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("safetyWindow");
    assertThatThrownBy(
            () ->
                Habanero.create(
                    SharedSpark.get(),
                    Map.of("warehouse", wh.toString(), "sweep.safety-window-minutes", "-5")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("spark.habanero.sweep.safety-window-minutes");
  }

  @Test
  void anEmptyReplaceOrAFailureOnTheFirstRecordLeavesNoFileBehind() throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    Set<Path> committed = onDisk();
    Set<String> hidden = hiddenFiles();
    Path dir = Fixtures.freshDir(tmp);
    Fixtures.write(dir.resolve("header-only.csv"), "sym,px\n");

    Changeset c = h.createChangeset(csv(DS, ChangeType.REPLACE, dir).build()).changeset();

    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(c.errorInfo().errorMessage()).contains("no data rows");
    // Delta wrote an empty Parquet file for the write's only task, without an AddFile; the
    // failed changeset removed it and its checksum.
    assertThat(onDisk()).isEqualTo(committed);
    assertThat(hiddenFiles()).isEqualTo(hidden);
    assertThat(rows(h.readDataset(DS))).containsExactly("[AAPL,1.5]");

    // A fail-fast failure on the first record: the failed task's writer closed an empty file.
    failed();
    assertThat(onDisk()).isEqualTo(committed);
    assertThat(hiddenFiles()).isEqualTo(hidden);
    assertThat(rows(h.readDataset(DS))).containsExactly("[AAPL,1.5]");
  }

  @Test
  void anEmptyFileLeftWhileAnotherChangesetRunsIsTheSweepsAndTheOtherCommitsWhole()
      throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    Set<Path> committed = onDisk();
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("written") && first.getAndSet(false)) {
                written.countDown();
                release.await(60, TimeUnit.SECONDS);
              }
            });
    Path src = Fixtures.write(Fixtures.freshDir(tmp).resolve("b.csv"), "sym,px\nGS,3.5\n");
    ChangesetHandle other = h.submitChangeset(csv(DS, ChangeType.APPEND, src.getParent()).build());
    Set<Path> left;
    Set<Path> others;
    try {
      assertThat(written.await(60, TimeUnit.SECONDS)).isTrue();
      others = minus(onDisk(), committed);
      Path dir = Fixtures.freshDir(tmp);
      Fixtures.write(dir.resolve("header-only.csv"), "sym,px\n");
      Changeset empty = h.createChangeset(csv(DS, ChangeType.REPLACE, dir).build()).changeset();
      assertThat(empty.status()).isEqualTo(IngestionStatus.FAILED);
      // Another changeset was running, so the empty file could be its own: it is left.
      left = minus(onDisk(), union(committed, others));
      assertThat(left).hasSize(1);
    } finally {
      release.countDown();
    }
    Changeset end = other.await(Duration.ofSeconds(60));
    assertThat(end.status()).isEqualTo(IngestionStatus.SUCCESS);

    DatasetSweep d = only(sweep(Duration.ZERO, false));

    assertThat(removed(d)).isEqualTo(left);
    assertThat(onDisk()).isEqualTo(union(committed, others)).containsAll(current());
    assertThat(rows(h.readDataset(DS))).isEqualTo(sorted("[AAPL,1.5]", "[GS,3.5]"));
  }

  /**
   * Runs {@code loser} paused at its "written" checkpoint while {@code winner} commits, then lets
   * it commit on the stale snapshot, which Delta refuses.
   */
  private Changeset loseARace(io.habanero.model.CreateChangesetRequest loser, Runnable winner)
      throws Exception {
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("written") && first.getAndSet(false)) {
                written.countDown();
                release.await(60, TimeUnit.SECONDS);
              }
            });
    ChangesetHandle handle = h.submitChangeset(loser);
    try {
      assertThat(written.await(60, TimeUnit.SECONDS)).isTrue();
      winner.run();
    } finally {
      release.countDown();
    }
    return handle.await(Duration.ofSeconds(60));
  }

  @Test
  void aChangesetThatLosesACommitRaceLeavesNoFileBehind() throws Exception {
    Changeset target = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nAAPL,1.5\n");
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nGS,3.5\n");

    // A MODIFY that loses to another MODIFY of the same changeset cannot be applied again.
    Path fix = Fixtures.write(Fixtures.freshDir(tmp).resolve("f.csv"), "sym,px\nAAPL,1.75\n");
    Changeset lost =
        loseARace(
            csv(DS, ChangeType.MODIFY, fix.getParent()).updatesChangesetId(target.id()).build(),
            () -> csvChangeset(h, tmp, DS, ChangeType.MODIFY, target.id(), "sym,px\nAAPL,1.6\n"));
    assertThat(lost.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(lost.errorInfo().errorCategory()).isEqualTo(ErrorCategory.USER_RECOVERABLE);
    // Its files, the new rows and the rewrite of the modified changeset's files, are all gone:
    // every data file on disk is one that a version references.
    assertThat(onDisk()).isEqualTo(intersection(onDisk(), referencedByAnyVersion()));
    assertThat(rows(h.readDataset(DS))).isEqualTo(sorted("[AAPL,1.6]", "[GS,3.5]"));

    // A REPLACE that loses to an APPEND is applied again; its first attempt's file is gone.
    Path all = Fixtures.write(Fixtures.freshDir(tmp).resolve("r.csv"), "sym,px\nIBM,4.5\n");
    Changeset replaced =
        loseARace(
            csv(DS, ChangeType.REPLACE, all.getParent()).build(),
            () -> csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "sym,px\nSAP,6.5\n"));
    assertThat(replaced.status()).as("%s", replaced.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(onDisk()).isEqualTo(intersection(onDisk(), referencedByAnyVersion()));
    assertThat(rows(h.readDataset(DS))).containsExactly("[IBM,4.5]");
  }

  /** The hidden files (checksums) of the table directory, outside the log. */
  private Set<String> hiddenFiles() throws IOException {
    try (Stream<Path> s = Files.list(table())) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("."))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static Set<Path> union(Set<Path> a, Set<Path> b) {
    Set<Path> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  private static Set<Path> minus(Set<Path> a, Set<Path> b) {
    Set<Path> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }

  private static Set<Path> intersection(Set<Path> a, Set<Path> b) {
    Set<Path> out = new TreeSet<>(a);
    out.retainAll(b);
    return out;
  }
}
