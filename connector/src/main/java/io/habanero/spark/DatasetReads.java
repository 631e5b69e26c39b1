package io.habanero.spark;

import io.habanero.Habanero;
import io.habanero.HabaneroSettings;
import io.habanero.model.TimeTravel;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a dataset through Delta's own table, via the session's shared {@link Habanero}: the
 * relation is Delta's {@code HadoopFsRelation} over its file index, so Spark plans Delta's native
 * Parquet scan with column pruning, filter pushdown and Delta's data skipping. The lineage column
 * is left out of the relation's data schema unless asked for; Parquet then never reads it.
 */
final class DatasetReads {
  private DatasetReads() {}

  /** The session's shared Habanero for {@code settings} (one engine per session and settings). */
  static Habanero habanero(SparkSession spark, HabaneroSettings settings) {
    return Habanero.forSession(spark, settings);
  }

  /**
   * Delta's relation for the dataset at {@code at}.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset or changeset is unknown
   * @throws io.habanero.errors.ValidationException if the time-travel point is not in its history
   */
  static HadoopFsRelation relation(
      SparkSession spark,
      HabaneroSettings settings,
      String datasetId,
      TimeTravel at,
      boolean includeChangesetId) {
    return habanero(spark, settings).datasetRelation(datasetId, at, includeChangesetId);
  }

  /** The dataset's user schema at {@code at}. */
  static StructType schema(
      SparkSession spark, HabaneroSettings settings, String datasetId, TimeTravel at) {
    return relation(spark, settings, datasetId, at, false).schema();
  }
}
