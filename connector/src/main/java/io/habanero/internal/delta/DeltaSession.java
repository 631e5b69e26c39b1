package io.habanero.internal.delta;

import io.habanero.errors.ValidationException;
import io.habanero.internal.Errors;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.delta.DeltaAnalysis;
import org.apache.spark.sql.delta.DeltaAnalysisException;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;
import org.apache.spark.sql.delta.commands.DeletionVectorUtils$;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Delta on any SparkSession, including one built with only the Habanero settings (no Delta
 * extension, no Delta catalog).
 *
 * <p>Delta 3.3 refuses to open any table on such a session: {@code DeltaLog}'s constructor throws
 * {@code DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG} unless {@code
 * spark.sql.catalog.spark_catalog} is set, whatever the caller goes on to do. That blanket check is
 * guarded by Delta's internal {@code spark.databricks.delta.requiredSparkConfsCheck.enabled}.
 * Habanero only uses what needs neither the catalog nor the extension's rules: the path-based log,
 * optimistic transactions, {@code WriteIntoDelta} appends and overwrites, and Delta's file-index
 * relation with time travel. So {@link #forTable} opens the log on a throwaway clone of the session
 * (same settings, check off) that is active on this thread only while the log is constructed; the
 * user's session and its other threads never see a changed setting.
 *
 * <p>What Delta truly cannot do without its extension is refused at once with VALIDATION naming
 * both settings ({@link #requireExtension}, {@link #checkReadable}): a MODIFY (Delta plans its
 * {@code replaceWhere} on a data column as a DELETE, which only the extension's analyzer rules
 * resolve), and a read of a snapshot with deletion vectors (only the extension's planner strategy
 * filters the deleted rows; without it they would be returned).
 */
public final class DeltaSession {
  /** Spark's setting for session extensions, and Delta's. */
  public static final String EXTENSIONS_KEY = "spark.sql.extensions";

  public static final String EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";

  /** Spark's setting for the session catalog, and Delta's. */
  public static final String CATALOG_KEY = "spark.sql.catalog.spark_catalog";

  public static final String CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

  /** Delta's internal switch for the blanket check in {@code DeltaLog}'s constructor. */
  static final String CHECK_KEY = "spark.databricks.delta.requiredSparkConfsCheck.enabled";

  /** Delta's error class for that check (and for DML it cannot plan without the extension). */
  static final String CHECK_ERROR = "DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG";

  private DeltaSession() {}

  /** Delta's log of the table at {@code path}, opened on any session. */
  public static DeltaLog forTable(SparkSession spark, Path path) {
    return open(spark, () -> DeltaLog.forTable(spark, path));
  }

  /**
   * Opens the log of {@code table} on any session. {@code DeltaTableV2} opens it lazily, on first
   * use; this makes that first use happen here, so the table's later calls use the opened log.
   */
  public static DeltaTableV2 opened(SparkSession spark, DeltaTableV2 table) {
    open(spark, table::deltaLog);
    return table;
  }

  private static <T> T open(SparkSession spark, Supplier<T> opener) {
    // Delta checks the thread's active session, not the one it is given.
    SparkSession session = spark;
    if (!spark.conf().contains(CATALOG_KEY)
        && Boolean.parseBoolean(spark.conf().get(CHECK_KEY, "true"))) {
      // cloneSession is Spark's private[sql] API (public in the bytecode). Unlike newSession it
      // copies the runtime settings, such as the S3A ones, which the log's first listing uses.
      session = spark.cloneSession();
      session.conf().set(CHECK_KEY, "false");
    }
    Option<SparkSession> previous = SparkSession.getActiveSession();
    SparkSession.setActiveSession(session);
    try {
      return opener.get();
    } finally {
      if (previous.isDefined()) {
        SparkSession.setActiveSession(previous.get());
      } else {
        SparkSession.clearActiveSession();
      }
    }
  }

  /**
   * Whether the session has Delta's analyzer rules, from {@code spark.sql.extensions} or from
   * {@code SparkSession.builder().withExtensions(new DeltaSparkSessionExtension())}.
   */
  public static boolean hasExtension(SparkSession spark) {
    for (Rule<LogicalPlan> r :
        JavaConverters.seqAsJavaList(spark.sessionState().analyzer().extendedResolutionRules())) {
      if (r instanceof DeltaAnalysis) {
        return true;
      }
    }
    return false;
  }

  /**
   * Fails unless the session has Delta's extension.
   *
   * @param operation what needs it, e.g. "MODIFY"
   * @param why why Delta cannot do it without the extension
   * @throws ValidationException naming both settings and their values
   */
  public static void requireExtension(SparkSession spark, String operation, String why) {
    if (!hasExtension(spark)) {
      throw extensionRequired(operation, why, null);
    }
  }

  /**
   * Fails if Delta cannot read {@code snapshot} correctly on this session: it has deletion vectors
   * and the session lacks the extension that filters the deleted rows. Tables without the deletion
   * vectors feature (Habanero never enables it itself) cost no work here.
   */
  public static void checkReadable(SparkSession spark, Snapshot snapshot, String datasetId) {
    if (hasExtension(spark) || DeletionVectorUtils$.MODULE$.isTableDVFree(snapshot)) {
      return;
    }
    throw extensionRequired(
        "Reading dataset '" + datasetId + "' at version " + snapshot.version(),
        "that version has deletion vectors (rows deleted by a DELETE, UPDATE or MERGE run on its"
            + " Delta table), and only Delta's extension filters the deleted rows out of a read;"
            + " without it they would be returned",
        null);
  }

  /**
   * {@code t} as the VALIDATION error naming both settings if it is Delta's own "configure the
   * extension and the catalog" error (a Delta path Habanero did not foresee), else {@code t}.
   */
  public static Throwable explain(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof DeltaAnalysisException d && CHECK_ERROR.equals(d.getErrorClass())) {
        return extensionRequired(
            "This Delta operation",
            "Delta refused to run it on this session (" + CHECK_ERROR + ")",
            t);
      }
    }
    return t;
  }

  private static ValidationException extensionRequired(
      String operation, String why, Throwable cause) {
    return Errors.deltaExtensionRequired(
        operation, why, EXTENSIONS_KEY, EXTENSION, CATALOG_KEY, CATALOG, cause);
  }
}
