package io.habanero.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.habanero.Habanero;
import io.habanero.SharedSpark;
import io.habanero.conformance.ConformanceCorpus.Case;
import io.habanero.conformance.ConformanceCorpus.Expect;
import io.habanero.errors.HabaneroException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import scala.collection.JavaConverters;

/**
 * The conformance suite: every file of {@link ConformanceCorpus} is ingested through Habanero as a
 * first changeset of its own dataset and compared, row for row, with what plain Spark reads with
 * the equivalent options. Where Habanero is deliberately stricter than Spark (short rows, malformed
 * records, undeclared encodings, concatenated documents, header-only input), the case expects a
 * VALIDATION failure whose message names the file and says what is wrong.
 *
 * <p>Run one format or file with {@code -Dconformance.only=csv/} (a substring of the case name).
 * Every outcome is also appended to {@code target/conformance-results.txt}.
 */
class ConformanceTest {
  @TempDir static Path tmp;

  private static SparkSession spark;
  private static Habanero habanero;
  private static Path corpus;
  private static List<Case> cases;
  private static Path results;
  private static ExecutorService pool;
  private static final Map<String, Future<String>> outcomes = new ConcurrentHashMap<>();

  /**
   * Writes the corpus and starts every selected case on a small pool (default 2 threads, {@code
   * -Dconformance.threads}): most of a case's time is driver-side (planning, Delta log, records),
   * so two cases at a time keep both local cores busy. Each case has its own dataset, so they do
   * not interact; each test below waits for its own case and reports it.
   */
  @BeforeAll
  static void open() throws IOException {
    spark = SharedSpark.get();
    corpus = tmp.resolve("corpus");
    cases = ConformanceCorpus.write(corpus, spark);
    habanero = Habanero.create(spark, Map.of("warehouse", tmp.resolve("wh").toString()));
    results = Path.of("target", "conformance-results.txt");
    Files.createDirectories(results.getParent());
    Files.writeString(results, "");
    int threads = Integer.getInteger("conformance.threads", 2);
    pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "conformance");
              t.setDaemon(true);
              return t;
            });
    for (int i : selected()) {
      Case c = cases.get(i);
      String datasetId = c.datasetId(i);
      outcomes.put(c.name(), pool.submit(() -> run(c, datasetId)));
    }
  }

  @AfterAll
  static void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    if (habanero != null) {
      habanero.close();
    }
  }

  /** The indexes of the cases whose name contains {@code -Dconformance.only} (all by default). */
  private static List<Integer> selected() {
    String only = System.getProperty("conformance.only", "");
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      if (cases.get(i).name().contains(only)) {
        out.add(i);
      }
    }
    return out;
  }

  static Stream<Arguments> corpusCases() {
    return selected().stream().map(i -> Arguments.of(cases.get(i), i));
  }

  @Test
  void corpusHasAtLeastSixtyFilesAcrossTheFourFormats() {
    long files = ConformanceCorpus.countFiles(corpus);
    Map<String, Long> perFormat =
        cases.stream()
            .collect(Collectors.groupingBy(c -> c.format().name(), Collectors.counting()));
    assertThat(files).as("data files in the corpus").isGreaterThanOrEqualTo(60);
    assertThat(perFormat.keySet()).containsExactlyInAnyOrder("CSV", "JSON", "XML", "PARQUET");
    assertThat(cases.stream().filter(c -> c.why().isBlank())).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpusCases")
  void conforms(Case c, int index) throws Throwable {
    String observed;
    try {
      observed = outcomes.get(c.name()).get(10, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      record("FAIL", c, Text.oneLine(e.getCause().getMessage()));
      throw e.getCause();
    }
    record("PASS", c, observed);
  }

  /** Runs one case to its verdict: the observed outcome, or an AssertionError that says it. */
  private static String run(Case c, String datasetId) {
    CreateChangesetRequest request =
        CreateChangesetRequest.builder()
            .datasetId(datasetId)
            .changeType(ChangeType.APPEND)
            .s3SourcePath(corpus.resolve(c.name()).toString())
            .formatType(c.format())
            .formatParams(c.params())
            .build();
    Changeset cs;
    try {
      cs = habanero.createChangeset(request).changeset();
    } catch (HabaneroException e) {
      // Refused at create time: only right for an expected VALIDATION.
      String observed =
          "refused at create: " + e.errorCode() + " " + e.category() + ": " + clip(e.getMessage());
      if (c.expect() != Expect.VALIDATION) {
        fail("expected %s; observed %s", c.expect(), observed);
      }
      assertValidation(c, e.category(), e.getMessage(), observed);
      return observed;
    }
    String observed =
        cs.status()
            + (cs.errorInfo() == null
                ? ""
                : " "
                    + cs.errorInfo().errorCategory()
                    + ": "
                    + clip(cs.errorInfo().errorMessage()));
    if (c.expect() == Expect.VALIDATION) {
      assertThat(cs.status())
          .as("expected VALIDATION failure; observed %s", observed)
          .isEqualTo(IngestionStatus.FAILED);
      assertValidation(c, cs.errorInfo().errorCategory(), cs.errorInfo().errorMessage(), observed);
      return observed;
    }
    assertThat(cs.status())
        .as("expected %s; observed %s", c.expect(), observed)
        .isEqualTo(IngestionStatus.SUCCESS);
    Dataset<Row> mine = habanero.readDataset(datasetId);
    Dataset<Row> plain = plainSpark(c);
    List<String> diff = compare(mine, plain, c.expect());
    assertThat(diff)
        .as("SUCCESS, but differs from plain Spark: %s", String.join("; ", diff))
        .isEmpty();
    return "SUCCESS, equal to plain Spark's read";
  }

  private static void assertValidation(
      Case c, ErrorCategory category, String message, String observed) {
    assertThat(category)
        .as("expected VALIDATION; observed %s", observed)
        .isEqualTo(ErrorCategory.VALIDATION);
    String lower = String.valueOf(message).toLowerCase(Locale.ROOT);
    List<String> missing =
        c.fragments().stream()
            .filter(f -> !lower.contains(f.toLowerCase(Locale.ROOT)))
            .collect(Collectors.toList());
    assertThat(missing).as("VALIDATION message lacks %s; observed %s", missing, observed).isEmpty();
    if (c.sparkOptions() != null) {
      // What makes Habanero stricter rather than equally unable: plain Spark, PERMISSIVE,
      // reads the same file without an error (count, because Spark refuses to select only its
      // corrupt-record column, which is all it makes of a JSON file in the wrong encoding).
      plainSpark(c).count();
    }
  }

  /** Plain Spark's read of the case's source with its hand-written options. */
  private static Dataset<Row> plainSpark(Case c) {
    Dataset<Row> df =
        spark
            .read()
            .format(c.sparkFormat())
            .options(c.sparkOptions())
            .load(corpus.resolve(c.sparkSource()).toString());
    return c.sparkPost().apply(df);
  }

  /** Differences in column names, types (catalogString) and rows (sorted string form). */
  private static List<String> compare(Dataset<Row> mine, Dataset<Row> plain, Expect expect) {
    List<String> diff = new ArrayList<>();
    List<String> myCols = columns(mine);
    List<String> plainCols = columns(plain);
    if (!myCols.equals(plainCols)) {
      diff.add("columns: habanero " + myCols + " vs spark " + plainCols);
    }
    List<String> myRows = rows(mine);
    List<String> plainRows = rows(plain);
    if (expect == Expect.MATCH && (myRows.isEmpty() || plainRows.isEmpty())) {
      diff.add("no rows: habanero " + myRows.size() + ", spark " + plainRows.size());
    }
    if (expect == Expect.MATCH_EMPTY && (!myRows.isEmpty() || !plainRows.isEmpty())) {
      diff.add("expected no rows: habanero " + myRows.size() + ", spark " + plainRows.size());
    }
    if (myCols.equals(plainCols) && !myRows.equals(plainRows)) {
      diff.add(
          "rows: only habanero "
              + clipList(minus(myRows, plainRows))
              + ", only spark "
              + clipList(minus(plainRows, myRows)));
    } else if (!myCols.equals(plainCols) && myRows.size() != plainRows.size()) {
      diff.add("row count: habanero " + myRows.size() + " vs spark " + plainRows.size());
    }
    return diff;
  }

  private static List<String> columns(Dataset<Row> df) {
    return Arrays.stream(df.schema().fields())
        .map(f -> "`" + f.name() + "`:" + f.dataType().catalogString())
        .collect(Collectors.toList());
  }

  private static List<String> rows(Dataset<Row> df) {
    return df.collectAsList().stream()
        .map(ConformanceTest::render)
        .sorted()
        .collect(Collectors.toList());
  }

  /** A stable string form: binary as hex, arrays/maps/structs recursively, maps sorted by key. */
  static String render(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof byte[] b) {
      return "0x" + HexFormat.of().formatHex(b);
    }
    if (v instanceof Row r) {
      StringJoiner j = new StringJoiner(", ", "{", "}");
      StructField[] fields = r.schema() == null ? null : r.schema().fields();
      for (int i = 0; i < r.length(); i++) {
        j.add((fields == null ? "" : fields[i].name() + "=") + render(r.get(i)));
      }
      return j.toString();
    }
    if (v instanceof scala.collection.Seq<?> s) {
      StringJoiner j = new StringJoiner(", ", "[", "]");
      for (Object o : JavaConverters.seqAsJavaList(s)) {
        j.add(render(o));
      }
      return j.toString();
    }
    if (v instanceof scala.collection.Map<?, ?> m) {
      TreeSet<String> entries = new TreeSet<>();
      for (Map.Entry<?, ?> e : JavaConverters.mapAsJavaMap(m).entrySet()) {
        entries.add(render(e.getKey()) + "->" + render(e.getValue()));
      }
      return "map" + entries;
    }
    if (v instanceof Double d) {
      // -0.0 and 0.0 differ, NaN is NaN: keep the bits visible.
      return d.equals(-0.0) ? "-0.0d" : d + "d";
    }
    if (v instanceof Float f) {
      return f.equals(-0.0f) ? "-0.0f" : f + "f";
    }
    return v.getClass().getSimpleName() + ":" + v;
  }

  private static List<String> minus(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    for (String s : b) {
      out.remove(s);
    }
    return out;
  }

  private static String clipList(List<String> l) {
    String s = l.stream().limit(3).map(ConformanceTest::clip).collect(Collectors.joining(" | "));
    return "[" + s + (l.size() > 3 ? " | ... " + (l.size() - 3) + " more" : "") + "]";
  }

  private static String clip(String s) {
    String one = Text.oneLine(s);
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }

  private static synchronized void record(String verdict, Case c, String detail) {
    try {
      Files.writeString(
          results,
          verdict + " " + c.name() + " [" + c.expect() + "]: " + detail + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Text {
    static String oneLine(String s) {
      return String.valueOf(s).replaceAll("\\s+", " ").trim();
    }
  }
}
