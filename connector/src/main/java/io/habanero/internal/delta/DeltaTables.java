package io.habanero.internal.delta;

import java.util.Map;
import java.util.OptionalLong;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;

/** Reads of a dataset's Delta table, on any session (see {@link DeltaSession}). */
public final class DeltaTables {
  private DeltaTables() {}

  /**
   * The rows of the table at {@code table}, at {@code version} or the latest, lineage column
   * included: Delta's own relation, built as {@code format("delta")} builds it, from a table whose
   * log is opened on any session and whose snapshot is checked before the rows are returned.
   *
   * @param table the dataset's table; its last path segment is the datasetId, for messages
   * @throws io.habanero.errors.ValidationException when the version has deletion vectors and the
   *     session lacks Delta's extension (see {@link DeltaSession#checkReadable})
   */
  public static Dataset<Row> read(SparkSession spark, Path table, OptionalLong version) {
    DeltaTableV2 t =
        new DeltaTableV2(
            spark,
            table,
            scala.Option.empty(),
            scala.Option.empty(),
            scala.Option.empty(),
            DeltaCommit.scalaMap(Map.of()));
    if (version.isPresent()) {
      t =
          t.withOptions(
              DeltaCommit.scalaMap(Map.of("versionAsOf", String.valueOf(version.getAsLong()))));
    }
    DeltaSession.opened(spark, t);
    Dataset<Row> df = spark.baseRelationToDataFrame(t.toBaseRelation());
    DeltaSession.checkReadable(spark, t.initialSnapshot(), table.getName());
    return df;
  }

  /**
   * The table's latest version, read from its log on any session; -1 when it has none yet. Delta
   * caches the log, so this costs one listing of {@code _delta_log}.
   */
  public static long latestVersion(SparkSession spark, Path table) {
    return DeltaSession.forTable(spark, table)
        .update(false, scala.Option.empty(), scala.Option.empty())
        .version();
  }
}
