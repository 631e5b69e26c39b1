package io.habanero.internal.changeset;

import io.habanero.model.ChangeType;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable record of one changeset, stored as JSON at {@code
 * <warehouse>/changesets/<datasetId>/<changesetId>.json}. Only the process that owns the changeset
 * writes it (or, once that process is dead, whoever resolves it); stop requests go to a separate
 * marker file, so writers never race.
 */
public final class ChangesetRecord {
  public int recordVersion = 1;
  public String changesetId;
  public String datasetId;
  public ChangeType changeType;
  public FormatType formatType;
  public Map<String, String> sourceParams = new LinkedHashMap<>();
  public Map<String, String> formatParams = new LinkedHashMap<>();
  public Map<String, String> tags = new LinkedHashMap<>();
  public String updatesChangesetId;
  public String requestFingerprint;
  public long createTime;
  public IngestionStatus status;
  public ChangesetErrorInfo errorInfo;

  /** The Delta table version this changeset committed, once SUCCESS. */
  public Long deltaVersion;

  /** The commit's timestamp (epoch ms), once SUCCESS: when its rows became visible. */
  public Long commitTime;

  /**
   * The REPLACE epoch of {@link #deltaVersion}, once SUCCESS: how many SUCCESS REPLACE commits the
   * dataset had up to it (see {@link ChangesetIndex}); null until indexed.
   */
  public Long replaceEpoch;

  /** The changeset's listing slot (creation order), null for a record made before the index. */
  public Long seq;

  /** The table version the ingestion started from (-1 for a new dataset). */
  public Long readVersion;

  /**
   * How many times the changeset was written and committed: more than 1 when a concurrent commit
   * conflicted and the change type's own meaning allowed it to be applied again on the new snapshot
   * (null for 1).
   */
  public Integer commitAttempts;

  /** The concurrent changesets that won earlier attempts (ids with their versions), if any. */
  public List<String> conflictsWith;

  /** The fixed set of source files, recorded when the changeset starts. */
  public List<SourceFile> sourceFiles = new ArrayList<>();

  public Long rowsWritten;

  /** QUARANTINE mode, once SUCCESS: how many malformed records were kept (else null). */
  public Long quarantinedRecords;

  /** QUARANTINE mode, once SUCCESS with malformed records: the directory that keeps them. */
  public String quarantineLocation;

  public Owner owner;
  public long heartbeatTime;
  public Long endTime;

  /** One source file as it was when the changeset started. */
  public static final class SourceFile {
    public String path;
    public long length;
    public long modificationTime;

    public SourceFile() {}

    public SourceFile(String path, long length, long modificationTime) {
      this.path = path;
      this.length = length;
      this.modificationTime = modificationTime;
    }
  }

  /** The process that runs the changeset. */
  public static final class Owner {
    public String host;
    public long pid;
    public Long processStart;

    public static Owner current() {
      Owner o = new Owner();
      o.host = hostName();
      ProcessHandle self = ProcessHandle.current();
      o.pid = self.pid();
      o.processStart = self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(null);
      return o;
    }

    static String hostName() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        return "unknown";
      }
    }

    /** Whether this record's owner is the current process. */
    boolean isThisProcess() {
      Owner me = current();
      return me.pid == pid
          && me.host.equals(host)
          && (processStart == null
              || me.processStart == null
              || me.processStart.longValue() == processStart.longValue());
    }

    /** On the same host: whether the owning process still runs. Null when it can't tell. */
    Boolean aliveHere() {
      if (!hostName().equals(host)) {
        return null;
      }
      return ProcessHandle.of(pid)
          .map(
              p ->
                  p.isAlive()
                      && (processStart == null
                          || p.info()
                              .startInstant()
                              .map(i -> i.toEpochMilli() == processStart)
                              .orElse(true)))
          .orElse(false);
    }
  }

  public boolean isTerminal() {
    return status == IngestionStatus.SUCCESS || status == IngestionStatus.FAILED;
  }
}
