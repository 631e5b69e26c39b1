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
  public ChangesetLog(
      Warehouse warehouse,
      long leaseTimeoutMillis,
      BiFunction<String, ChangesetRecord, OptionalLong> findCommit,
      Set<String> runningHere) {
    this.warehouse = warehouse;
    this.leaseTimeoutMillis = leaseTimeoutMillis;
    this.findCommit = findCommit;
    this.runningHere = runningHere;
  }

  public void write(ChangesetRecord record) {
    warehouse.writeAtomically(
        warehouse.recordPath(record.datasetId, record.changesetId), Json.write(record));
  }

  /** The record, resolved if its owner died, or empty. */
  public Optional<ChangesetRecord> find(String datasetId, String changesetId) {
    return warehouse
        .readIfExists(warehouse.recordPath(datasetId, changesetId))
        .map(b -> Json.read(b, ChangesetRecord.class))
        .map(this::resolveIfOrphaned);
  }

  /** All records of a dataset, oldest first (ids are time-ordered). */
  public List<ChangesetRecord> list(String datasetId) {
    List<ChangesetRecord> out = new ArrayList<>();
    FileStatus[] files;
    try {
      files = warehouse.fs().listStatus(warehouse.recordDir(datasetId));
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list changesets of " + datasetId, e);
    }
    for (FileStatus f : files) {
      String name = f.getPath().getName();
      if (f.isFile() && name.endsWith(".json") && !name.startsWith(".")) {
        find(datasetId, name.substring(0, name.length() - 5)).ifPresent(out::add);
      }
    }
    out.sort(
        Comparator.comparing((ChangesetRecord r) -> r.createTime)
            .thenComparing(r -> r.changesetId));
    return out;
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
   * Derives {@code updatedByChangesetId} and {@code activeUntilTimestamp} of {@code r} from the
   * later records: the SUCCESS MODIFY that names it, or the first SUCCESS REPLACE committed after
   * it. Deriving (rather than rewriting the earlier record) keeps each record single-writer.
   */
  public static Retirement retirement(ChangesetRecord r, List<ChangesetRecord> all) {
    if (r.status != IngestionStatus.SUCCESS || r.deltaVersion == null) {
      return new Retirement(null, null);
    }
    ChangesetRecord first = null;
    for (ChangesetRecord o : all) {
      if (o.status != IngestionStatus.SUCCESS || o.deltaVersion == null) {
        continue;
      }
      boolean retires =
          (o.changeType == ChangeType.MODIFY && r.changesetId.equals(o.updatesChangesetId))
              || (o.changeType == ChangeType.REPLACE && o.deltaVersion > r.deltaVersion);
      if (retires && (first == null || o.deltaVersion < first.deltaVersion)) {
        first = o;
      }
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
    Path file =
        new Path(
            new Path(warehouse.datasetPath(datasetId), "_delta_log"),
            String.format("%020d.json", version));
    try {
      return warehouse.fs().getFileStatus(file).getModificationTime();
    } catch (IOException e) {
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
