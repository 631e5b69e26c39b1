package io.habanero;

import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.FaultyFileSystem.Op;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.IngestionStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit protocol's three outcomes on a real Delta table whose file system fails on cue ({@link
 * FaultyFileSystem}), and its concurrency rules with real concurrent changesets: a certain failure
 * changes nothing and cleans up, an unknown outcome is reconciled from the Delta log without
 * deleting anything, a commit that landed is SUCCESS whatever fails after it, and a lost commit
 * race is applied again or named.
 */
class CommitOutcomeTest {
  private static final String DS = "trades";

  @TempDir Path tmp;
  private Path wh;
  private Habanero h;

  @BeforeEach
  void open() {
    FaultyFileSystem.reset();
    wh = tmp.resolve("wh");
  }

  @AfterEach
  void close() {
    FaultyFileSystem.reset();
    if (h != null) {
      h.service().setCheckpoint(null);
      h.close();
    }
  }

  /** A Habanero whose warehouse is on the faulty file system. */
  private Habanero faulty(Map<String, String> more) {
    Map<String, String> settings = new java.util.HashMap<>(more);
    settings.put("warehouse", FaultyFileSystem.SCHEME + "://" + wh.toAbsolutePath());
    // One writer: Delta's LocalLogStore is not safe for several, which Habanero refuses unless
    // acknowledged.
    settings.put("s3.single-writer", "true");
    return Habanero.create(SharedSpark.get(), settings);
  }

  /**
   * A CSV source staged in a working location of the warehouse, as a user stages one (on a
   * warehouse that is not local, the path rules allow no other root).
   */
  private String source(String name, String csv) {
    String location =
        h.getWorkingLocation(
                new io.habanero.model.GetWorkingLocationRequest(
                    io.habanero.model.LocationType.INGESTION))
            .s3Uri();
    Path dir = Path.of(java.net.URI.create(location).getPath());
    Fixtures.write(dir.resolve(name + ".csv"), csv);
    return location + (location.endsWith("/") ? "" : "/") + name + ".csv";
  }

  private Changeset create(ChangeType type, String src, String updates, String token) {
    return h.createChangeset(
            io.habanero.model.CreateChangesetRequest.builder()
                .datasetId(DS)
                .changeType(type)
                .s3SourcePath(src)
                .formatType(FormatType.CSV)
                .updatesChangesetId(updates)
                .clientToken(token)
                .build())
        .changeset();
  }

  private List<String> rows() {
    return h.readDataset(DS).collectAsList().stream()
        .map(Row::toString)
        .sorted()
        .collect(Collectors.toList());
  }

  /** Every Parquet data file in the table directory. */
  private Set<String> dataFiles() {
    try (Stream<Path> s = Files.walk(wh.resolve("datasets").resolve(DS))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(p -> !p.toString().contains("_delta_log"))
          .map(p -> p.getFileName().toString())
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The data files some Delta version references (every add action of every commit). */
  private Set<String> referencedFiles() {
    try (Stream<Path> s = Files.list(wh.resolve("datasets").resolve(DS).resolve("_delta_log"))) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json"))
          .flatMap(
              p -> {
                try {
                  return Files.readAllLines(p).stream();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .filter(l -> l.startsWith("{\"add\""))
          .map(l -> l.replaceAll("^\\{\"add\":\\{\"path\":\"([^\"]+)\".*$", "$1"))
          .map(p -> p.substring(p.lastIndexOf('/') + 1))
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long commits() {
    try (Stream<Path> s = Files.list(wh.resolve("datasets").resolve(DS).resolve("_delta_log"))) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ChangesetRecord record(String id) {
    return h.service().log().find(DS, id).orElseThrow();
  }

  @Test
  void aDataFileThatCannotBeCreatedFailsTheChangesetAndChangesNothing() {
    h = faulty(Map.of());
    Changeset first = create(ChangeType.APPEND, source("a", "id,px\n1,1.5\n2,2.5\n"), null, null);
    assertThat(first.status()).as("%s", first.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    FaultyFileSystem.failBefore(Op.CREATE, "/datasets/" + DS + "/part-.*\\.parquet$", 1);
    Changeset c = create(ChangeType.APPEND, source("b", "id,px\n3,3.5\n"), null, null);
    assertThat(FaultyFileSystem.fired()).isEqualTo(1);
    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    // Storage failing under Habanero is infrastructure, not the user's data: INTERNAL, retry.
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    assertThat(c.errorInfo().errorMessage()).contains("injected fault", "Fix: retry");
    assertThat(rows()).containsExactly("[1,1.5]", "[2,2.5]");
    assertThat(commits()).isEqualTo(1);
  }

  @Test
  void aCommitFileThatCannotBeWrittenIsFailedWithoutDeletingItsFiles() {
    h = faulty(Map.of());
    create(ChangeType.APPEND, source("a", "id,px\n1,1.5\n"), null, null);
    Set<String> before = dataFiles();
    FaultyFileSystem.failBefore(Op.RENAME, "_delta_log/\\d{20}\\.json$", 1);
    Changeset c = create(ChangeType.APPEND, source("b", "id,px\n3,3.5\n"), null, null);
    assertThat(FaultyFileSystem.fired()).isEqualTo(1);
    // The log shows the commit did not land: FAILED, and the data is as before.
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.FAILED);
    assertThat(rows()).containsExactly("[1,1.5]");
    assertThat(commits()).isEqualTo(1);
    // The outcome was unknown when the call failed, so nothing was deleted: the attempt's file
    // is still there, unreferenced, for the sweep.
    Set<String> orphans = new java.util.HashSet<>(dataFiles());
    orphans.removeAll(before);
    assertThat(orphans).hasSize(1);
    assertThat(referencedFiles()).doesNotContainAnyElementsOf(orphans);
  }

  @Test
  void aCommitThatLandedBeforeItsCallFailedIsSuccessWithItsRowsOnce() {
    h = faulty(Map.of());
    create(ChangeType.APPEND, source("a", "id,px\n1,1.5\n"), null, null);
    FaultyFileSystem.failAfterRename("_delta_log/\\d{20}\\.json$", 1);
    String b = source("b", "id,px\n3,3.5\n");
    Changeset c = create(ChangeType.APPEND, b, null, "tok-1");
    assertThat(FaultyFileSystem.fired()).isEqualTo(1);
    // Before: FAILED, although the commit had landed and its rows were visible.
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(record(c.id()).deltaVersion).isEqualTo(1L);
    assertThat(rows()).containsExactly("[1,1.5]", "[3,3.5]");
    // A retry with the same client token is the same changeset, and lands nothing twice.
    Changeset again = create(ChangeType.APPEND, b, null, "tok-1");
    assertThat(again.id()).isEqualTo(c.id());
    assertThat(rows()).containsExactly("[1,1.5]", "[3,3.5]");
    assertThat(commits()).isEqualTo(2);
    // The commit carries the changeset's SetTransaction, so it can never be committed twice.
    assertThat(
            io.delta.tables.DeltaTable.forPath(
                    SharedSpark.get(),
                    FaultyFileSystem.SCHEME + "://" + wh.resolve("datasets/" + DS))
                .history()
                .count())
        .isEqualTo(2);
  }

  @Test
  void aSuccessRecordThatCannotBeWrittenIsResolvedToSuccessNeverFailed() {
    h = faulty(Map.of("changeset.lease-timeout-seconds", "1"));
    create(ChangeType.APPEND, source("a", "id,px\n1,1.5\n"), null, null);
    AtomicBoolean armed = new AtomicBoolean();
    h.service()
        .setCheckpoint(
            (phase, r) -> {
              if (phase.equals("committing") && armed.compareAndSet(false, true)) {
                // From here on, every write of this changeset's record fails.
                FaultyFileSystem.failFrom(
                    Op.CREATE, "/changesets/" + DS + "/" + r.changesetId + "\\.json$", 1);
              }
            });
    Changeset c = create(ChangeType.APPEND, source("b", "id,px\n3,3.5\n"), null, null);
    assertThat(FaultyFileSystem.fired()).isGreaterThanOrEqualTo(1);
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    FaultyFileSystem.reset();
    // The record on disk could not be updated; once its lease is over, any reader resolves it
    // from the Delta log, to SUCCESS with its version.
    await(
        () ->
            h.getChangeset(new GetChangesetRequest(DS, c.id())).status()
                == IngestionStatus.SUCCESS);
    assertThat(record(c.id()).deltaVersion).isEqualTo(1L);
    assertThat(rows()).containsExactly("[1,1.5]", "[3,3.5]");
  }

  @Test
  void aWriteJobThatFailsMidwayRemovesTheFilesItsFinishedTasksWrote() {
    h = Fixtures.habanero(wh);
    createOk(h, request(DS, ChangeType.APPEND, dir("a", "id,px\n1,1.5\n"), FormatType.CSV).build());
    // Two files, two tasks: one writes its rows, the other meets a value that is not an INT and
    // fails the job (FAILFAST), after the first task's file is complete.
    Path src = tmp.resolve("src").resolve("mixed");
    StringBuilder good = new StringBuilder("id,px\n");
    for (int i = 2; i < 2000; i++) {
      good.append(i).append(',').append(i).append(".5\n");
    }
    Fixtures.write(src.resolve("a-good.csv"), good.toString());
    Fixtures.write(src.resolve("b-bad.csv"), "id,px\n2000,1.5\nnot-a-number,2.5\n");
    Changeset c =
        h.createChangeset(request(DS, ChangeType.APPEND, src, FormatType.CSV).build()).changeset();
    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(rows()).containsExactly("[1,1.5]");
    // Before: the finished task's file, holding good rows, stayed in the table directory until a
    // sweep. A certain failure removes it at once.
    assertThat(referencedFiles()).containsAll(dataFiles());
  }

  @Test
  void aReplaceThatLosesToAConcurrentAppendIsAppliedAgainAndLeavesNoFiles() throws Exception {
    h = Fixtures.habanero(wh);
    String ds = DS;
    createOk(h, request(ds, ChangeType.APPEND, dir("a", "id,px\n1,1.5\n"), FormatType.CSV).build());
    Pause pause = new Pause(r -> r.changeType == ChangeType.REPLACE);
    h.service().setCheckpoint(pause);
    ChangesetHandle replace =
        h.submitChangeset(
            request(ds, ChangeType.REPLACE, dir("r", "id,px\n9,9.5\n"), FormatType.CSV).build());
    pause.awaitReached();
    Changeset append =
        createOk(
            h, request(ds, ChangeType.APPEND, dir("b", "id,px\n2,2.5\n"), FormatType.CSV).build());
    pause.release();
    Changeset r = replace.await();
    // REPLACE replaces whatever came before it, the concurrent APPEND included.
    assertThat(r.status()).as("%s", r.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(rows()).containsExactly("[9,9.5]");
    ChangesetRecord rec = record(r.id());
    assertThat(rec.commitAttempts).isEqualTo(2);
    assertThat(rec.conflictsWith).singleElement().asString().contains(append.id());
    assertThat(record(r.id()).deltaVersion).isGreaterThan(record(append.id()).deltaVersion);
    // The lost attempt's files were removed at once: every data file is referenced.
    assertThat(referencedFiles()).containsAll(dataFiles());
  }

  @Test
  void aModifyThatLosesToAModifyOfTheSameTargetFailsNamingTheWinner() throws Exception {
    h = Fixtures.habanero(wh);
    Changeset target =
        createOk(
            h, request(DS, ChangeType.APPEND, dir("a", "id,px\n1,1.5\n"), FormatType.CSV).build());
    createOk(h, request(DS, ChangeType.APPEND, dir("b", "id,px\n2,2.5\n"), FormatType.CSV).build());
    Pause pause = new Pause(r -> r.changeType == ChangeType.MODIFY);
    h.service().setCheckpoint(pause);
    ChangesetHandle loser =
        h.submitChangeset(
            request(DS, ChangeType.MODIFY, dir("m1", "id,px\n10,10.5\n"), FormatType.CSV)
                .updatesChangesetId(target.id())
                .build());
    pause.awaitReached();
    Changeset winner =
        createOk(
            h,
            request(DS, ChangeType.MODIFY, dir("m2", "id,px\n20,20.5\n"), FormatType.CSV)
                .updatesChangesetId(target.id())
                .build());
    pause.release();
    Changeset l = loser.await();
    assertThat(l.status()).isEqualTo(IngestionStatus.FAILED);
    // The model's category for a conflict; the CLI exits 5 on it.
    assertThat(l.errorInfo().errorCategory()).isEqualTo(ErrorCategory.USER_RECOVERABLE);
    assertThat(l.errorInfo().errorMessage())
        .contains(
            "lost a concurrent commit",
            winner.id(),
            "version " + record(winner.id()).deltaVersion,
            "superseded",
            "Fix:");
    assertThat(rows()).containsExactly("[2,2.5]", "[20,20.5]");
    // The loser's own data file is gone. What is left unreferenced is one empty file per MODIFY
    // attempt: Delta's replaceWhere rewrites the replaced changeset's files with the rows that
    // remain (none), and Spark writes a file even for none, which Delta does not add. No rows are
    // in them; the sweep removes them.
    Set<String> unreferenced = new java.util.HashSet<>(dataFiles());
    unreferenced.removeAll(referencedFiles());
    assertThat(unreferenced).hasSizeLessThanOrEqualTo(2);
    for (String f : unreferenced) {
      assertThat(
              SharedSpark.get()
                  .read()
                  .parquet(wh.resolve("datasets").resolve(DS).resolve(f).toString())
                  .count())
          .as(f)
          .isZero();
    }
  }

  @Test
  void twoFirstChangesetsRacingToCreateADatasetBothSucceed() throws Exception {
    h = Fixtures.habanero(wh);
    Pause pause = new Pause(r -> true);
    h.service().setCheckpoint(pause);
    ChangesetHandle first =
        h.submitChangeset(
            request(DS, ChangeType.APPEND, dir("a", "id,px\n1,1.5\n"), FormatType.CSV).build());
    pause.awaitReached();
    Changeset second =
        createOk(
            h, request(DS, ChangeType.APPEND, dir("b", "id,px\n2,2.5\n"), FormatType.CSV).build());
    pause.release();
    Changeset f = first.await();
    // Before: FAILED with DELTA_PROTOCOL_CHANGED. Now applied again on the table the other made.
    assertThat(f.status()).as("%s", f.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(record(f.id()).commitAttempts).isEqualTo(2);
    assertThat(record(f.id()).conflictsWith.get(0)).contains(second.id());
    assertThat(rows()).containsExactly("[1,1.5]", "[2,2.5]");
    assertThat(referencedFiles()).containsAll(dataFiles());
  }

  /**
   * Holds the first changeset that reaches its commit and matches {@code which}, its files written,
   * until released: the other changeset of a race commits meanwhile.
   */
  private static final class Pause
      implements io.habanero.internal.ingest.ChangesetRunner.Checkpoint {
    private final java.util.function.Predicate<ChangesetRecord> which;
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean once = new AtomicBoolean();

    Pause(java.util.function.Predicate<ChangesetRecord> which) {
      this.which = which;
    }

    @Override
    public void reached(String phase, ChangesetRecord r) throws InterruptedException {
      if (phase.equals("committing") && which.test(r) && once.compareAndSet(false, true)) {
        reached.countDown();
        released.await(60, TimeUnit.SECONDS);
      }
    }

    void awaitReached() throws InterruptedException {
      assertThat(reached.await(60, TimeUnit.SECONDS)).isTrue();
    }

    void release() {
      released.countDown();
    }
  }

  private Path dir(String name, String csv) {
    Path d = tmp.resolve("src").resolve(name);
    Fixtures.write(d.resolve("part.csv"), csv);
    return d;
  }

  private static void await(java.util.function.BooleanSupplier done) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within 30 s");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
