package io.habanero.internal.delta;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.internal.Json;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * The one reader of Delta's JSON log files by hand: a table's commit files {@code
 * _delta_log/<version, 20 digits>.json}, and the JSON checkpoints, sidecars and unbackfilled
 * commits that {@link DeltaFiles#referenced} reads with the same parser. Each line of such a file
 * is one action; only those Habanero reads are parsed: {@code commitInfo} (with the commit metadata
 * that names a changeset, see {@link DeltaCommit#userMetadata}) and the {@code path} of {@code
 * add}, {@code remove} and {@code cdc}.
 *
 * <p>A commit's time is its commit file's modification time, as Delta itself uses.
 */
public final class DeltaLogFiles {
  /** Delta's commit files. */
  static final Pattern COMMIT = Pattern.compile("\\d{20}\\.json");

  private DeltaLogFiles() {}

  /**
   * The changeset that a commit's metadata names.
   *
   * @param updatesChangesetId for a MODIFY, the changeset it modified; null otherwise (and for
   *     commits made before this was recorded)
   */
  public record HabaneroCommit(
      String datasetId, String changesetId, String changeType, String updatesChangesetId) {}

  /**
   * A commit's {@code commitInfo} action.
   *
   * @param timestamp its {@code timestamp}, or null
   * @param operation its {@code operation}, e.g. {@code WRITE}, or null
   * @param userMetadata its {@code userMetadata} text, or null when it has none
   * @param habanero the changeset named in {@code userMetadata} (its {@code habanero} object), or
   *     empty for a commit that Habanero did not make
   */
  public record CommitInfo(
      Long timestamp, String operation, String userMetadata, Optional<HabaneroCommit> habanero) {}

  /**
   * One commit file.
   *
   * @param modificationTime the file's modification time: the commit's time, as Delta uses
   * @param commitInfo its commitInfo action, if it has one
   * @param added the {@code add} paths, as written in the log (see {@link DeltaFiles#resolve})
   * @param removed the {@code remove} paths
   * @param cdc the {@code cdc} paths
   */
  public record CommitFile(
      long version,
      long modificationTime,
      Optional<CommitInfo> commitInfo,
      List<String> added,
      List<String> removed,
      List<String> cdc) {
    /** The changeset this commit's metadata names, if Habanero made it. */
    public Optional<HabaneroCommit> habanero() {
      return commitInfo.flatMap(CommitInfo::habanero);
    }
  }

  /** The commit file of {@code version}: {@code <table>/_delta_log/<version, 20 digits>.json}. */
  public static Path commitPath(Path table, long version) {
    return new Path(new Path(table, "_delta_log"), String.format("%020d.json", version));
  }

  /**
   * Reads one commit file: one status call and one read, no listing.
   *
   * @return empty when the table has no such version (never written, or removed by log cleanup)
   * @throws UncheckedIOException when the file exists but cannot be read or parsed
   */
  public static Optional<CommitFile> readCommit(Configuration conf, Path table, long version) {
    Path file = commitPath(table, version);
    try {
      FileSystem fs = file.getFileSystem(conf);
      FileStatus status;
      try {
        status = fs.getFileStatus(file);
      } catch (FileNotFoundException e) {
        return Optional.empty();
      }
      return Optional.of(read(fs, status, version));
    } catch (FileNotFoundException e) {
      return Optional.empty(); // removed between the status call and the read
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  /**
   * When {@code version} was committed: its commit file's modification time, as Delta itself uses.
   *
   * @return empty when the table has no such version
   * @throws UncheckedIOException when the file's status cannot be read
   */
  public static OptionalLong commitTime(Configuration conf, Path table, long version) {
    Path file = commitPath(table, version);
    try {
      return OptionalLong.of(file.getFileSystem(conf).getFileStatus(file).getModificationTime());
    } catch (FileNotFoundException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  /**
   * Reads the commit files after {@code afterVersion}, oldest first, until {@code stop} accepts
   * one. Lists {@code _delta_log} once; a table without one has none.
   *
   * @throws UncheckedIOException when the log cannot be listed or a commit file read
   */
  public static void scan(
      Configuration conf, Path table, long afterVersion, Predicate<CommitFile> stop) {
    Path logDir = new Path(table, "_delta_log");
    try {
      FileSystem fs = logDir.getFileSystem(conf);
      FileStatus[] files;
      try {
        files = fs.listStatus(logDir, p -> COMMIT.matcher(p.getName()).matches());
      } catch (FileNotFoundException e) {
        return;
      }
      List<FileStatus> sorted = new ArrayList<>(List.of(files));
      sorted.sort(Comparator.comparing(f -> f.getPath().getName()));
      for (FileStatus f : sorted) {
        long v = Long.parseLong(f.getPath().getName().substring(0, 20));
        if (v > afterVersion && stop.test(read(fs, f, v))) {
          return;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the Delta log of " + table, e);
    }
  }

  /** The commit files after {@code afterVersion}, oldest first. */
  public static List<CommitFile> commitsAfter(Configuration conf, Path table, long afterVersion) {
    List<CommitFile> out = new ArrayList<>();
    scan(
        conf,
        table,
        afterVersion,
        c -> {
          out.add(c);
          return false;
        });
    return out;
  }

  private static CommitFile read(FileSystem fs, FileStatus status, long version)
      throws IOException {
    // The status is handed over, so an object store is not asked for it a second time.
    try (FSDataInputStream in =
        FutureIO.awaitFuture(fs.openFile(status.getPath()).withFileStatus(status).build())) {
      Actions a = parse(in);
      return new CommitFile(
          version,
          status.getModificationTime(),
          Optional.ofNullable(a.commitInfo),
          List.copyOf(a.added),
          List.copyOf(a.removed),
          List.copyOf(a.cdc));
    }
  }

  /** The actions of one JSON log file that Habanero reads. */
  static final class Actions {
    CommitInfo commitInfo;
    final List<String> added = new ArrayList<>();
    final List<String> removed = new ArrayList<>();
    final List<String> cdc = new ArrayList<>();

    /** Every file path the actions name: added, removed and cdc. */
    List<String> paths() {
      List<String> all = new ArrayList<>(added);
      all.addAll(removed);
      all.addAll(cdc);
      return all;
    }
  }

  /** Reads the actions of the JSON log file {@code file} (a commit, checkpoint or sidecar). */
  static Actions read(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return parse(in);
    }
  }

  private static Actions parse(InputStream in) throws IOException {
    Actions out = new Actions();
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode node = Json.MAPPER.readTree(line);
      text(node.path("add").path("path"), out.added);
      text(node.path("remove").path("path"), out.removed);
      text(node.path("cdc").path("path"), out.cdc);
      JsonNode info = node.path("commitInfo");
      if (info.isObject() && out.commitInfo == null) {
        out.commitInfo = commitInfo(info);
      }
    }
    return out;
  }

  private static void text(JsonNode n, List<String> out) {
    if (n.isTextual()) {
      out.add(n.asText());
    }
  }

  private static CommitInfo commitInfo(JsonNode info) throws IOException {
    JsonNode meta = info.path("userMetadata");
    String userMetadata = meta.isTextual() ? meta.asText() : null;
    Optional<HabaneroCommit> habanero = Optional.empty();
    if (userMetadata != null) {
      JsonNode named = Json.MAPPER.readTree(userMetadata).path("habanero");
      if (named.isObject()) {
        habanero =
            Optional.of(
                new HabaneroCommit(
                    named.path("datasetId").asText(null),
                    named.path("changesetId").asText(),
                    named.path("changeType").asText(),
                    named.hasNonNull("updatesChangesetId")
                        ? named.path("updatesChangesetId").asText()
                        : null));
      }
    }
    return new CommitInfo(
        info.path("timestamp").isNumber() ? info.path("timestamp").asLong() : null,
        info.path("operation").isTextual() ? info.path("operation").asText() : null,
        userMetadata,
        habanero);
  }
}
