package io.habanero;

import static io.habanero.Fixtures.csv;
import static io.habanero.Fixtures.csvChangeset;
import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.IngestionStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a changeset after its data files are written but before the commit: it ends FAILED with
 * CANCELLED and changes nothing, whichever process asked.
 */
class StopChangesetTest {
  private static final String DS = "fx";

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
  void stopRequestedWhileFilesAreWrittenCancelsWithoutChangingData() throws Exception {
    assertStopIsHonoured((stopper, id) -> stopper.requestStop(DS, id), false);
  }

  @Test
  void stopRequestedThroughAnotherInstanceIsHonoured() throws Exception {
    assertStopIsHonoured((stopper, id) -> stopper.requestStop(DS, id), true);
  }

  private void assertStopIsHonoured(
      BiFunction<Habanero, String, ChangesetSummary> stop, boolean fromOtherInstance)
      throws Exception {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "pair,rate\nEURUSD,1.1\n");
    long version = Fixtures.latestVersion(wh, DS);
    List<String> referenced = Fixtures.referencedFiles(wh, DS);
    List<String> onDisk = Fixtures.parquetFilesOnDisk(wh, DS);

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
            Fixtures.freshDir(tmp).resolve("b.csv"), "pair,rate\nGBPUSD,1.3\nUSDJPY,150.0\n");
    ChangesetHandle handle = h.submitChangeset(csv(DS, ChangeType.APPEND, src.getParent()).build());
    assertThat(written.await(60, TimeUnit.SECONDS)).as("reached the written checkpoint").isTrue();
    // The new data files exist now, uncommitted: the stop must remove them again.
    assertThat(Fixtures.parquetFilesOnDisk(wh, DS)).hasSizeGreaterThan(onDisk.size());

    Habanero stopper = fromOtherInstance ? Fixtures.habanero(wh) : h;
    try {
      ChangesetSummary asked = stop.apply(stopper, handle.changesetId());
      // While the run is paused, every reader sees the request, the asker and the owner alike.
      assertThat(asked.status()).isEqualTo(IngestionStatus.STOP_REQUESTED);
      assertThat(stopper.getChangeset(new GetChangesetRequest(DS, handle.changesetId())).status())
          .isEqualTo(IngestionStatus.STOP_REQUESTED);
      assertThat(h.getChangeset(new GetChangesetRequest(DS, handle.changesetId())).status())
          .isEqualTo(IngestionStatus.STOP_REQUESTED);
      assertThat(handle.isDone()).isFalse();
    } finally {
      release.countDown();
    }

    Changeset end = handle.await(Duration.ofSeconds(60));
    assertThat(end).as("ended").isNotNull();
    // Stopped before the commit: FAILED with CANCELLED, not SUCCESS and not some other failure.
    assertThat(end.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(end.errorInfo().errorCategory()).isEqualTo(ErrorCategory.CANCELLED);
    assertThat(end.errorInfo().errorMessage()).contains("Stopped on request");
    ChangesetSummary seen = stopper.getChangeset(new GetChangesetRequest(DS, handle.changesetId()));
    assertThat(seen.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(seen.errorInfo().errorCategory()).isEqualTo(ErrorCategory.CANCELLED);
    if (fromOtherInstance) {
      stopper.close();
    }
    // Nothing changed: same version, same rows, same referenced files, and the files written for
    // the stopped changeset are gone from disk.
    assertThat(Fixtures.latestVersion(wh, DS)).isEqualTo(version);
    assertThat(rows(h.readDataset(DS))).containsExactly("[EURUSD,1.1]");
    assertThat(Fixtures.referencedFiles(wh, DS)).isEqualTo(referenced);
    assertThat(Fixtures.parquetFilesOnDisk(wh, DS)).isEqualTo(onDisk);
  }
}
