package io.habanero;

import static io.habanero.Fixtures.csvChangeset;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.internal.delta.DeltaLogFiles;
import io.habanero.internal.delta.DeltaLogFiles.CommitFile;
import io.habanero.internal.delta.DeltaLogFiles.HabaneroCommit;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one hand reader of {@code _delta_log}: a commit file's changeset, files and time, read
 * without listing the log, and nothing for a version the table does not have.
 */
class DeltaLogFilesTest {
  private static final String DS = "logfiles";

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

  private static Configuration conf() {
    return SharedSpark.get().sessionState().newHadoopConf();
  }

  @Test
  void aCommitFileNamesItsChangesetItsFilesAndItsTime() throws Exception {
    Changeset a = csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id,px\n1,1.5\n");
    Changeset m = csvChangeset(h, tmp, DS, ChangeType.MODIFY, a.id(), "id,px\n2,2.5\n");
    org.apache.hadoop.fs.Path table = h.service().warehouse().datasetPath(DS);

    CommitFile first = DeltaLogFiles.readCommit(conf(), table, 0).orElseThrow();
    assertThat(first.version()).isZero();
    assertThat(first.habanero()).contains(new HabaneroCommit(DS, a.id(), "APPEND", null));
    assertThat(first.commitInfo().orElseThrow().operation()).isEqualTo("WRITE");
    assertThat(first.added()).hasSize(1).allMatch(p -> p.endsWith(".parquet"));
    assertThat(first.removed()).isEmpty();

    CommitFile modify = DeltaLogFiles.readCommit(conf(), table, 1).orElseThrow();
    assertThat(modify.habanero()).contains(new HabaneroCommit(DS, m.id(), "MODIFY", a.id()));
    // The MODIFY replaced the file of the changeset it modifies.
    assertThat(modify.removed()).containsExactlyElementsOf(first.added());

    Path file =
        Path.of(table.toUri()).resolve("_delta_log").resolve(String.format("%020d.json", 1));
    long mtime = Files.getLastModifiedTime(file).toMillis();
    assertThat(modify.modificationTime()).isEqualTo(mtime);
    assertThat(DeltaLogFiles.commitTime(conf(), table, 1)).hasValue(mtime);

    List<CommitFile> after = DeltaLogFiles.commitsAfter(conf(), table, 0);
    assertThat(after).extracting(CommitFile::version).containsExactly(1L);
  }

  @Test
  void aVersionTheTableDoesNotHaveIsEmpty() {
    csvChangeset(h, tmp, DS, ChangeType.APPEND, null, "id\n1\n");
    org.apache.hadoop.fs.Path table = h.service().warehouse().datasetPath(DS);
    assertThat(DeltaLogFiles.readCommit(conf(), table, 7)).isEmpty();
    assertThat(DeltaLogFiles.commitTime(conf(), table, 7)).isEmpty();
    org.apache.hadoop.fs.Path none = h.service().warehouse().datasetPath("nosuch");
    assertThat(DeltaLogFiles.readCommit(conf(), none, 0)).isEmpty();
    assertThat(DeltaLogFiles.commitsAfter(conf(), none, -1)).isEmpty();
  }
}
