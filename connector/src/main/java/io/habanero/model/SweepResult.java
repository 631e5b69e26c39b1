package io.habanero.model;

import java.util.List;

/**
 * Output of the sweep maintenance operation: what was removed (or, in a dry run, would be), per
 * dataset.
 *
 * @param datasets one entry per dataset swept, sorted by id
 * @param dryRun whether nothing was removed
 */
public record SweepResult(List<DatasetSweep> datasets, boolean dryRun) {
  public SweepResult {
    datasets = List.copyOf(datasets);
  }

  /**
   * What the sweep removed from one dataset.
   *
   * @param datasetId the dataset
   * @param dataFilesRemoved data files that no Delta version references (their checksum siblings go
   *     with them and are not counted)
   * @param bytesRemoved bytes of every removed file: data files, the files in removed quarantine
   *     directories, and abandoned temporary record files
   * @param quarantineDirectoriesRemoved quarantine directories of FAILED (or unrecorded) changesets
   * @param removed every removed path (data files, quarantine directories, temporary record files),
   *     as URIs (percent-encoded, such as {@code file:/w/datasets/d/part-00000-….parquet})
   * @param error why the dataset was skipped or only partly swept (its Delta log or changeset
   *     records could not be read, or a removal failed), or null. A dataset whose log or records
   *     cannot be read is left untouched
   */
  public record DatasetSweep(
      String datasetId,
      long dataFilesRemoved,
      long bytesRemoved,
      long quarantineDirectoriesRemoved,
      List<String> removed,
      String error) {
    public DatasetSweep {
      removed = List.copyOf(removed);
    }
  }

  /** The entry of {@code datasetId}, or null if it was not swept. */
  public DatasetSweep dataset(String datasetId) {
    for (DatasetSweep d : datasets) {
      if (d.datasetId().equals(datasetId)) {
        return d;
      }
    }
    return null;
  }

  /** Data files removed over all datasets. */
  public long dataFilesRemoved() {
    return datasets.stream().mapToLong(DatasetSweep::dataFilesRemoved).sum();
  }

  /** Bytes removed over all datasets. */
  public long bytesRemoved() {
    return datasets.stream().mapToLong(DatasetSweep::bytesRemoved).sum();
  }

  /** Quarantine directories removed over all datasets. */
  public long quarantineDirectoriesRemoved() {
    return datasets.stream().mapToLong(DatasetSweep::quarantineDirectoriesRemoved).sum();
  }
}
