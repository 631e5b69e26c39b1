package io.habanero.internal.delta;

import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;

/** Reads of a dataset's Delta table, on any session (see {@link DeltaSession}). */
public final class DeltaTables {
  private DeltaTables() {}

  /**
   * Delta's relation for the table at {@code table}, as of {@code timeTravelKey} ({@code
   * versionAsOf} or {@code timestampAsOf}, null for the latest) = {@code value}, after checking
   * that its snapshot can be read on this session.
   *
   * @param catalogName the table's name in plans, e.g. {@code habanero.trades}
   * @param onTimeTravelError maps Delta's error for a point outside the history
   */
  public static HadoopFsRelation relation(
      SparkSession spark,
      Path table,
      String catalogName,
      String timeTravelKey,
      String value,
      String datasetId,
      Function<Exception, RuntimeException> onTimeTravelError) {
    DeltaTableV2 t =
        new DeltaTableV2(
            spark,
            table,
            scala.Option.empty(),
            scala.Option.apply(catalogName),
            scala.Option.empty(),
            DeltaCommit.scalaMap(Map.of()));
    if (timeTravelKey != null) {
      t = t.withOptions(DeltaCommit.scalaMap(Map.of(timeTravelKey, value)));
    }
    DeltaSession.opened(spark, t);
    HadoopFsRelation delta;
    try {
      delta = (HadoopFsRelation) t.toBaseRelation();
    } catch (Exception e) { // Delta's VersionNotFoundException is a checked AnalysisException
      throw onTimeTravelError.apply(e);
    }
    DeltaSession.checkReadable(spark, t.initialSnapshot(), datasetId);
    return delta;
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
