package io.habanero.internal.changeset;

import io.habanero.internal.Json;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.ChangeType;
import io.habanero.model.IngestionStatus;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The changeset index of each dataset: small files beside the records that answer every metadata
 * question with a constant number of reads, however many changesets the dataset has.
 *
 * <pre>
 * changesets/&lt;datasetId&gt;/_store.json            the layout version; written last by a migration
 * changesets/&lt;datasetId&gt;/_seq/&lt;n&gt;.json           the n-th changeset created (listing order)
 * changesets/&lt;datasetId&gt;/_seq/_next.json         a hint: the next free n
 * changesets/&lt;datasetId&gt;/_inflight/&lt;id&gt;         a changeset not yet SUCCESS or FAILED
 * changesets/&lt;datasetId&gt;/_versions/&lt;v&gt;.json      Delta version v: its changeset and REPLACE epoch
 * changesets/&lt;datasetId&gt;/_replaces/&lt;e&gt;.json      the e-th SUCCESS REPLACE (1-based)
 * changesets/&lt;datasetId&gt;/_modified/&lt;id&gt;.json     the SUCCESS MODIFY that replaced changeset id
 * changesets/&lt;datasetId&gt;/_latest.json           a hint: the newest indexed version
 * </pre>
 *
 * <p><b>Listing</b>: a create claims the first free {@code _seq} slot with an exclusive create, so
 * slots are dense and in creation order; a page reads its slots and their records, nothing else.
 *
 * <p><b>Retirement</b> (when a later changeset took a SUCCESS changeset's rows out): a MODIFY
 * writes {@code _modified/<target>}. A REPLACE retires every changeset committed before it, which
 * is kept as a count: the <em>REPLACE epoch</em> of version v is the number of SUCCESS REPLACE
 * commits at versions up to v. A changeset committed at v with epoch e is retired by the (e+1)-th
 * REPLACE, if there is one: one read.
 *
 * <p>Every entry of {@code _versions}, {@code _replaces} and {@code _modified} is a function of the
 * Delta log alone (the commit metadata names the changeset, its change type and the changeset a
 * MODIFY replaces), so any process may write it, concurrent writers write the same bytes, and an
 * entry a crashed writer never wrote is derived again from the log: the epoch of v is that of the
 * nearest indexed version below, plus the REPLACE commits read from the log in between. Each
 * committer indexes its own version at once, so that walk is normally one step.
 *
 * <p><b>Migration</b>: a dataset written before this index (no {@code _store.json}) is indexed from
 * its records the first time any process opens it, in one pass; {@code _store.json} is written
 * last, so an interrupted migration is simply done again.
 */
public final class ChangesetIndex {
  /** The layout this code writes. */
  static final int LAYOUT = 2;

  private final Warehouse warehouse;
  private final CommitFacts.Reader commits;
  private final Consumer<String> log;
  private final Set<String> ready = ConcurrentHashMap.newKeySet();

  ChangesetIndex(Warehouse warehouse, CommitFacts.Reader commits, Consumer<String> log) {
    this.warehouse = warehouse;
    this.commits = commits;
    this.log = log;
  }

  /** The store layout marker. */
  public static final class Layout {
    public int layout = LAYOUT;
    public Long migratedRecords;
    public Long migratedAt;
  }

  /** A listing slot. */
  public static final class Slot {
    public String changesetId;
  }

  /** A hint holding one number. */
  public static final class Hint {
    public long value;
  }

  /** One Delta version of the dataset. */
  public static final class VersionEntry {
    public long version;
    public String changesetId;
    public ChangeType changeType;
    public String updatesChangesetId;
    public long replaceEpoch;
    public long commitTime;
  }

  /** A SUCCESS REPLACE, by its epoch; or the SUCCESS MODIFY of a changeset. */
  public static final class Retirer {
    public String changesetId;
    public ChangeType changeType;
    public long version;
    public long commitTime;
  }

  private Path dir(String datasetId) {
    return warehouse.recordDir(datasetId);
  }

  private Path seqPath(String datasetId, long n) {
    return new Path(new Path(dir(datasetId), "_seq"), String.format("%012d.json", n));
  }

  private Path seqHintPath(String datasetId) {
    return new Path(new Path(dir(datasetId), "_seq"), "_next.json");
  }

  private Path inFlightDir(String datasetId) {
    return new Path(dir(datasetId), "_inflight");
  }

  private Path versionPath(String datasetId, long version) {
    return new Path(new Path(dir(datasetId), "_versions"), String.format("%020d.json", version));
  }

  private Path replacePath(String datasetId, long epoch) {
    return new Path(new Path(dir(datasetId), "_replaces"), String.format("%012d.json", epoch));
  }

  private Path modifiedPath(String datasetId, String changesetId) {
    return new Path(new Path(dir(datasetId), "_modified"), changesetId + ".json");
  }

  private Path latestPath(String datasetId) {
    return new Path(dir(datasetId), "_latest.json");
  }

  private Path layoutPath(String datasetId) {
    return new Path(dir(datasetId), "_store.json");
  }

  private <T> Optional<T> read(Path path, Class<T> type) {
    return warehouse.readIfExists(path).map(b -> Json.read(b, type));
  }

  /**
   * Makes sure the dataset's index exists: nothing for a dataset that does not exist or one already
   * indexed (known to this process after the first check), the layout marker for a new one, a
   * one-time migration for one written before the index.
   */
  void ensureReady(String datasetId) {
    if (ready.contains(datasetId)) {
      return;
    }
    if (!warehouse.exists(dir(datasetId))) {
      return; // no such dataset (yet): a read must not create it
    }
    if (!warehouse.exists(layoutPath(datasetId))) {
      List<ChangesetRecord> legacy = legacyRecords(datasetId);
      if (!legacy.isEmpty()) {
        migrate(datasetId, legacy);
      }
      Layout l = new Layout();
      l.migratedRecords = legacy.isEmpty() ? null : (long) legacy.size();
      l.migratedAt = legacy.isEmpty() ? null : System.currentTimeMillis();
      warehouse.writeAtomically(layoutPath(datasetId), Json.write(l));
    }
    ready.add(datasetId);
  }

  /** Every record file of the dataset, read as stored (the one O(N) pass: migration, sweep). */
  List<ChangesetRecord> legacyRecords(String datasetId) {
    List<ChangesetRecord> out = new ArrayList<>();
    FileStatus[] files;
    try {
      files = warehouse.fs().listStatus(dir(datasetId));
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list changesets of " + datasetId, e);
    }
    for (FileStatus f : files) {
      String name = f.getPath().getName();
      if (f.isFile() && name.endsWith(".json") && !name.startsWith(".") && !name.startsWith("_")) {
        read(f.getPath(), ChangesetRecord.class).ifPresent(out::add);
      }
    }
    out.sort(
        Comparator.comparing((ChangesetRecord r) -> r.createTime)
            .thenComparing(r -> r.changesetId));
    return out;
  }

  private void migrate(String datasetId, List<ChangesetRecord> records) {
    log.accept(
        "habanero: indexing the "
            + records.size()
            + " changesets of dataset '"
            + datasetId
            + "' (a one-time migration of a warehouse written before the changeset index)");
    for (int i = 0; i < records.size(); i++) {
      Slot s = new Slot();
      s.changesetId = records.get(i).changesetId;
      warehouse.createExclusive(seqPath(datasetId, i), Json.write(s));
    }
    writeHint(seqHintPath(datasetId), records.size());
    List<ChangesetRecord> committed = new ArrayList<>();
    for (ChangesetRecord r : records) {
      if (r.status == IngestionStatus.SUCCESS && r.deltaVersion != null) {
        committed.add(r);
      } else if (!r.isTerminal()) {
        markInFlight(datasetId, r.changesetId);
      }
    }
    committed.sort(Comparator.comparing((ChangesetRecord r) -> r.deltaVersion));
    long epoch = 0;
    for (ChangesetRecord r : committed) {
      CommitFacts c =
          new CommitFacts(
              r.deltaVersion,
              r.changesetId,
              r.changeType,
              r.updatesChangesetId,
              r.commitTime == null ? r.createTime : r.commitTime);
      epoch += c.isReplace() ? 1 : 0;
      writeEntries(datasetId, c, epoch);
    }
  }

  /** Claims the next listing slot for {@code changesetId}; returns its number. */
  long allocate(String datasetId, String changesetId) {
    ensureReady(datasetId);
    long n = read(seqHintPath(datasetId), Hint.class).map(h -> h.value).orElse(0L);
    Slot s = new Slot();
    s.changesetId = changesetId;
    byte[] bytes = Json.write(s);
    while (!warehouse.createExclusive(seqPath(datasetId, n), bytes)) {
      n++;
    }
    try {
      writeHint(seqHintPath(datasetId), n + 1);
    } catch (UncheckedIOException e) {
      // A stale hint only costs the next create a few more probes.
    }
    return n;
  }

  /** The changeset in listing slot {@code n}, or empty past the end. */
  Optional<String> slot(String datasetId, long n) {
    return read(seqPath(datasetId, n), Slot.class).map(s -> s.changesetId);
  }

  private void writeHint(Path path, long value) {
    Hint h = new Hint();
    h.value = value;
    warehouse.writeAtomically(path, Json.write(h));
  }

  void markInFlight(String datasetId, String changesetId) {
    warehouse.writeAtomically(
        new Path(inFlightDir(datasetId), changesetId),
        changesetId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  void clearInFlight(String datasetId, String changesetId) {
    try {
      warehouse.fs().delete(new Path(inFlightDir(datasetId), changesetId), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot update the changesets in flight of " + datasetId, e);
    }
  }

  /** A changeset marked in flight, and when it was marked. */
  record InFlight(String changesetId, long markedAt) {}

  /** The changesets of the dataset marked in flight: not yet SUCCESS or FAILED (one listing). */
  List<InFlight> inFlight(String datasetId) {
    ensureReady(datasetId);
    List<InFlight> out = new ArrayList<>();
    try {
      for (FileStatus f : warehouse.fs().listStatus(inFlightDir(datasetId))) {
        String name = f.getPath().getName();
        if (f.isFile() && !name.startsWith(".")) {
          out.add(new InFlight(name, f.getModificationTime()));
        }
      }
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the changesets in flight of " + datasetId, e);
    }
    out.sort(Comparator.comparing(InFlight::changesetId));
    return out;
  }

  /**
   * Indexes the commit of a changeset that just landed at {@code version}, read back from the Delta
   * log (so the entry is the same whoever writes it), or from {@code own} if the log cannot tell.
   *
   * @return the version's REPLACE epoch
   */
  long indexCommitted(String datasetId, CommitFacts own) {
    ensureReady(datasetId);
    Optional<VersionEntry> known = read(versionPath(datasetId, own.version()), VersionEntry.class);
    if (known.isPresent()) {
      return known.get().replaceEpoch;
    }
    CommitFacts c = own;
    try {
      c =
          commits
              .read(datasetId, own.version())
              .filter(f -> own.changesetId().equals(f.changesetId()))
              .orElse(own);
    } catch (UncheckedIOException e) {
      // the changeset's own facts are the same, save perhaps the commit time
    }
    long epoch = epochAt(datasetId, own.version() - 1) + (c.isReplace() ? 1 : 0);
    writeEntries(datasetId, c, epoch);
    return epoch;
  }

  /**
   * The REPLACE epoch of {@code version}: from its entry, or derived from the nearest indexed
   * version below plus the commits read from the Delta log in between (which are indexed on the
   * way, so the walk is done once).
   *
   * @throws UncheckedIOException if a commit in between cannot be read, or is missing from the log
   */
  long epochAt(String datasetId, long version) {
    Deque<Long> missing = new ArrayDeque<>();
    long base = 0;
    for (long v = version; v >= 0; v--) {
      Optional<VersionEntry> e = read(versionPath(datasetId, v), VersionEntry.class);
      if (e.isPresent()) {
        base = e.get().replaceEpoch;
        break;
      }
      missing.push(v);
    }
    if (missing.size() > 1000) {
      log.accept(
          "habanero: indexing "
              + missing.size()
              + " Delta versions of dataset '"
              + datasetId
              + "' from its log");
    }
    while (!missing.isEmpty()) {
      long v = missing.pop();
      CommitFacts c =
          commits
              .read(datasetId, v)
              .orElseThrow(
                  () ->
                      new UncheckedIOException(
                          new FileNotFoundException(
                              "Delta version "
                                  + v
                                  + " of dataset '"
                                  + datasetId
                                  + "' is not in its log, so the changeset index cannot be"
                                  + " completed")));
      base += c.isReplace() ? 1 : 0;
      writeEntries(datasetId, c, base);
    }
    return base;
  }

  private void writeEntries(String datasetId, CommitFacts c, long epoch) {
    if (c.changesetId() != null && c.changeType() != null) {
      Retirer me = new Retirer();
      me.changesetId = c.changesetId();
      me.changeType = c.changeType();
      me.version = c.version();
      me.commitTime = c.commitTime();
      if (c.isReplace()) {
        warehouse.writeAtomically(replacePath(datasetId, epoch), Json.write(me));
      } else if (c.changeType() == ChangeType.MODIFY && c.updatesChangesetId() != null) {
        Path p = modifiedPath(datasetId, c.updatesChangesetId());
        Optional<Retirer> earlier = read(p, Retirer.class);
        if (earlier.isEmpty() || earlier.get().version > c.version()) {
          warehouse.writeAtomically(p, Json.write(me));
        }
      }
    }
    VersionEntry e = new VersionEntry();
    e.version = c.version();
    e.changesetId = c.changesetId();
    e.changeType = c.changeType();
    e.updatesChangesetId = c.updatesChangesetId();
    e.replaceEpoch = epoch;
    e.commitTime = c.commitTime();
    warehouse.writeAtomically(versionPath(datasetId, c.version()), Json.write(e));
    long latest = read(latestPath(datasetId), Hint.class).map(h -> h.value).orElse(-1L);
    if (c.version() > latest) {
      writeHint(latestPath(datasetId), c.version());
    }
  }

  /** The {@code epoch}-th SUCCESS REPLACE, if there is one. */
  Optional<Retirer> replace(String datasetId, long epoch) {
    return read(replacePath(datasetId, epoch), Retirer.class);
  }

  /** The SUCCESS MODIFY that replaced changeset {@code changesetId}'s rows, if any. */
  Optional<Retirer> modifiedBy(String datasetId, String changesetId) {
    return read(modifiedPath(datasetId, changesetId), Retirer.class);
  }

  /** Whether the dataset has a SUCCESS changeset (an indexed Delta version). */
  boolean hasData(String datasetId) {
    ensureReady(datasetId);
    return warehouse.exists(latestPath(datasetId));
  }
}
