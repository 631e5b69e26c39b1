package io.habanero.spark;

import io.habanero.HabaneroSettings;
import io.habanero.errors.HabaneroException;
import io.habanero.internal.ChangesetService;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.internal.Messages;
import io.habanero.internal.delta.DeltaCommit;
import io.habanero.internal.delta.DeltaSession;
import io.habanero.internal.ingest.SchemaRules;
import io.habanero.internal.warehouse.Warehouse;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * Reads a dataset through Delta's own table: the relation is Delta's {@code HadoopFsRelation} over
 * its file index, so Spark plans Delta's native Parquet scan with column pruning, filter pushdown
 * and Delta's data skipping. The lineage column is left out of the relation's data schema unless
 * asked for; Parquet then never reads it.
 */
final class DatasetReads {
  private DatasetReads() {}

  /** Opens the changeset service of the environment that {@code settings} describe. */
  static ChangesetService service(SparkSession spark, HabaneroSettings settings) {
    return new ChangesetService(spark, settings, Warehouse.open(spark, settings));
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
      HabaneroOptions.TimeTravel at,
      boolean includeChangesetId) {
    try (ChangesetService service = service(spark, settings)) {
      service.requireReadable(datasetId);
      String key;
      String value;
      if (at instanceof HabaneroOptions.TimeTravel.AtChangeset c) {
        key = "versionAsOf";
        value = String.valueOf(service.successVersion(datasetId, c.changesetId()));
      } else if (at instanceof HabaneroOptions.TimeTravel.AtVersion v) {
        key = "versionAsOf";
        value = String.valueOf(v.version());
      } else if (at instanceof HabaneroOptions.TimeTravel.AtTimestamp t) {
        key = "timestampAsOf";
        value = t.timestamp();
      } else {
        key = null;
        value = null;
      }
      DeltaTableV2 table =
          new DeltaTableV2(
              spark,
              service.warehouse().datasetPath(datasetId),
              Option.empty(),
              Option.apply("habanero." + datasetId),
              Option.empty(),
              DeltaCommit.scalaMap(Map.of()));
      if (key != null) {
        table = table.withOptions(DeltaCommit.scalaMap(Map.of(key, value)));
      }
      DeltaSession.opened(spark, table);
      HadoopFsRelation delta;
      try {
        delta = (HadoopFsRelation) table.toBaseRelation();
      } catch (Exception e) { // Delta's VersionNotFoundException is a checked AnalysisException
        throw timeTravelError(datasetId, key, value, e);
      }
      DeltaSession.checkReadable(spark, table.initialSnapshot(), datasetId);
      StructType data =
          includeChangesetId ? delta.dataSchema() : SchemaRules.userSchema(delta.dataSchema());
      return new HadoopFsRelation(
          delta.location(),
          delta.partitionSchema(),
          data,
          delta.bucketSpec(),
          delta.fileFormat(),
          delta.options(),
          spark);
    }
  }

  /** The dataset's user schema at {@code at}. */
  static StructType schema(
      SparkSession spark,
      HabaneroSettings settings,
      String datasetId,
      HabaneroOptions.TimeTravel at) {
    return relation(spark, settings, datasetId, at, false).schema();
  }

  private static RuntimeException timeTravelError(
      String datasetId, String key, String value, Exception e) {
    if (DeltaSession.explain(e) instanceof HabaneroException h) {
      return h;
    }
    if (key == null) {
      return ErrorClassifier.classify(e);
    }
    String option =
        key.equals("timestampAsOf")
            ? HabaneroOptions.TIMESTAMP_AS_OF
            : HabaneroOptions.VERSION_AS_OF;
    return Errors.invalid(
        "Option " + option,
        value,
        "is not in the history of dataset '"
            + datasetId
            + "': "
            + Messages.oneLine(String.valueOf(e.getMessage())),
        "pick a version or timestamp from list-changesets, or read by changesetId");
  }
}
