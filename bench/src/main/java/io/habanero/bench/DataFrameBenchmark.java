package io.habanero.bench;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.metric.SQLMetric;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * {@code scripts/bench dataframe}: the {@code habanero} DataFrame source against plain {@code
 * format("delta")}, in one JVM and one SparkSession ({@code local[2]}), alternating baseline and
 * Habanero (A B A B …) after warm-up. Four scenarios: a DataFrame write (fresh target per run), a
 * full read into the {@code noop} sink, selective point lookups on {@code trade_id} (where the
 * number of files each scan read shows whether data skipping worked on both sides), and single
 * point lookups on a small table (one query per run, through the DataFrame source and through the
 * SQL catalog), whose latency is mostly the fixed cost of creating the relation, looking up the
 * schema and planning. Only the operation is timed; every run's result is checked afterwards.
 * Results are printed and written as Markdown and JSON.
 */
public final class DataFrameBenchmark {
  private static final String DATASET = "t";
  private static final int SEED = 42;

  /** Files per read table: both tables are written from one range-partitioned DataFrame. */
  private static final int READ_FILES = 8;

  /** Point lookups per timed selective run (spread over the id range, one per file region). */
  private static final int LOOKUPS = 5;

  /** The small table of scenario 4: its dataset id, its rows (one changeset, one file). */
  private static final String SMALL = "small";

  private static final long SMALL_ROWS = 1_000;

  /** Scenario 4's warm-up and measured pairs (single queries: many pairs, for a p90). */
  private static final int SMALL_WARMUPS = 5;

  private static final int SMALL_PAIRS = 30;

  private static final int SMALL_SMOKE_WARMUPS = 1;

  private static final int SMALL_SMOKE_PAIRS = 3;

  private final SparkSession spark;
  private final Path work;
  private final long rows;
  private final int pairs;
  private final int warmups;
  private final boolean smoke;
  private final Map<String, Object> results = new LinkedHashMap<>();
  private final List<String> table = new ArrayList<>();
  private final List<String> latencyTable = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private int runCounter;

  private DataFrameBenchmark(
      SparkSession spark, Path work, long rows, int pairs, int warmups, boolean smoke) {
    this.spark = spark;
    this.work = work;
    this.rows = rows;
    this.pairs = pairs;
    this.warmups = warmups;
    this.smoke = smoke;
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options o = BenchSupport.Options.parse("dataframe", args);
    if (o.pairs() < 1 || o.rows() < 2L * READ_FILES * LOOKUPS) {
      System.err.println("--pairs must be at least 1 and --scale large enough for some rows");
      System.exit(2);
    }
    SparkSession spark = BenchSupport.session("habanero-bench-dataframe");
    DataFrameBenchmark b =
        new DataFrameBenchmark(
            spark,
            o.work().toAbsolutePath().resolve("dataframe"),
            o.rows(),
            o.pairs(),
            1,
            o.smoke());
    int exit;
    try {
      exit = b.runAll(o.out());
    } catch (Exception e) {
      System.err.println("BENCHMARK FAILED with an exception:");
      e.printStackTrace();
      exit = 1;
    }
    spark.stop();
    System.exit(exit);
  }

  private int runAll(Path out) throws Exception {
    long t0 = System.nanoTime();
    BenchData.deleteTree(work);
    Files.createDirectories(work);
    Dataset<Row> source = BenchData.trades(spark, 0, rows, SEED);
    BenchSupport.log("fingerprinting the source: " + rows + " rows");
    Fingerprint expected = Fingerprint.of(source);

    writeScenario(source, expected);

    // Both read tables from one DataFrame: READ_FILES files, each holding a disjoint trade_id range
    // (sorted within), so min/max statistics let a point lookup skip all files but one.
    Path readDir = work.resolve("read");
    String plain = readDir.resolve("plain").toString();
    String warehouse = readDir.resolve("wh").toString();
    Dataset<Row> ordered =
        source.repartitionByRange(READ_FILES, col("trade_id")).sortWithinPartitions("trade_id");
    BenchSupport.log("writing the read tables (" + READ_FILES + " files each, trade_id order)");
    ordered.write().format("delta").mode(SaveMode.Append).save(plain);
    ordered
        .write()
        .format("habanero")
        .option("datasetId", DATASET)
        .option("warehouse", warehouse)
        .mode(SaveMode.Append)
        .save();
    long filesA = BenchSupport.dataFiles(Path.of(plain));
    long filesB = BenchSupport.dataFiles(Path.of(warehouse).resolve("datasets").resolve(DATASET));
    results.put("read tables: data files (baseline, habanero)", List.of(filesA, filesB));
    if (filesA != filesB) {
      BenchSupport.log(
          "WARNING: the read tables have different file counts: " + filesA + " vs " + filesB);
    }

    readFullScenario(plain, warehouse, expected, filesA, filesB);
    readSelectiveScenario(plain, warehouse, source, filesA, filesB);
    smallLookupScenario();

    results.put("machine", BenchSupport.machine());
    results.put("rows", rows);
    results.put("pairs", pairs);
    results.put("warmups", warmups);
    results.put("smoke", smoke);
    results.put("seconds", (System.nanoTime() - t0) / 1e9);
    results.put("failures", failures);
    write(out);
    BenchData.deleteTree(work);
    if (!failures.isEmpty()) {
      System.err.println("BENCHMARK FAILED:\n  " + String.join("\n  ", failures));
      return 1;
    }
    return 0;
  }

  // ---- scenarios ----

  private DataFrameReader habaneroReader(String warehouse) {
    return spark
        .read()
        .format("habanero")
        .option("datasetId", DATASET)
        .option("warehouse", warehouse);
  }

  private Dataset<Row> readPlain(String path) {
    return spark.read().format("delta").load(path);
  }

  private Dataset<Row> readHabanero(String warehouse) {
    return habaneroReader(warehouse).load();
  }

  private void writeScenario(Dataset<Row> source, Fingerprint expected) throws Exception {
    Pair p =
        pairs(
            "1 WRITE (append)",
            new Side(
                true,
                target ->
                    source
                        .write()
                        .format("delta")
                        .mode(SaveMode.Append)
                        .save(target.resolve("t").toString()),
                target -> Fingerprint.of(readPlain(target.resolve("t").toString()))),
            new Side(
                true,
                target ->
                    source
                        .write()
                        .format("habanero")
                        .option("datasetId", DATASET)
                        .option("warehouse", target.resolve("wh").toString())
                        .mode(SaveMode.Append)
                        .save(),
                target -> {
                  Path delta = target.resolve("wh/datasets/" + DATASET + "/_delta_log");
                  if (!Files.isDirectory(delta)) {
                    failures.add("1 WRITE: no Delta table at " + delta.getParent());
                  }
                  return Fingerprint.of(readHabanero(target.resolve("wh").toString()));
                }));
    p.check(expected);
    p.report(1.10);
  }

  private void readFullScenario(
      String plain, String warehouse, Fingerprint expected, long filesA, long filesB)
      throws Exception {
    Pair p =
        pairs(
            "2 READ FULL (noop sink)",
            new Side(
                false,
                target -> noop(readPlain(plain)),
                target -> Fingerprint.of(readPlain(plain))),
            new Side(
                false,
                target -> noop(readHabanero(warehouse)),
                target -> Fingerprint.of(readHabanero(warehouse))));
    p.check(expected);
    p.report(1.05);
    table.add(
        String.format(
            "| 2 READ FULL: data files in table | %d | %d | | equal | %s |",
            filesA, filesB, filesA == filesB ? "met" : "MISSED"));
  }

  private static void noop(Dataset<Row> df) {
    df.write().format("noop").mode(SaveMode.Overwrite).save();
  }

  /**
   * {@value #LOOKUPS} point lookups per timed run ({@code trade_id = id}, then collect), the ids
   * spread over the range so that each falls in a different file. One lookup takes a fraction of a
   * second; several per run keep the timer's noise down.
   */
  private void readSelectiveScenario(
      String plain, String warehouse, Dataset<Row> source, long filesA, long filesB)
      throws Exception {
    List<Long> ids = new ArrayList<>();
    for (int k = 0; k < LOOKUPS; k++) {
      ids.add(rows * (2L * k + 1) / (2L * LOOKUPS) + 7);
    }
    String inList = ids.stream().map(String::valueOf).collect(Collectors.joining(", "));
    List<String> expected = sorted(source.filter("trade_id IN (" + inList + ")").collectAsList());
    if (expected.size() != LOOKUPS) {
      failures.add("3 READ SELECTIVE: source has " + expected.size() + " rows for ids " + ids);
    }
    Lookups a = new Lookups(ids, () -> readPlain(plain));
    Lookups b = new Lookups(ids, () -> readHabanero(warehouse));
    Pair p =
        pairs(
            "3 READ SELECTIVE (" + LOOKUPS + " point lookups)",
            new Side(false, target -> a.run(), target -> a.result()),
            new Side(false, target -> b.run(), target -> b.result()));
    p.check(expected);
    p.report(1.05);
    boolean same = a.files.equals(b.files);
    long perA = a.files.stream().mapToLong(Long::longValue).max().orElse(-1);
    long perB = b.files.stream().mapToLong(Long::longValue).max().orElse(-1);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("baselinePerLookup", a.files);
    f.put("habaneroPerLookup", b.files);
    f.put("baselineTableFiles", filesA);
    f.put("habaneroTableFiles", filesB);
    f.put("equal", same);
    results.put("3 READ SELECTIVE files read (numFiles metric)", f);
    table.add(
        String.format(
            "| 3 READ SELECTIVE: files read per lookup (numFiles), of files in table | %d of %d |"
                + " %d of %d | | equal | %s |",
            perA, filesA, perB, filesB, same ? "met" : "MISSED"));
    BenchSupport.log(table.get(table.size() - 1) + " per lookup: " + a.files + " vs " + b.files);
  }

  private int smallWarmups() {
    return smoke ? SMALL_SMOKE_WARMUPS : SMALL_WARMUPS;
  }

  private int smallPairs() {
    return smoke ? SMALL_SMOKE_PAIRS : SMALL_PAIRS;
  }

  /**
   * Scenario 4: one point lookup per timed run on a small table ({@value #SMALL_ROWS} rows, one
   * changeset, one file), each run on a fresh DataFrame, so the time is mostly the fixed cost of a
   * read: creating the relation, looking up the schema, planning, and a one-file scan. 4a is the
   * DataFrame source ({@code format("habanero").option("datasetId", …).load().where(id = k)})
   * against {@code format("delta").load(path)} of the same Delta table (whose rows also carry the
   * lineage column, which the Habanero side hides); 4b is {@code SELECT <columns> … WHERE id = k}
   * through the {@code habanero} SQL catalog against {@code delta.`path`}. Each run looks up a
   * different id (the same on both sides of a pair) and its row is checked field by field.
   */
  private void smallLookupScenario() throws Exception {
    String warehouse = work.resolve("small").resolve("wh").toString();
    String path = Path.of(warehouse).resolve("datasets").resolve(SMALL).toString();
    Dataset<Row> small =
        BenchData.trades(spark, 0, SMALL_ROWS, SEED + 100)
            .withColumnRenamed("trade_id", "id")
            .coalesce(1);
    List<String> columns = List.of(small.columns());
    Map<Long, String> expected = new HashMap<>();
    for (Row r : small.collectAsList()) {
      expected.put(r.<Long>getAs("id"), render(r, columns));
    }
    BenchSupport.log("writing the small table (" + SMALL_ROWS + " rows, one changeset)");
    small
        .write()
        .format("habanero")
        .option("datasetId", SMALL)
        .option("warehouse", warehouse)
        .mode(SaveMode.Append)
        .save();
    long files = BenchSupport.dataFiles(Path.of(path));
    results.put("4 small table: data files", files);
    if (files != 1) {
      BenchSupport.log("WARNING: the small table has " + files + " data files, not 1");
    }
    // The catalog is initialised on its first use, with the options set by then.
    spark.conf().set("spark.sql.catalog.habanero", "io.habanero.spark.HabaneroCatalog");
    spark.conf().set("spark.sql.catalog.habanero.warehouse", warehouse);

    List<String> withLineage = new ArrayList<>(columns);
    withLineage.add(LINEAGE);
    PointLookup dfA =
        new PointLookup(
            "4a",
            k -> spark.read().format("delta").load(path).where(col("id").equalTo(k)),
            columns,
            withLineage,
            expected);
    PointLookup dfB =
        new PointLookup(
            "4a",
            k ->
                spark
                    .read()
                    .format("habanero")
                    .option("datasetId", SMALL)
                    .option("warehouse", warehouse)
                    .load()
                    .where(col("id").equalTo(k)),
            columns,
            columns,
            expected);
    Pair df =
        pairs(
            "4a SMALL POINT LOOKUP (DataFrame, 1 query)",
            smallWarmups(),
            smallPairs(),
            new Side(false, target -> dfA.run(), target -> dfA.result()),
            new Side(false, target -> dfB.run(), target -> dfB.result()));
    df.check("ok");
    df.latency = true;
    df.report(1.10);

    String select = String.join(", ", columns);
    PointLookup sqlA =
        new PointLookup(
            "4b",
            k -> spark.sql("SELECT " + select + " FROM delta.`" + path + "` WHERE id = " + k),
            columns,
            columns,
            expected);
    PointLookup sqlB =
        new PointLookup(
            "4b",
            k -> spark.sql("SELECT " + select + " FROM habanero." + SMALL + " WHERE id = " + k),
            columns,
            columns,
            expected);
    Pair sql =
        pairs(
            "4b SMALL POINT LOOKUP (SQL catalog, 1 query)",
            smallWarmups(),
            smallPairs(),
            new Side(false, target -> sqlA.run(), target -> sqlA.result()),
            new Side(false, target -> sqlB.run(), target -> sqlB.result()));
    sql.check("ok");
    sql.latency = true;
    sql.report(1.10);
  }

  /** The lineage column a plain Delta read of a dataset's table also returns. */
  private static final String LINEAGE = "_habanero_changeset_id";

  /** The named fields of a row, as text. */
  private static String render(Row r, List<String> columns) {
    return columns.stream()
        .map(c -> String.valueOf(r.get(r.fieldIndex(c))))
        .collect(Collectors.joining("|"));
  }

  /**
   * One side of scenario 4: each run builds a fresh query for the next id and collects it; the
   * check (untimed) wants exactly one row, with exactly the expected fields and values.
   */
  private static final class PointLookup {
    final String scenario;
    final java.util.function.LongFunction<Dataset<Row>> query;
    final List<String> columns;
    final List<String> fields;
    final Map<Long, String> expected;
    long runs;
    long id;
    List<Row> found = List.of();

    PointLookup(
        String scenario,
        java.util.function.LongFunction<Dataset<Row>> query,
        List<String> columns,
        List<String> fields,
        Map<Long, String> expected) {
      this.scenario = scenario;
      this.query = query;
      this.columns = columns;
      this.fields = fields;
      this.expected = expected;
    }

    /** The timed part: a fresh DataFrame for the next id, collected. */
    void run() {
      // Stride 389 (prime to 1,000) visits every id before repeating one.
      id = (runs++ * 389 + 17) % SMALL_ROWS;
      found = query.apply(id).collectAsList();
    }

    /** Untimed: "ok", or what was wrong with the row found. */
    String result() {
      if (found.size() != 1) {
        return scenario + " id " + id + ": " + found.size() + " rows, not 1";
      }
      Row r = found.get(0);
      List<String> names = List.of(r.schema().fieldNames());
      if (!names.equals(fields)) {
        return scenario + " id " + id + ": fields " + names + ", not " + fields;
      }
      String got = render(r, columns);
      String want = expected.get(id);
      return got.equals(want)
          ? "ok"
          : scenario + " id " + id + ": row " + got + ", expected " + want;
    }
  }

  /** One side's lookups: the rows and the scan's file count of each, from the latest run. */
  private final class Lookups {
    final List<Long> ids;
    final java.util.function.Supplier<Dataset<Row>> read;
    final List<List<Row>> rowsPerLookup = new ArrayList<>();
    final List<Dataset<Row>> queries = new ArrayList<>();
    List<Long> files = List.of();

    Lookups(List<Long> ids, java.util.function.Supplier<Dataset<Row>> read) {
      this.ids = ids;
      this.read = read;
    }

    /** The timed part: build and run each lookup. */
    void run() {
      rowsPerLookup.clear();
      queries.clear();
      for (long id : ids) {
        Dataset<Row> q = read.get().filter("trade_id = " + id);
        rowsPerLookup.add(q.collectAsList());
        queries.add(q);
      }
    }

    /**
     * Untimed: the rows found (sorted, as text) and, as a side effect, the files each scan read.
     */
    List<String> result() {
      List<Long> f = new ArrayList<>();
      for (Dataset<Row> q : queries) {
        f.add(scanFiles(q));
      }
      files = f;
      List<Row> all = new ArrayList<>();
      rowsPerLookup.forEach(all::addAll);
      return sorted(all);
    }
  }

  private static List<String> sorted(List<Row> rows) {
    return rows.stream().map(Row::toString).sorted().toList();
  }

  /**
   * The files the executed query's Parquet scan read: the sum of the {@code numFiles} SQL metric
   * over the plan's leaves, or -1 if no leaf has it.
   */
  private static long scanFiles(Dataset<Row> q) {
    SparkPlan plan = q.queryExecution().executedPlan();
    if (plan instanceof AdaptiveSparkPlanExec a) {
      plan = a.executedPlan();
    }
    long n = 0;
    boolean found = false;
    for (SparkPlan leaf : JavaConverters.seqAsJavaList(plan.collectLeaves())) {
      Option<SQLMetric> m = leaf.metrics().get("numFiles");
      if (m.isDefined()) {
        n += m.get().value();
        found = true;
      }
    }
    return found ? n : -1;
  }

  // ---- harness ----

  /** One side of a pair: the timed run and an untimed check of its result. */
  private record Side(boolean writes, Step run, Check verify) {}

  @FunctionalInterface
  private interface Step {
    void apply(Path target) throws Exception;
  }

  @FunctionalInterface
  private interface Check {
    Object apply(Path target) throws Exception;
  }

  private Pair pairs(String name, Side baseline, Side habanero) throws Exception {
    return pairs(name, warmups, pairs, baseline, habanero);
  }

  private Pair pairs(String name, int warmups, int pairs, Side baseline, Side habanero)
      throws Exception {
    Pair p = new Pair(name);
    BenchSupport.log(name + ": " + warmups + " warm-up pair(s), " + pairs + " measured pair(s)");
    for (int i = 0; i < warmups + pairs; i++) {
      boolean measured = i >= warmups;
      one(baseline, measured, p.a, p.fa);
      one(habanero, measured, p.b, p.fb);
    }
    return p;
  }

  private void one(Side side, boolean measured, List<Double> secs, List<Object> results)
      throws Exception {
    Path target = side.writes() ? fresh() : null;
    Measure.Sample s = Measure.run(() -> side.run().apply(target));
    // Checked after the clock stopped, so the check costs neither side anything.
    Object r = side.verify().apply(target);
    if (measured) {
      secs.add(s.seconds());
      results.add(r);
    }
    if (target != null) {
      BenchData.deleteTree(target);
    }
  }

  private Path fresh() throws IOException {
    Path p = work.resolve("runs/r" + (runCounter++));
    BenchData.deleteTree(p);
    Files.createDirectories(p);
    return p;
  }

  private final class Pair {
    final String name;
    final List<Double> a = new ArrayList<>();
    final List<Double> b = new ArrayList<>();
    final List<Object> fa = new ArrayList<>();
    final List<Object> fb = new ArrayList<>();

    /** Also a row of the latency table (milliseconds, median and p90). */
    boolean latency;

    Pair(String name) {
      this.name = name;
    }

    void check(Object expected) {
      for (Object f : fa) {
        if (!Objects.equals(f, expected)) {
          failures.add(name + ": baseline result " + brief(f) + " != expected " + brief(expected));
        }
      }
      for (Object f : fb) {
        if (!Objects.equals(f, expected)) {
          failures.add(name + ": Habanero result " + brief(f) + " != expected " + brief(expected));
        }
      }
    }

    void report(double target) {
      double ma = Measure.median(a);
      double mb = Measure.median(b);
      double ratio = mb / ma;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("baselineMedianSeconds", ma);
      r.put("baselineMin", Measure.min(a));
      r.put("baselineMax", Measure.max(a));
      r.put("habaneroMedianSeconds", mb);
      r.put("habaneroMin", Measure.min(b));
      r.put("habaneroMax", Measure.max(b));
      r.put("baselineP90Seconds", Measure.percentile(a, 90));
      r.put("habaneroP90Seconds", Measure.percentile(b, 90));
      r.put("p90Ratio", Measure.percentile(b, 90) / Measure.percentile(a, 90));
      r.put("baselineSeconds", a);
      r.put("habaneroSeconds", b);
      r.put("ratio", ratio);
      List<Double> perPair = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        perPair.add(b.get(i) / a.get(i));
      }
      r.put("medianOfPairRatios", Measure.median(perPair));
      // Other processes on the machine show up here (the load the timings ran under).
      r.put("loadAverage1mAfter", loadAverage());
      r.put("target", target);
      r.put("met", ratio <= target);
      results.put(name, r);
      table.add(
          String.format(
              "| %s | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | %.2f | ≤ %.2f | %s |",
              name,
              ma,
              Measure.min(a),
              Measure.max(a),
              mb,
              Measure.min(b),
              Measure.max(b),
              ratio,
              target,
              ratio <= target ? "met" : "MISSED"));
      BenchSupport.log(table.get(table.size() - 1));
      if (latency) {
        double pa = Measure.percentile(a, 90);
        double pb = Measure.percentile(b, 90);
        latencyTable.add(
            String.format(
                "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |",
                name, a.size(), ma * 1000, pa * 1000, mb * 1000, pb * 1000, ratio, pb / pa));
        BenchSupport.log(latencyTable.get(latencyTable.size() - 1));
      }
      if (ratio > 2.0) {
        failures.add(name + ": ratio " + String.format("%.2f", ratio) + " > 2 (gross regression)");
      }
    }
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static String brief(Object o) {
    String s = String.valueOf(o);
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  private void write(Path out) throws IOException {
    Files.createDirectories(out);
    StringBuilder md = new StringBuilder();
    md.append("# DataFrame connector benchmark: format(\"habanero\") vs format(\"delta\")\n\n");
    md.append("Machine: ").append(BenchSupport.machine()).append("\n\n");
    md.append(
        String.format(
            "Rows: %d (generated trades); %d warm-up pair(s), %d measured pair(s), alternating"
                + " baseline/Habanero in one JVM (local[2]); times are medians in seconds. Read"
                + " tables: %d files each, written once from the same DataFrame in trade_id"
                + " order. READ SELECTIVE times %d point lookups (trade_id = id, collect) per"
                + " run. SMALL POINT LOOKUP: one query (id = k, collect) per run, each on a fresh"
                + " DataFrame (relation, schema lookup and planning included), on a %d-row table"
                + " of one changeset in one file; %d warm-up pair(s), %d measured pair(s).%s%n%n",
            rows,
            warmups,
            pairs,
            READ_FILES,
            LOOKUPS,
            SMALL_ROWS,
            smallWarmups(),
            smallPairs(),
            smoke ? " SMOKE MODE: tiny data, a regression check, not a measurement." : ""));
    md.append(
        "| scenario | baseline s (min–max) | Habanero s (min–max) | ratio | target | |\n"
            + "|---|---|---|---|---|---|\n");
    for (String row : table) {
      md.append(row).append('\n');
    }
    if (!latencyTable.isEmpty()) {
      md.append(
          "\nSmall-table point lookups, latency per query in milliseconds (ratio = Habanero /"
              + " baseline):\n\n"
              + "| scenario | pairs | baseline median ms | baseline p90 ms | Habanero median ms |"
              + " Habanero p90 ms | ratio (median) | ratio (p90) |\n"
              + "|---|---|---|---|---|---|---|---|\n");
      for (String row : latencyTable) {
        md.append(row).append('\n');
      }
    }
    if (!failures.isEmpty()) {
      md.append("\nFAILURES:\n");
      failures.forEach(f -> md.append("- ").append(f).append('\n'));
    }
    String name = smoke ? "dataframe-smoke" : "dataframe-latest";
    Files.writeString(out.resolve(name + ".md"), md.toString());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve(name + ".json").toFile(), results);
    System.out.println(md);
    BenchSupport.log("wrote " + out.resolve(name + ".md") + " and .json");
  }
}
