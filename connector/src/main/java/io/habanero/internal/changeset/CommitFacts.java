package io.habanero.internal.changeset;

import io.habanero.model.ChangeType;
import java.util.Optional;

/**
 * What one Delta commit says about the changeset that made it, read from its commit file.
 *
 * @param version the table version
 * @param changesetId the changeset named in the commit metadata, null for a commit Habanero did not
 *     make (a user's OPTIMIZE, for example)
 * @param changeType its change type, null when not Habanero's
 * @param updatesChangesetId for a MODIFY, the changeset it modified
 * @param commitTime the commit file's modification time, as Delta itself uses
 */
public record CommitFacts(
    long version,
    String changesetId,
    ChangeType changeType,
    String updatesChangesetId,
    long commitTime) {

  /** Reads single commits of a dataset's Delta log: one file read each, never a listing. */
  @FunctionalInterface
  public interface Reader {
    /**
     * The commit of {@code version}, or empty when its commit file does not exist.
     *
     * @throws java.io.UncheckedIOException if the file exists but cannot be read
     */
    Optional<CommitFacts> read(String datasetId, long version);
  }

  public boolean isReplace() {
    return changeType == ChangeType.REPLACE;
  }
}
