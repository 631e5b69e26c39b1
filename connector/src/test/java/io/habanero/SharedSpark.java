package io.habanero;

import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession per test JVM ({@code local[2]}, UI off, few shuffle partitions), shared by
 * every test class. Tests isolate themselves with their own warehouse in a {@code @TempDir}.
 */
public final class SharedSpark {
  private static SparkSession spark;

  private SharedSpark() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("habanero-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
              .config(
                  "spark.sql.catalog.spark_catalog",
                  "org.apache.spark.sql.delta.catalog.DeltaCatalog")
              .config("spark.databricks.delta.snapshotPartitions", "2")
              .config("spark.ui.showConsoleProgress", "false")
              // Fault tests' file system (FaultyFileSystem), with a LogStore that commits through
              // the Hadoop FileSystem API (a temporary file renamed to N.json).
              .config(
                  "spark.hadoop.fs." + FaultyFileSystem.SCHEME + ".impl",
                  FaultyFileSystem.class.getName())
              .config(
                  "spark.delta.logStore." + FaultyFileSystem.SCHEME + ".impl",
                  "io.delta.storage.LocalLogStore")
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }
}
