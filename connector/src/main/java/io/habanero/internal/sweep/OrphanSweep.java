package io.habanero.internal.sweep;

import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.Messages;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.delta.DeltaFiles;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.IngestionStatus;
import io.habanero.model.SweepResult;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The sweep: removes what failed and killed changesets left in the warehouse, and nothing that a
 * Delta version or a running changeset may still need. It runs on demand only ({@code
 * Habanero#sweep}, CLI {@code habanero sweep}); nothing runs it in the background.
 *
 * <p>Where leftovers come from: a certain failure deletes its own files at once (see {@code
 * ChangesetRunner}), but a process that is killed, a Spark write job that fails midway (its
 * finished tasks' files are in no action list), a commit whose outcome was unknown, and Delta's
 * empty file for a task without rows (Delta drops its AddFile) leave data files that no version
 * references; a killed QUARANTINE changeset leaves its quarantine directory; a process killed while
 * publishing a record leaves a hidden temporary file beside it.
 *
 * <p>The rules, per dataset, with {@code window} the request's safety window (default: setting
 * {@code sweep.safety-window-minutes}, 60):
 *
 * <ol>
 *   <li><b>Referenced</b> files are every file that any available Delta version references: the
 *       {@code add}, {@code remove} and {@code cdc} paths of every commit file still in {@code
 *       _delta_log}, of every checkpoint and its sidecars, and the current snapshot's files (see
 *       {@link DeltaFiles#referenced}). A referenced file is never removed, so time travel to every
 *       SUCCESS changeset keeps working; there is no retention option.
 *   <li>A <b>data file</b> (a visible {@code .parquet} file anywhere under the table directory,
 *       partition folders included, outside hidden directories such as {@code _delta_log}) is
 *       removed, with its checksum sibling {@code .<name>.crc}, only if it is unreferenced, its
 *       modification time is older than {@code now - window}, and older than the start ({@code
 *       createTime}) of every PENDING, RUNNING or STOP_REQUESTED changeset of the dataset, less
 *       {@value #CLOCK_ALLOWANCE_MILLIS} ms for clock differences between hosts (such a changeset
 *       may own any file written after it started). Reading the records resolves changesets whose
 *       owner died, so only live owners protect files; a live owner's files are kept whatever the
 *       window.
 *   <li>A <b>quarantine directory</b> {@code <warehouse>/quarantine/<ds>/<cs>/} is removed only if
 *       changeset {@code cs} is FAILED or has no record, and nothing in it is newer than {@code now
 *       - window}. That of a SUCCESS changeset, or of a running one, is never removed.
 *   <li>A hidden temporary <b>record file</b> ({@code .<name>…tmp} in {@code
 *       <warehouse>/changesets/<ds>/} or its {@code _tokens/}, left by a process killed while
 *       publishing a record) is removed under the data-file rule, and only when at least {@value
 *       #MIN_TEMPORARY_AGE_MILLIS} ms old (a live one exists for milliseconds).
 *   <li>Nothing of a dataset is removed when its Delta log or its changeset records cannot be read
 *       completely: the dataset is reported with the error instead.
 * </ol>
 *
 * <p>Order, so that nothing written concurrently is mistaken for a leftover: the files on disk are
 * listed first; then the changeset records are read; then the Delta log. A changeset records
 * PENDING before it writes any file, and SUCCESS only after its commit landed, so each listed file
 * is either referenced by the log read afterwards, protected by a changeset seen running, or
 * garbage. Files written by a writer that is not a Habanero changeset (a plain Delta job on the
 * dataset's table) are protected by the safety window only.
 *
 * <p>Never touched: working locations (the user's staged sources), the Delta log, changeset records
 * and stop markers, and any file outside the warehouse.
 */
public final class OrphanSweep {
  /** Files this much older than a running changeset's start are still counted as its own. */
  static final long CLOCK_ALLOWANCE_MILLIS = 60_000;

  /** A temporary record file younger than this may be in the middle of being published. */
  static final long MIN_TEMPORARY_AGE_MILLIS = 60_000;

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final ChangesetLog log;
  private final Consumer<String> progress;

  /**
   * @param progress receives one line per step (files scanned, removed); never null
   */
  public OrphanSweep(
      SparkSession spark, Warehouse warehouse, ChangesetLog log, Consumer<String> progress) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.log = log;
    this.progress = progress;
  }

  /**
   * Sweeps {@code datasetId}, or every dataset of the warehouse when it is null.
   *
   * @param window the safety window, 0 or more
   * @param dryRun report only
   * @throws io.habanero.errors.ResourceNotFoundException if the named dataset has nothing in the
   *     warehouse
   */
  public SweepResult run(String datasetId, Duration window, boolean dryRun) {
    List<String> ids;
    if (datasetId != null) {
      Ids.check("datasetId", datasetId);
      if (!warehouse.exists(warehouse.datasetPath(datasetId))
          && !warehouse.exists(warehouse.recordDir(datasetId))
          && !warehouse.exists(quarantineRoot(datasetId))) {
        throw Errors.datasetNotFound(datasetId);
      }
      ids = List.of(datasetId);
    } else {
      ids = datasets();
    }
    List<SweepResult.DatasetSweep> out = new ArrayList<>();
    for (String id : ids) {
      out.add(sweep(id, window.toMillis(), dryRun));
    }
    return new SweepResult(out, dryRun);
  }

  /** Every dataset that has a table, records or quarantine in the warehouse, sorted. */
  private List<String> datasets() {
    Set<String> ids = new TreeSet<>();
    for (Path root :
        List.of(
            new Path(warehouse.root(), "datasets"),
            warehouse.recordRoot(),
            new Path(warehouse.root(), "quarantine"))) {
      for (FileStatus s : list(root)) {
        if (s.isDirectory() && Ids.isValid(s.getPath().getName())) {
          ids.add(s.getPath().getName());
        }
      }
    }
    return new ArrayList<>(ids);
  }

  private Path quarantineRoot(String datasetId) {
    return warehouse.quarantinePath(datasetId, "x").getParent();
  }

  /** What one dataset's sweep found and did. */
  private final class Outcome {
    final String datasetId;
    long dataFiles;
    long bytes;
    long quarantineDirs;
    final List<String> removed = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    Outcome(String datasetId) {
      this.datasetId = datasetId;
    }

    SweepResult.DatasetSweep result() {
      return new SweepResult.DatasetSweep(
          datasetId,
          dataFiles,
          bytes,
          quarantineDirs,
          removed,
          errors.isEmpty() ? null : String.join("; ", errors));
    }
  }

  private SweepResult.DatasetSweep sweep(String datasetId, long windowMillis, boolean dryRun) {
    Outcome o = new Outcome(datasetId);
    FileSystem fs = warehouse.fs();
    long now = System.currentTimeMillis();
    Path table = warehouse.datasetPath(datasetId);
    List<FileStatus> files;
    List<FileStatus> quarantines;
    List<FileStatus> temporaries;
    List<ChangesetRecord> records;
    Set<Path> referenced;
    try {
      // 1. What is on disk, before anything is decided: a file written later is no candidate.
      files = DeltaFiles.onDisk(fs, table);
      quarantines = listOrFail(quarantineRoot(datasetId));
      temporaries = new ArrayList<>();
      // The records' directory and its own ones (tokens, the changeset index), where an atomic
      // publish stages its temporary file.
      List<Path> recordDirs = new ArrayList<>();
      recordDirs.add(warehouse.recordDir(datasetId));
      for (FileStatus s : listOrFail(warehouse.recordDir(datasetId))) {
        if (s.isDirectory() && s.getPath().getName().startsWith("_")) {
          recordDirs.add(s.getPath());
        }
      }
      for (Path dir : recordDirs) {
        for (FileStatus s : listOrFail(dir)) {
          String n = s.getPath().getName();
          if (s.isFile() && n.startsWith(".") && n.endsWith(".tmp")) {
            temporaries.add(s);
          }
        }
      }
      // 2. The changesets, resolving those whose owner died: only live owners protect files.
      records = log.list(datasetId);
      // 3. The Delta log, read after the records: a changeset seen as SUCCESS is in it.
      referenced =
          files.isEmpty() && !fs.exists(new Path(table, "_delta_log"))
              ? Set.of()
              : DeltaFiles.referenced(spark, fs, table);
    } catch (Exception e) {
      // Also Spark's checked SparkExceptions, which Scala code throws undeclared.
      o.errors.add("skipped, nothing removed: " + Messages.oneLine(e.getMessage()));
      return report(o);
    }

    long protectFrom = Long.MAX_VALUE;
    Map<String, ChangesetRecord> byId = new HashMap<>();
    int running = 0;
    for (ChangesetRecord r : records) {
      byId.put(r.changesetId, r);
      if (!r.isTerminal()) {
        running++;
        protectFrom = Math.min(protectFrom, r.createTime - CLOCK_ALLOWANCE_MILLIS);
      }
    }
    long cutoff = Math.min(now - windowMillis, protectFrom);

    int unreferenced = 0;
    int young = 0;
    for (FileStatus f : files) {
      if (referenced.contains(f.getPath())) {
        continue;
      }
      unreferenced++;
      if (f.getModificationTime() >= cutoff) {
        young++;
        continue;
      }
      if (remove(fs, f.getPath(), false, dryRun, o)) {
        o.dataFiles++;
        o.bytes += f.getLen();
      }
    }
    progress.accept(
        String.format(
            "sweep %s: %d data files scanned, %d referenced by the Delta log, %d unreferenced:"
                + " %d %s, %d kept (inside the safety window%s)",
            datasetId,
            files.size(),
            files.size() - unreferenced,
            unreferenced,
            o.dataFiles,
            dryRun ? "to remove" : "removed",
            young,
            running > 0 ? ", or written since a running changeset started" : ""));

    for (FileStatus q : quarantines) {
      String cs = q.getPath().getName();
      ChangesetRecord r = byId.get(cs);
      if (!q.isDirectory()
          || !Ids.isValid(cs)
          || (r != null && r.status != IngestionStatus.FAILED)) {
        continue; // SUCCESS keeps its bad records; a running changeset is writing them
      }
      long[] newestAndBytes;
      try {
        newestAndBytes = newestAndBytes(fs, q);
      } catch (IOException e) {
        o.errors.add("cannot list " + q.getPath() + ": " + Messages.oneLine(e.getMessage()));
        continue;
      }
      if (newestAndBytes[0] >= now - windowMillis) {
        continue;
      }
      if (remove(fs, q.getPath(), true, dryRun, o)) {
        o.quarantineDirs++;
        o.bytes += newestAndBytes[1];
      }
    }

    for (FileStatus t : temporaries) {
      if (t.getModificationTime() < cutoff
          && t.getModificationTime() < now - MIN_TEMPORARY_AGE_MILLIS
          && remove(fs, t.getPath(), false, dryRun, o)) {
        o.bytes += t.getLen();
      }
    }
    if (!quarantines.isEmpty()) {
      progress.accept(
          String.format(
              "sweep %s: %d quarantine directories of FAILED changesets %s",
              datasetId, o.quarantineDirs, dryRun ? "to remove" : "removed"));
    }
    return report(o);
  }

  private SweepResult.DatasetSweep report(Outcome o) {
    SweepResult.DatasetSweep r = o.result();
    if (r.error() != null) {
      progress.accept("sweep " + r.datasetId() + ": " + r.error());
    }
    return r;
  }

  /** Removes (or in a dry run, only records) one path; a failure is reported, not thrown. */
  private static boolean remove(
      FileSystem fs, Path path, boolean directory, boolean dryRun, Outcome o) {
    if (!dryRun) {
      try {
        boolean deleted = directory ? fs.delete(path, true) : DeltaFiles.delete(fs, path);
        if (!deleted) {
          return false; // gone meanwhile (another sweep)
        }
      } catch (IOException | RuntimeException e) {
        o.errors.add("cannot remove " + path + ": " + Messages.oneLine(e.getMessage()));
        return false;
      }
    }
    o.removed.add(path.toUri().toString());
    return true;
  }

  /** The newest modification time in a directory tree (its own if empty) and its bytes. */
  private static long[] newestAndBytes(FileSystem fs, FileStatus dir) throws IOException {
    long newest = dir.getModificationTime();
    long bytes = 0;
    boolean any = false;
    Deque<Path> dirs = new ArrayDeque<>();
    dirs.push(dir.getPath());
    while (!dirs.isEmpty()) {
      for (FileStatus s : fs.listStatus(dirs.pop())) {
        if (s.isDirectory()) {
          dirs.push(s.getPath());
        } else {
          newest = any ? Math.max(newest, s.getModificationTime()) : s.getModificationTime();
          any = true;
          bytes += s.getLen();
        }
      }
    }
    return new long[] {newest, bytes};
  }

  /** The entries of {@code dir}; none if it does not exist. */
  private List<FileStatus> listOrFail(Path dir) throws IOException {
    try {
      return List.of(warehouse.fs().listStatus(dir));
    } catch (FileNotFoundException e) {
      return List.of();
    }
  }

  private List<FileStatus> list(Path dir) {
    try {
      return listOrFail(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot list " + dir, e);
    }
  }
}
