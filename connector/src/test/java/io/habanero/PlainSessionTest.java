package io.habanero;

import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.delta.sql.DeltaSparkSessionExtension;
import io.delta.tables.DeltaTable;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ValidationException;
import io.habanero.internal.delta.DeltaSession;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.UpdateChangesetRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DataFrame API, the SQL catalog and the Java API on a SparkSession built with only the
 * Habanero settings: no {@code spark.sql.extensions}, no {@code spark.sql.catalog.spark_catalog}.
 * It needs a JVM of its own (Spark's extensions are static and {@link SharedSpark}'s session has
 * Delta's), so it is tagged for the {@code plain-session} surefire execution of this module.
 */
@Tag("plain-session")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlainSessionTest {
  private static final String EXTENSIONS = "spark.sql.extensions";
  private static final String CATALOG = "spark.sql.catalog.spark_catalog";
  private static final String EXTENSION_SETTING =
      "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension";
  private static final String CATALOG_SETTING =
      "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog";
  private static final String LINEAGE = "_habanero_changeset_id";
  private static final StructType PEOPLE =
      new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType);

  private static SparkSession spark;

  @TempDir Path tmp;
  private Path wh;
  private Habanero h;

  @BeforeAll
  static void plainSession() {
    // Under -Dtest=... with other classes in one JVM, a session may exist already; this class
    // then proves nothing here and runs in its own execution instead.
    assumeThat(SparkSession.getDefaultSession().isEmpty()).as("a fresh JVM").isTrue();
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("habanero-plain-session")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.catalog.habanero", "io.habanero.spark.HabaneroCatalog")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    assertThat(spark.conf().contains(EXTENSIONS)).isFalse();
    assertThat(spark.conf().contains(CATALOG)).isFalse();
    assertThat(DeltaSession.hasExtension(spark)).isFalse();
  }

  @BeforeEach
  void open() {
    wh = tmp.resolve("wh");
    spark.conf().set("spark.habanero.warehouse", wh.toString());
    h = Habanero.create(spark, Map.of("warehouse", wh.toString()));
  }

  @AfterEach
  void close() {
    spark.conf().unset("spark.habanero.warehouse");
    h.close();
  }

  private static Dataset<Row> people(int from, int to, String prefix) {
    List<Row> rows = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      rows.add(RowFactory.create(i, prefix + i));
    }
    return spark.createDataFrame(rows, PEOPLE);
  }

  private static List<String> expected(int from, int to, String prefix) {
    return rows(people(from, to, prefix));
  }

  private static List<String> union(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static DataFrameReader read(String ds) {
    return spark.read().format("habanero").option("datasetId", ds);
  }

  private List<ChangesetSummary> changesets(String ds) {
    return h.listChangesets(new ListChangesetsRequest(ds, null, null)).changesets();
  }

  private static String utc(long millis) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .withZone(ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(millis));
  }

  /** The refusal DESIGN.md asks for: VALIDATION, naming both settings and their values. */
  private static void expectExtensionRequired(ThrowingCallable call, String what) {
    assertThatThrownBy(call)
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e -> assertThat(((HabaneroException) e).category()).isEqualTo(ErrorCategory.VALIDATION))
        .hasMessageStartingWith(what + " needs Delta's SQL extension")
        .hasMessageContaining(EXTENSION_SETTING)
        .hasMessageContaining(CATALOG_SETTING)
        .hasMessageContaining("SparkSession.builder().config(key, value)")
        .hasMessageContaining("--conf key=value");
  }

  @Test
  @Order(1)
  void deltaItselfRefusesThisSession() {
    // The premise: Delta 3.3 opens no table on this session; Habanero must not pass that on.
    assertThatThrownBy(
            () -> people(1, 1, "x").write().format("delta").save(tmp.resolve("d").toString()))
        .hasMessageContaining("DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG");
  }

  @Test
  @Order(2)
  void dataFrameWritesAppendAndReplaceAndReadsTimeTravel() throws Exception {
    people(1, 3, "a")
        .write()
        .format("habanero")
        .option("datasetId", "t")
        .option("changeType", "APPEND")
        .save();
    assertThat(rows(read("t").load())).isEqualTo(expected(1, 3, "a"));
    Thread.sleep(1100); // commit timestamps a whole second apart, for timestampAsOf
    people(4, 5, "b")
        .write()
        .format("habanero")
        .option("datasetId", "t")
        .option("changeType", "APPEND")
        .save();
    List<String> afterSecond = union(expected(1, 3, "a"), expected(4, 5, "b"));
    assertThat(rows(read("t").load())).containsExactlyInAnyOrderElementsOf(afterSecond);
    Thread.sleep(1100);
    people(9, 10, "r").write().format("habanero").option("datasetId", "t").mode("overwrite").save();
    assertThat(rows(read("t").load())).isEqualTo(expected(9, 10, "r"));

    List<ChangesetSummary> cs = changesets("t");
    assertThat(cs)
        .extracting(ChangesetSummary::changeType)
        .containsExactly(ChangeType.APPEND, ChangeType.APPEND, ChangeType.REPLACE);
    assertThat(cs).extracting(ChangesetSummary::status).containsOnly(IngestionStatus.SUCCESS);

    assertThat(rows(read("t").option("changesetId", cs.get(0).changesetId()).load()))
        .isEqualTo(expected(1, 3, "a"));
    assertThat(rows(read("t").option("versionAsOf", "1").load()))
        .containsExactlyInAnyOrderElementsOf(afterSecond);
    assertThat(rows(read("t").option("timestampAsOf", utc(cs.get(1).activeFromTimestamp())).load()))
        .containsExactlyInAnyOrderElementsOf(afterSecond);
    assertThatThrownBy(() -> read("t").option("versionAsOf", "7").load())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("is not in the history of dataset 't'");
  }

  @Test
  @Order(3)
  void readsKeepLineageOnRequestAndDeltaPushdown() {
    people(1, 2, "a").write().format("habanero").option("datasetId", "t").mode("append").save();
    people(3, 3, "b").write().format("habanero").option("datasetId", "t").mode("append").save();
    List<ChangesetSummary> cs = changesets("t");

    Dataset<Row> withLineage = read("t").option("includeChangesetId", "true").load().orderBy("id");
    assertThat(withLineage.columns()).containsExactly("id", "name", LINEAGE);
    assertThat(rows(withLineage.select("id", LINEAGE)))
        .containsExactlyInAnyOrder(
            "[1," + cs.get(0).changesetId() + "]",
            "[2," + cs.get(0).changesetId() + "]",
            "[3," + cs.get(1).changesetId() + "]");
    assertThat(read("t").load().columns()).containsExactly("id", "name");

    Dataset<Row> filtered = read("t").load().where("id = 2").select("name");
    assertThat(filtered.queryExecution().executedPlan().toString())
        .contains("PushedFilters: [IsNotNull(id), EqualTo(id,2)]");
    assertThat(rows(filtered)).containsExactly("[a2]");
  }

  @Test
  @Order(4)
  void modifyIsRefusedAtOnceAndRecordsNothing() {
    people(1, 2, "a").write().format("habanero").option("datasetId", "t").mode("append").save();
    String first = changesets("t").get(0).changesetId();

    expectExtensionRequired(
        () ->
            people(1, 1, "m")
                .write()
                .format("habanero")
                .option("datasetId", "t")
                .option("changeType", "MODIFY")
                .option("updatesChangesetId", first)
                .save(),
        "MODIFY");

    Path dir = Fixtures.freshDir(tmp);
    Fixtures.write(dir.resolve("part.csv"), "id,name\n1,m1\n");
    expectExtensionRequired(
        () ->
            h.createChangeset(
                Fixtures.csv("t", ChangeType.MODIFY, dir).updatesChangesetId(first).build()),
        "MODIFY");
    expectExtensionRequired(
        () ->
            h.updateChangeset(
                new UpdateChangesetRequest(
                    null,
                    "t",
                    first,
                    Map.of("s3SourcePath", dir.toString()),
                    Map.of("formatType", "CSV"))),
        "MODIFY");

    // Nothing recorded, nothing written.
    assertThat(changesets("t")).hasSize(1);
    assertThat(rows(read("t").load())).isEqualTo(expected(1, 2, "a"));
  }

  @Test
  @Order(5)
  void theSqlCatalogReadsTimeTravelsInsertsAndLists() throws Exception {
    people(1, 3, "a").write().format("habanero").option("datasetId", "trades").save();
    String first = changesets("trades").get(0).changesetId();

    assertThat(rows(spark.sql("SHOW TABLES IN habanero").select("tableName")))
        .containsExactly("[trades]");
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades"))).isEqualTo(expected(1, 3, "a"));
    Thread.sleep(1100);
    spark.sql("INSERT INTO habanero.trades VALUES (4, 'b4'), (5, 'b5')");
    List<String> both = union(expected(1, 3, "a"), expected(4, 5, "b"));
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades")))
        .containsExactlyInAnyOrderElementsOf(both);

    List<ChangesetSummary> cs = changesets("trades");
    assertThat(cs)
        .extracting(ChangesetSummary::changeType)
        .containsExactly(ChangeType.APPEND, ChangeType.APPEND);
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades VERSION AS OF 0")))
        .isEqualTo(expected(1, 3, "a"));
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades VERSION AS OF '" + first + "'")))
        .isEqualTo(expected(1, 3, "a"));
    String ts = utc(cs.get(1).activeFromTimestamp());
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades TIMESTAMP AS OF '" + ts + "'")))
        .containsExactlyInAnyOrderElementsOf(both);

    spark.sql("INSERT OVERWRITE habanero.trades SELECT 9, 'z9'");
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades"))).containsExactly("[9,z9]");
    assertThat(changesets("trades").get(2).changeType()).isEqualTo(ChangeType.REPLACE);
  }

  @Test
  @Order(6)
  void theJavaApiIngestsFilesAndReads() {
    Changeset c1 =
        Fixtures.csvChangeset(h, tmp, "c", ChangeType.APPEND, null, "id,name\n1,x1\n2,x2\n");
    assertThat(rows(h.readDataset("c"))).containsExactly("[1,x1]", "[2,x2]");
    Fixtures.csvChangeset(h, tmp, "c", ChangeType.APPEND, null, "id,name\n3,x3\n");
    assertThat(rows(h.readDataset("c"))).containsExactly("[1,x1]", "[2,x2]", "[3,x3]");
    Fixtures.csvChangeset(h, tmp, "c", ChangeType.REPLACE, null, "id,name\n7,y7\n");
    assertThat(rows(h.readDataset("c"))).containsExactly("[7,y7]");
    assertThat(rows(h.readDataset("c", c1.id()))).containsExactly("[1,x1]", "[2,x2]");
    // The same dataset through the DataFrame API: CSV columns are inferred, so compare as text.
    assertThat(rows(read("c").load())).containsExactly("[7,y7]");
  }

  /**
   * Deletion vectors: Delta filters deleted rows only through its extension, so a read of a version
   * that has them is refused (it would return the deleted rows); earlier versions still read. Runs
   * last: it needs a second session, with the extension, to DELETE through Delta.
   */
  @Test
  @Order(100)
  void aVersionWithDeletionVectorsIsRefusedEarlierVersionsRead() {
    people(1, 4, "a").write().format("habanero").option("datasetId", "dv").save();
    String table = wh.resolve("datasets").resolve("dv").toString();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SparkSession delta =
        SparkSession.builder()
            .withExtensions(new DeltaSparkSessionExtension())
            .config(CATALOG, "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .getOrCreate();
    try {
      assertThat(delta).isNotSameAs(spark);
      delta.sql(
          "ALTER TABLE delta.`"
              + table
              + "` SET TBLPROPERTIES (delta.enableDeletionVectors = true)");
      DeltaTable.forPath(delta, table).delete("id = 2");
      assertThat(rows(delta.read().format("delta").load(table).drop(LINEAGE)))
          .containsExactly("[1,a1]", "[3,a3]", "[4,a4]");
      // With the extension, Habanero's reads of that version filter the deleted row too.
      assertThat(
              rows(
                  delta
                      .read()
                      .format("habanero")
                      .option("datasetId", "dv")
                      .option("warehouse", wh.toString())
                      .load()))
          .containsExactly("[1,a1]", "[3,a3]", "[4,a4]");
    } finally {
      SparkSession.setDefaultSession(spark);
      SparkSession.setActiveSession(spark);
    }

    expectExtensionRequired(() -> read("dv").load(), "Reading dataset 'dv' at version 2");
    expectExtensionRequired(() -> h.readDataset("dv"), "Reading dataset 'dv' at version 2");
    expectExtensionRequired(
        () -> spark.sql("SELECT * FROM habanero.dv").collectAsList(),
        "Reading dataset 'dv' at version 2");
    assertThat(rows(read("dv").option("versionAsOf", "0").load())).isEqualTo(expected(1, 4, "a"));
  }
}
