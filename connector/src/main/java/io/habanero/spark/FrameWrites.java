package io.habanero.spark;

import io.habanero.ProgressListener;
import io.habanero.errors.ChangesetFailedException;
import io.habanero.errors.ConflictException;
import io.habanero.internal.ChangesetService;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.IngestionStatus;
import java.util.concurrent.CompletionException;
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
    try (ChangesetService service = DatasetReads.service(spark, options.settings())) {
      String id = options.datasetId();
      if (mustBeNew && service.readableDatasets().contains(id)) {
        throw new ConflictException(
            "Dataset '"
                + id
                + "' already exists and the save mode is errorifexists (Spark's default). Fix:"
                + " use mode(\"append\") to add rows, mode(\"overwrite\") to replace them, or set"
                + " option changeType.");
      }
      ChangesetService.Submitted s =
          service.submitFrame(
              id,
              type,
              type == ChangeType.MODIFY ? options.updatesChangesetId() : null,
              data,
              options.mergeSchema(),
              options.allowEmpty(),
              ProgressListener.NONE);
      Changeset c;
      try {
        c = s.done().join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
      if (c.status() != IngestionStatus.SUCCESS) {
        throw new ChangesetFailedException(id, c.id(), c.errorInfo());
      }
      return c;
    }
  }
}
