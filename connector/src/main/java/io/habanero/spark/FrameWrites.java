package io.habanero.spark;

import io.habanero.ChangesetHandle;
import io.habanero.Habanero;
import io.habanero.internal.Errors;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.IngestionStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a DataFrame write as a changeset, on the driver: recorded PENDING, RUNNING, then SUCCESS
 * with one Delta commit, or FAILED with errorInfo and no data, exactly like a changeset created
 * from files. Executors only run the Spark job that writes the data files.
 */
final class FrameWrites {
  private FrameWrites() {}

  /**
   * Writes {@code data} as one changeset and waits for it.
   *
   * @param mustBeNew fail with ConflictException if the dataset already has data (the default save
   *     mode, errorifexists, without a changeType)
   * @return the SUCCESS changeset
   * @throws ChangesetFailedException if the changeset ended FAILED (it is recorded as such)
   */
  static Changeset write(
      SparkSession spark,
      HabaneroOptions options,
      ChangeType type,
      boolean mustBeNew,
      Dataset<Row> data) {
    Habanero habanero = DatasetReads.habanero(spark, options.settings());
    String id = options.datasetId();
    if (mustBeNew && habanero.listDatasets().contains(id)) {
      throw Errors.datasetExists(id);
    }
    ChangesetHandle h =
        habanero.submitDataFrame(
            id,
            type,
            type == ChangeType.MODIFY ? options.updatesChangesetId() : null,
            data,
            options.mergeSchema(),
            options.allowEmpty());
    Changeset c = h.await();
    if (c.status() != IngestionStatus.SUCCESS) {
      throw Errors.changesetFailed(id, c.id(), c.errorInfo());
    }
    return c;
  }
}
