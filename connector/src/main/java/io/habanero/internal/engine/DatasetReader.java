package io.habanero.internal.engine;

import io.habanero.errors.HabaneroException;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.Messages;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.delta.DeltaSession;
import io.habanero.internal.delta.DeltaTables;
import io.habanero.internal.ingest.SchemaRules;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.IngestionStatus;
import io.habanero.model.TimeTravel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.types.StructType;

/**
 * Dataset reads and time travel: the Delta relation of a dataset as of a changeset, a version, a
 * timestamp or now, without the lineage column unless asked for (Parquet then never reads it).
 */
final class DatasetReader {
  private final SparkSession spark;
  private final Warehouse warehouse;
  private final ChangesetLog log;

  DatasetReader(SparkSession spark, Warehouse warehouse, ChangesetLog log) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.log = log;
  }

  /**
   * Delta's relation for the dataset at {@code at}.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the dataset or changeset is unknown
   * @throws io.habanero.errors.ValidationException if the point is not in its history
   */
  HadoopFsRelation relation(String datasetId, TimeTravel at, boolean withLineage) {
    requireReadable(datasetId);
    String key;
    String value;
    if (at instanceof TimeTravel.AtChangeset c) {
      key = "versionAsOf";
      value = String.valueOf(successVersion(datasetId, c.changesetId()));
    } else if (at instanceof TimeTravel.AtVersion v) {
      key = "versionAsOf";
      value = String.valueOf(v.version());
    } else if (at instanceof TimeTravel.AtTimestamp t) {
      key = "timestampAsOf";
      value = t.timestamp();
    } else {
      key = null;
      value = null;
    }
    HadoopFsRelation delta =
        DeltaTables.relation(
            spark,
            warehouse.datasetPath(datasetId),
            "habanero." + datasetId,
            key,
            value,
            datasetId,
            e -> timeTravelError(datasetId, key, value, e));
    StructType data = withLineage ? delta.dataSchema() : SchemaRules.userSchema(delta.dataSchema());
    return new HadoopFsRelation(
        delta.location(),
        delta.partitionSchema(),
        data,
        delta.bucketSpec(),
        delta.fileFormat(),
        delta.options(),
        spark);
  }

  /** The dataset as a DataFrame at {@code at}. */
  Dataset<Row> read(String datasetId, TimeTravel at, boolean withLineage) {
    return spark.baseRelationToDataFrame(relation(datasetId, at, withLineage));
  }

  private static RuntimeException timeTravelError(
      String datasetId, String key, String value, Exception e) {
    if (DeltaSession.explain(e) instanceof HabaneroException h) {
      return h;
    }
    if (key == null) {
      return ErrorClassifier.classify(e);
    }
    return Errors.invalid(
        "Option " + key,
        value,
        "is not in the history of dataset '"
            + datasetId
            + "': "
            + Messages.oneLine(String.valueOf(e.getMessage())),
        "pick a version or timestamp from list-changesets, or read by changesetId");
  }

  /**
   * Fails unless the dataset exists and has data (at least one SUCCESS changeset).
   *
   * @throws io.habanero.errors.ResourceNotFoundException naming the dataset
   */
  void requireReadable(String datasetId) {
    Ids.check("datasetId", datasetId);
    // Fast path: a committed Delta version means a SUCCESS changeset (only those commit). Delta
    // caches the log, so this costs one listing of _delta_log, which the read needs anyway.
    Path table = warehouse.datasetPath(datasetId);
    if (warehouse.exists(new Path(table, "_delta_log"))
        && DeltaTables.latestVersion(spark, table) >= 0) {
      return;
    }
    if (!log.datasetExists(datasetId)) {
      throw Errors.datasetNotFound(datasetId);
    }
    // Failed first changesets leave an empty _delta_log, which Delta cannot load.
    throw Errors.datasetHasNoData(datasetId);
  }

  /** The datasets that have data, sorted: a constant number of reads per dataset. */
  List<String> readableDatasets() {
    List<String> out = new ArrayList<>();
    for (String id : log.datasets()) {
      if (log.hasData(id)) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * The Delta version to read as of SUCCESS changeset {@code changesetId}.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the changeset is unknown
   * @throws io.habanero.errors.ValidationException if it is not SUCCESS
   */
  long successVersion(String datasetId, String changesetId) {
    Ids.check("changesetId", changesetId);
    ChangesetRecord r = requireRecord(datasetId, changesetId);
    if (r.status != IngestionStatus.SUCCESS || r.deltaVersion == null) {
      throw Errors.notAllowed(
          "changesetId",
          "names changeset '"
              + changesetId
              + "', which is "
              + r.status
              + " and has no version to read",
          "name a SUCCESS changeset");
    }
    return r.deltaVersion;
  }

  ChangesetRecord requireRecord(String datasetId, String changesetId) {
    Optional<ChangesetRecord> r = log.find(datasetId, changesetId);
    if (r.isEmpty()) {
      if (!log.datasetExists(datasetId)) {
        throw Errors.datasetNotFound(datasetId);
      }
      throw Errors.changesetNotFound(datasetId, changesetId);
    }
    return r.get();
  }
}
