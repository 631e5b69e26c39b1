package io.habanero.internal.changeset;

import io.habanero.internal.Json;
import io.habanero.internal.Messages;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.ChangeType;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Reads and writes changeset records in the warehouse. Any process pointed at the same warehouse
 * sees the same changesets and statuses.
 *
 * <p>Reading a PENDING or RUNNING record checks that its owner is alive: on the same host by
 * process id, elsewhere by a heartbeat newer than the lease timeout. A record whose owner died is
 * resolved at once: SUCCESS if its Delta commit landed (found through the commit metadata), FAILED
 * otherwise. No changeset stays RUNNING forever.
 */
public final class ChangesetLog {
  private final Warehouse warehouse;
  private final long leaseTimeoutMillis;
  private final BiFunction<String, ChangesetRecord, OptionalLong> findCommit;
  private final Set<String> runningHere;
  private final ChangesetIndex index;
  private final CommitFacts.Reader commits;

  /**
   * The changesets a runner of this JVM (any Habanero instance in it) is running now. A record
   * owned by this very process but not in here is not being run by anyone: its runner ended without
   * writing its terminal state (a SUCCESS record that could not be written), so it is resolved like
   * a dead process's, from the Delta log.
   */
  public static final Set<String> RUNNING_IN_THIS_JVM =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param findCommit finds the Delta version that a changeset committed, if any
   * @param runningHere ids of changesets this process is running now
   */
  /**
   * @param findCommit finds the Delta version that a changeset committed, if any (crash recovery)
   * @param commits reads one Delta commit of a dataset (the index)
   * @param runningHere ids of changesets this process is running now
   * @param progress receives a line for long one-time work (a migration)
   */
  public ChangesetLog(
      Warehouse warehouse,
      long leaseTimeoutMillis,
      BiFunction<String, ChangesetRecord, OptionalLong> findCommit,
      CommitFacts.Reader commits,
      Set<String> runningHere,
      java.util.function.Consumer<String> progress) {
    this.warehouse = warehouse;
    this.leaseTimeoutMillis = leaseTimeoutMillis;
    this.findCommit = findCommit;
    this.runningHere = runningHere;
    this.commits = commits;
    this.index = new ChangesetIndex(warehouse, commits, progress);
  }

  /**
   * Records a new changeset (PENDING): marks it in flight, claims its listing slot and writes its
   * record, in that order, so a crash leaves nothing a reader cannot resolve.
   */
  public void create(ChangesetRecord record) {
    index.ensureReady(record.datasetId);
    index.markInFlight(record.datasetId, record.changesetId);
    record.seq = index.allocate(record.datasetId, record.changesetId);
    write(record);
  }

  /**
   * Writes the record. A SUCCESS record is indexed first (its Delta version, and what it retires),
   * so a SUCCESS record on disk always has its index entries; if they cannot be written, neither is
   * the record (it stays RUNNING on disk, and crash recovery resolves it from the Delta log and
   * indexes it then). A terminal record then leaves the in-flight set.
   *
   * @throws UncheckedIOException if the index or the record cannot be written
   */
  public void write(ChangesetRecord record) {
    if (record.status == IngestionStatus.SUCCESS
        && record.deltaVersion != null
        && record.replaceEpoch == null) {
      record.replaceEpoch =
          index.indexCommitted(
              record.datasetId,
              new CommitFacts(
                  record.deltaVersion,
                  record.changesetId,
                  record.changeType,
                  record.updatesChangesetId,
                  record.commitTime == null ? System.currentTimeMillis() : record.commitTime));
    }
    warehouse.writeAtomically(
        warehouse.recordPath(record.datasetId, record.changesetId), Json.write(record));
    if (record.isTerminal()) {
      index.clearInFlight(record.datasetId, record.changesetId);
    }
  }

  /** The record, resolved if its owner died, or empty. */
  public Optional<ChangesetRecord> find(String datasetId, String changesetId) {
    return warehouse
        .readIfExists(warehouse.recordPath(datasetId, changesetId))
        .map(b -> Json.read(b, ChangesetRecord.class))
        .map(this::resolveIfOrphaned);
  }

  /**
   * All records of a dataset, oldest first: one read per changeset, so only for maintenance (the
   * sweep), never for an operation's answer.
   */
  public List<ChangesetRecord> list(String datasetId) {
    List<ChangesetRecord> out = new ArrayList<>();
    for (ChangesetRecord r : index.legacyRecords(datasetId)) {
      out.add(resolveIfOrphaned(r));
    }
    return out;
  }

  /**
   * Up to {@code max} records in creation order, starting at listing slot {@code from}: reads those
   * slots and their records only.
   */
  public Page page(String datasetId, long from, int max) {
    index.ensureReady(datasetId);
    List<ChangesetRecord> out = new ArrayList<>();
    long n = from;
    for (; out.size() < max; n++) {
      Optional<String> id = index.slot(datasetId, n);
      if (id.isEmpty()) {
        return new Page(out, OptionalLong.empty());
      }
      // A slot whose record is missing belongs to a create that died before writing it.
      find(datasetId, id.get()).ifPresent(out::add);
    }
    return new Page(
        out, index.slot(datasetId, n).isPresent() ? OptionalLong.of(n) : OptionalLong.empty());
  }

  /** A page of records, and the slot the next page starts at (empty at the end). */
  public record Page(List<ChangesetRecord> records, OptionalLong next) {}

  /** The changeset in listing slot {@code n}, if any. */
  public Optional<String> slot(String datasetId, long n) {
    index.ensureReady(datasetId);
    return index.slot(datasetId, n);
  }

  /**
   * The records of the dataset's changesets that are PENDING or RUNNING, each resolved if its owner
   * died: one listing of the in-flight set plus one read each.
   */
  public List<ChangesetRecord> inFlight(String datasetId) {
    List<ChangesetRecord> out = new ArrayList<>();
    inFlightIds(datasetId, out, false);
    return out;
  }

  /**
   * Resolves the dataset's in-flight changesets whose owner died, so that what readers see next
   * (statuses, retirements) is current. The ones this JVM runs are alive and are not read: for a
   * server that runs a dataset's changesets itself, this is one listing.
   */
  public void resolveInFlight(String datasetId) {
    inFlightIds(datasetId, new ArrayList<>(), true);
  }

  /**
   * Whether a changeset of the dataset other than {@code changesetId} is in flight, including one
   * whose create has marked it but not yet written its record.
   */
  public boolean othersInFlight(String datasetId, String changesetId) {
    return inFlightIds(datasetId, new ArrayList<>(), false).stream()
        .anyMatch(id -> !id.equals(changesetId));
  }

  private List<String> inFlightIds(
      String datasetId, List<ChangesetRecord> records, boolean skipOwnRunning) {
    List<String> ids = new ArrayList<>();
    for (ChangesetIndex.InFlight f : index.inFlight(datasetId)) {
      if (skipOwnRunning && RUNNING_IN_THIS_JVM.contains(f.changesetId())) {
        ids.add(f.changesetId());
        continue;
      }
      Optional<ChangesetRecord> r = find(datasetId, f.changesetId());
      boolean abandoned =
          r.isEmpty() && System.currentTimeMillis() - f.markedAt() > leaseTimeoutMillis;
      if (abandoned || (r.isPresent() && r.get().isTerminal())) {
        // A create that died before writing its record, or an end written while the marker could
        // not be removed.
        index.clearInFlight(datasetId, f.changesetId());
        continue;
      }
      ids.add(f.changesetId());
      r.ifPresent(records::add);
    }
    return ids;
  }

  /** Whether the dataset has data: a SUCCESS changeset, its in-flight ones resolved first. */
  public boolean hasData(String datasetId) {
    inFlight(datasetId);
    return index.hasData(datasetId);
  }

  /** The ids of the datasets that have changeset records, sorted. */
  public List<String> datasets() {
    List<String> out = new ArrayList<>();
    Path root = warehouse.recordRoot();
    try {
      for (FileStatus f : warehouse.fs().listStatus(root)) {
        String name = f.getPath().getName();
        if (f.isDirectory() && io.habanero.internal.Ids.isValid(name)) {
          out.add(name);
        }
      }
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list datasets in " + root, e);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  public boolean datasetExists(String datasetId) {
    return warehouse.exists(warehouse.recordDir(datasetId));
  }

  /** Records a stop request; the owner notices it at its next check. */
  public void requestStop(String datasetId, String changesetId) {
    warehouse.writeAtomically(
        warehouse.stopPath(datasetId, changesetId),
        String.valueOf(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
  }

  public boolean stopRequested(String datasetId, String changesetId) {
    return warehouse.exists(warehouse.stopPath(datasetId, changesetId));
  }

  /**
   * The status a reader sees: a PENDING/RUNNING changeset with a stop request is STOP_REQUESTED.
   */
  public IngestionStatus visibleStatus(ChangesetRecord r) {
    if (!r.isTerminal() && stopRequested(r.datasetId, r.changesetId)) {
      return IngestionStatus.STOP_REQUESTED;
    }
    return r.status;
  }

  /**
   * Claims {@code clientToken} for {@code changesetId}.
   *
   * @return empty if the claim is new, else the claim that was already there
   */
  public Optional<TokenClaim> claimToken(
      String datasetId, String clientToken, String changesetId, String fingerprint) {
    Path path = warehouse.tokenPath(datasetId, sha256(clientToken));
    TokenClaim claim = new TokenClaim();
    claim.changesetId = changesetId;
    claim.requestFingerprint = fingerprint;
    if (warehouse.createExclusive(path, Json.write(claim))) {
      return Optional.empty();
    }
    return warehouse.readIfExists(path).map(b -> Json.read(b, TokenClaim.class));
  }

  /** The claim of a clientToken, if one was made (read only, claims nothing). */
  public Optional<TokenClaim> readToken(String datasetId, String clientToken) {
    return warehouse
        .readIfExists(warehouse.tokenPath(datasetId, sha256(clientToken)))
        .map(b -> Json.read(b, TokenClaim.class));
  }

  /** A clientToken's claim. */
  public static final class TokenClaim {
    public String changesetId;
    public String requestFingerprint;
  }

  /**
   * Derives {@code updatedByChangesetId} and {@code activeUntilTimestamp} of {@code r}: the SUCCESS
   * MODIFY that names it, or the first SUCCESS REPLACE committed after it, whichever came first.
   * Derived (rather than rewriting the earlier record) keeps each record single-writer; two index
   * reads (see {@link ChangesetIndex}).
   */
  public Retirement retirement(ChangesetRecord r) {
    if (r.status != IngestionStatus.SUCCESS || r.deltaVersion == null) {
      return new Retirement(null, null);
    }
    long epoch =
        r.replaceEpoch != null ? r.replaceEpoch : index.epochAt(r.datasetId, r.deltaVersion);
    ChangesetIndex.Retirer first = index.replace(r.datasetId, epoch + 1).orElse(null);
    Optional<ChangesetIndex.Retirer> modified = index.modifiedBy(r.datasetId, r.changesetId);
    if (modified.isPresent() && (first == null || modified.get().version < first.version)) {
      first = modified.get();
    }
    if (first == null) {
      return new Retirement(null, null);
    }
    return new Retirement(
        first.changeType == ChangeType.MODIFY ? first.changesetId : null, first.commitTime);
  }

  /** How a changeset's rows were retired. */
  public record Retirement(String updatedByChangesetId, Long activeUntilTimestamp) {
    public boolean retired() {
      return activeUntilTimestamp != null;
    }
  }

  private ChangesetRecord resolveIfOrphaned(ChangesetRecord r) {
    if (r.isTerminal() || runningHere.contains(r.changesetId) || ownerAlive(r)) {
      return r;
    }
    OptionalLong version = findCommit.apply(r.datasetId, r);
    if (version.isPresent()) {
      r.status = IngestionStatus.SUCCESS;
      r.deltaVersion = version.getAsLong();
      r.replaceEpoch = null; // indexed by the write below
      r.errorInfo = null;
      r.commitTime = commitTime(r.datasetId, r.deltaVersion);
    } else {
      r.status = IngestionStatus.FAILED;
      r.errorInfo =
          new ChangesetErrorInfo(
              String.format(
                  "The process that ran this changeset (pid %d on %s) stopped before committing,"
                      + " so no data was written. Fix: create the changeset again.",
                  r.owner == null ? -1 : r.owner.pid, r.owner == null ? "?" : r.owner.host),
              ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    }
    r.endTime = System.currentTimeMillis();
    try {
      write(r);
    } catch (UncheckedIOException e) {
      // A reader that cannot write still reports the resolved status; the next reader retries.
    }
    return r;
  }

  /** When a version's rows became visible: its commit file's time, as Delta itself uses. */
  private Long commitTime(String datasetId, long version) {
    try {
      return commits.read(datasetId, version).map(CommitFacts::commitTime).orElse(null);
    } catch (UncheckedIOException e) {
      return null;
    }
  }

  private boolean ownerAlive(ChangesetRecord r) {
    if (r.owner == null) {
      return System.currentTimeMillis() - r.createTime < leaseTimeoutMillis;
    }
    if (r.owner.isThisProcess()) {
      // Within its lease, a record just written (PENDING, not yet started) counts as running.
      return RUNNING_IN_THIS_JVM.contains(r.changesetId)
          || System.currentTimeMillis() - r.heartbeatTime < leaseTimeoutMillis;
    }
    Boolean here = r.owner.aliveHere();
    if (here != null) {
      return here;
    }
    return System.currentTimeMillis() - r.heartbeatTime < leaseTimeoutMillis;
  }

  /** Hex SHA-256 of a string. */
  public static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String describe(Throwable t) {
    return Messages.oneLine(t.getMessage());
  }
}
