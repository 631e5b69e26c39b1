package io.habanero;

/**
 * A snapshot of a running changeset's progress.
 *
 * @param datasetId the dataset
 * @param changesetId the changeset
 * @param phase what it is doing: VALIDATING, READING, WRITING, COMMITTING, DONE
 * @param filesTotal files in the changeset's fixed source set
 * @param bytesTotal their total size
 * @param bytesRead bytes read so far by finished tasks
 * @param rowsWritten rows written so far by finished tasks
 */
public record ChangesetProgress(
    String datasetId,
    String changesetId,
    String phase,
    int filesTotal,
    long bytesTotal,
    long bytesRead,
    long rowsWritten) {

  /** A one-line human summary, e.g. for stderr. */
  public String describe() {
    String pct =
        bytesTotal > 0 ? String.format(" (%d%%)", Math.min(100, bytesRead * 100 / bytesTotal)) : "";
    return String.format(
        "changeset %s/%s %s: %d file(s), %s of %s read%s, %,d rows written",
        datasetId,
        changesetId,
        phase,
        filesTotal,
        bytes(bytesRead),
        bytes(bytesTotal),
        pct,
        rowsWritten);
  }

  private static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    if (b < 1024 * 1024) {
      return String.format("%.1f KiB", b / 1024.0);
    }
    if (b < 1024L * 1024 * 1024) {
      return String.format("%.1f MiB", b / (1024.0 * 1024));
    }
    return String.format("%.2f GiB", b / (1024.0 * 1024 * 1024));
  }
}
