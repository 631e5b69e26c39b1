package io.habanero.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** What the benchmarks share: the session settings, machine facts and table inspection. */
final class BenchSupport {
  private BenchSupport() {}

  /**
   * The command line every benchmark takes: {@code [--smoke] [--scale F] [--pairs N] [--out DIR]
   * [--work DIR]}. Smoke mode is 50,000 rows and one measured pair; otherwise 1,000,000 rows times
   * the scale, and 5 pairs unless given.
   */
  record Options(boolean smoke, long rows, int pairs, Path out, Path work) {
    /** Parses {@code args}; prints the usage of {@code scripts/bench <benchmark>} and exits 2. */
    static Options parse(String benchmark, String[] args) {
      boolean smoke = false;
      double scale = 1.0;
      int pairs = 5;
      Path out = Path.of("benchmarks/results");
      Path work = Path.of("benchmarks/work");
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--smoke" -> smoke = true;
          case "--scale" -> scale = Double.parseDouble(args[++i]);
          case "--pairs" -> pairs = Integer.parseInt(args[++i]);
          case "--out" -> out = Path.of(args[++i]);
          case "--work" -> work = Path.of(args[++i]);
          default -> {
            System.err.println(
                "usage: scripts/bench "
                    + benchmark
                    + " [--smoke] [--scale F] [--pairs N] [--out DIR] [--work DIR]");
            System.exit(2);
          }
        }
      }
      long rows = smoke ? 50_000 : Math.round(1_000_000 * scale);
      return new Options(smoke, rows, smoke ? 1 : pairs, out, work);
    }
  }

  /** The one SparkSession both sides of every pair use: local[2], UI off, Delta enabled. */
  static SparkSession session(String appName) {
    return session(appName, "local[2]");
  }

  /** The same on another master (e.g. {@code local[1]}). */
  static SparkSession session(String appName, String master) {
    SparkSession spark =
        SparkSession.builder()
            .master(master)
            .appName(appName)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    return spark;
  }

  /** Parquet data files directly in a table directory. */
  static long dataFiles(Path table) throws IOException {
    try (var s = Files.list(table)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
    }
  }

  /** JVM, cores, heap, OS, CPU model, Spark version and date, for the results file. */
  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / 1048576);
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    try {
      m.put(
          "cpu",
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.replaceFirst(".*:\\s*", ""))
              .orElse("?"));
    } catch (IOException e) {
      m.put("cpu", "?");
    }
    m.put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    m.put("date", Instant.now().toString());
    return m;
  }

  static void log(String s) {
    System.err.println("[bench] " + s);
  }
}
