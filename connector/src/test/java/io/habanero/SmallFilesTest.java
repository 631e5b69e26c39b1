package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.internal.ingest.SourceSnapshot;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.IngestionStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A storm of tiny source files must not become a storm of tiny output files. */
class SmallFilesTest {
  @TempDir Path tmp;

  @Test
  void aFileAddedToALargePrefixAfterTheSnapshotIsNotIngested() {
    Path wh = tmp.resolve("wh2");
    Path src = tmp.resolve("many");
    List<String> expected = new ArrayList<>();
    for (int f = 0; f < 40; f++) {
      Fixtures.write(
          src.resolve(String.format("part-%04d.csv", f)), "id,name\n" + f + ",n" + f + "\n");
      expected.add("[" + f + ",n" + f + "]");
    }
    try (Habanero h = Fixtures.habanero(wh)) {
      // After the snapshot was listed and before the source is read, a late file lands in the
      // prefix. Reading the prefix as a directory would pick it up; the fixed file set must not.
      h.service()
          .setCheckpoint(
              (phase, rec) -> {
                if (phase.equals("running")) {
                  Fixtures.write(src.resolve("part-late.csv"), "id,name\n999,late\n");
                }
              });
      Changeset cs =
          h.createChangeset(Fixtures.csv("late", ChangeType.APPEND, src).build()).changeset();

      assertThat(cs.status()).as(String.valueOf(cs.errorInfo())).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(Fixtures.rows(h.readDataset("late")))
          .containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  @Test
  void aNestedPrefixIsListedWithoutHiddenOrEmptyFilesAndMatchesSparksSpelling() {
    Path src = tmp.resolve("nested");
    Fixtures.write(src.resolve("a/part-1.csv"), "id\n1\n");
    Fixtures.write(src.resolve("b/c/part-2.csv"), "id\n2\n");
    Fixtures.write(src.resolve("_SUCCESS"), "x");
    Fixtures.write(src.resolve("_tmp/part-3.csv"), "id\n3\n");
    Fixtures.write(src.resolve(".part-4.csv.crc"), "x");
    Fixtures.write(src.resolve("empty.csv"), "");

    SourceSnapshot s = SourceSnapshot.list(src.toString(), new Configuration());

    assertThat(s.paths())
        .containsExactly(
            src.resolve("a/part-1.csv").toUri().toString().replace("file:///", "file:/"),
            src.resolve("b/c/part-2.csv").toUri().toString().replace("file:///", "file:/"));
    assertThat(s.totalBytes()).isEqualTo(10);
    // Spark's inputFiles() spells local paths file:///…; the snapshot's own are file:/….
    String[] spark = {
      src.resolve("b/c/part-2.csv").toUri().toString(),
      src.resolve("a/part-1.csv").toUri().toString()
    };
    assertThat(spark[0]).startsWith("file:///");
    assertThat(s.sameFiles(spark)).isTrue();
    assertThat(s.sameFiles(new String[] {spark[0]})).as("a file missing").isFalse();
    assertThat(s.sameFiles(new String[] {spark[0], spark[1].replace("part-1", "part-9")}))
        .as("a different file")
        .isFalse();
  }

  @Test
  void manySmallFilesMakeOneVersionWithFewOutputFiles() {
    Path wh = tmp.resolve("wh");
    Path src = tmp.resolve("storm");
    int files = 300;
    List<String> expected = new ArrayList<>();
    for (int f = 0; f < files; f++) {
      StringBuilder sb = new StringBuilder("id,name\n");
      for (int r = 0; r < 3; r++) {
        int id = f * 3 + r;
        sb.append(id).append(",n").append(id).append('\n');
        expected.add("[" + id + ",n" + id + "]");
      }
      Fixtures.write(src.resolve(String.format("part-%04d.csv", f)), sb.toString());
    }
    try (Habanero h = Fixtures.habanero(wh)) {
      Changeset cs =
          h.createChangeset(Fixtures.csv("storm", ChangeType.APPEND, src).build()).changeset();

      assertThat(cs.status()).as(String.valueOf(cs.errorInfo())).isEqualTo(IngestionStatus.SUCCESS);
      // Every row of every file arrived, once.
      assertThat(Fixtures.rows(h.readDataset("storm")))
          .containsExactlyInAnyOrderElementsOf(expected);
      // One changeset is one Delta version (version 0 of a new table).
      assertThat(Fixtures.latestVersion(wh, "storm")).isZero();
      // Without packing, Spark's 4 MB open cost would plan ~10 partitions for 300 files; the
      // output is bounded by the session's parallelism (2) instead.
      assertThat(Fixtures.referencedFiles(wh, "storm")).hasSizeLessThanOrEqualTo(2);
    }
  }
}
