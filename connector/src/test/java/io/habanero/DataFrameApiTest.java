package io.habanero;

import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.errors.ChangesetFailedException;
import io.habanero.errors.ConflictException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
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
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code habanero} DataFrame source and SQL catalog, on a real local Delta warehouse. */
class DataFrameApiTest {
  private static final String LINEAGE = "_habanero_changeset_id";
  private static final StructType PEOPLE =
      new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType);

  private static SparkSession spark;

  @TempDir Path tmp;
  private Path wh;
  private Habanero h;

  @BeforeAll
  static void session() {
    spark = SharedSpark.get();
    spark.conf().set("spark.sql.catalog.habanero", "io.habanero.spark.HabaneroCatalog");
  }

  @BeforeEach
  void open() {
    wh = tmp.resolve("wh");
    // The catalog and the source take the warehouse from the session unless an option says more.
    spark.conf().set("spark.habanero.warehouse", wh.toString());
    h = Fixtures.habanero(wh);
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

  private static DataFrameReader read(String ds) {
    return spark.read().format("habanero").option("datasetId", ds);
  }

  private static void append(String ds, Dataset<Row> df) {
    df.write().format("habanero").option("datasetId", ds).mode("append").save();
  }

  private List<ChangesetSummary> changesets(String ds) {
    return h.listChangesets(new ListChangesetsRequest(ds, null, null)).changesets();
  }

  private static String table(Path wh, String ds) {
    return Fixtures.tablePath(wh, ds);
  }

  @Test
  void everyColumnTypeRoundTripsAndTheLineageColumnIsHiddenUnlessAsked() {
    StructType schema =
        new StructType()
            .add("b", DataTypes.ByteType)
            .add("s", DataTypes.ShortType)
            .add("i", DataTypes.IntegerType)
            .add("l", DataTypes.LongType)
            .add("f", DataTypes.FloatType)
            .add("d", DataTypes.DoubleType)
            .add("px", DataTypes.createDecimalType(18, 4))
            .add("str", DataTypes.StringType)
            .add("flag", DataTypes.BooleanType)
            .add("day", DataTypes.DateType)
            .add("ts", DataTypes.TimestampType)
            .add("bin", DataTypes.BinaryType)
            .add("arr", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("m", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType))
            .add(
                "st",
                new StructType().add("a", DataTypes.IntegerType).add("c", DataTypes.StringType));
    List<Row> data =
        List.of(
            RowFactory.create(
                (byte) 1,
                (short) 2,
                3,
                4L,
                1.5f,
                2.25d,
                new BigDecimal("123.4567"),
                "x,\"y\"",
                true,
                Date.valueOf("2026-11-25"),
                Timestamp.from(Instant.parse("2026-11-25T10:15:30.123456Z")),
                new byte[] {1, 2, 3},
                List.of(1, 2),
                Map.of("k", 7),
                RowFactory.create(9, "z")),
            RowFactory.create(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null));
    Dataset<Row> df = spark.createDataFrame(data, schema);

    append("types", df);

    Dataset<Row> back = read("types").load();
    assertThat(back.schema().json()).isEqualTo(schema.json());
    // Binary values print as array references, so they are compared as hex.
    assertThat(rows(back.withColumn("bin", functions.hex(back.col("bin")))))
        .isEqualTo(rows(df.withColumn("bin", functions.hex(df.col("bin")))))
        .hasSize(2);
    String id = changesets("types").get(0).changesetId();
    Dataset<Row> withLineage = read("types").option("includeChangesetId", "true").load();
    assertThat(withLineage.columns()).contains(LINEAGE);
    assertThat(rows(withLineage.select(LINEAGE).distinct())).containsExactly("[" + id + "]");
  }

  @Test
  void appendOverwriteAndModifyAreRecordedChangesetsWithOneDeltaVersionEach() {
    append("p", people(1, 3, "a"));
    people(4, 5, "b")
        .write()
        .format("habanero")
        .option("datasetId", "p")
        .option("changeType", "APPEND")
        .save();
    List<ChangesetSummary> cs = changesets("p");
    assertThat(cs).hasSize(2);
    assertThat(cs).allMatch(c -> c.status() == IngestionStatus.SUCCESS);
    assertThat(cs).allMatch(c -> c.changeType() == ChangeType.APPEND);
    assertThat(cs.get(0).sourceParams()).containsEntry("source", "DataFrame");
    assertThat(Fixtures.latestVersion(wh, "p")).isEqualTo(1);
    List<String> both = new ArrayList<>(expected(1, 3, "a"));
    both.addAll(expected(4, 5, "b"));
    assertThat(rows(read("p").load())).containsExactlyInAnyOrderElementsOf(both);

    // MODIFY replaces only the first changeset's rows.
    String first = cs.get(0).changesetId();
    people(10, 11, "m")
        .write()
        .format("habanero")
        .option("datasetId", "p")
        .option("changeType", "MODIFY")
        .option("updatesChangesetId", first)
        .mode("append")
        .save();
    List<String> modified = new ArrayList<>(expected(4, 5, "b"));
    modified.addAll(expected(10, 11, "m"));
    assertThat(rows(read("p").load())).containsExactlyInAnyOrderElementsOf(modified);
    cs = changesets("p");
    assertThat(cs.get(2).changeType()).isEqualTo(ChangeType.MODIFY);
    assertThat(cs.get(2).updatesChangesetId()).isEqualTo(first);
    assertThat(cs.get(0).updatedByChangesetId()).isEqualTo(cs.get(2).changesetId());

    // mode("overwrite") is REPLACE.
    people(20, 21, "r")
        .write()
        .format("habanero")
        .option("datasetId", "p")
        .mode("overwrite")
        .save();
    assertThat(rows(read("p").load())).isEqualTo(expected(20, 21, "r"));
    cs = changesets("p");
    assertThat(cs.get(3).changeType()).isEqualTo(ChangeType.REPLACE);
    assertThat(cs.get(3).status()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(Fixtures.latestVersion(wh, "p")).isEqualTo(3);
  }

  @Test
  void aFailedWriteIsRecordedFailedAndChangesNothing() {
    append("p", people(1, 3, "a"));
    long version = Fixtures.latestVersion(wh, "p");
    Dataset<Row> wrongTypes = spark.sql("SELECT 'x' AS id, 'n' AS name");

    assertThatThrownBy(() -> append("p", wrongTypes))
        .isInstanceOfSatisfying(
            ChangesetFailedException.class,
            e -> assertThat(e.category()).isEqualTo(ErrorCategory.VALIDATION))
        .hasMessageContaining("FAILED")
        .hasMessageContaining("column 'id' is string in the source but int in the dataset");

    assertThat(rows(read("p").load())).isEqualTo(expected(1, 3, "a"));
    assertThat(Fixtures.latestVersion(wh, "p")).isEqualTo(version);
    List<ChangesetSummary> cs = changesets("p");
    assertThat(cs).hasSize(2);
    assertThat(cs.get(1).status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(cs.get(1).errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(cs.get(1).errorInfo().errorMessage()).contains("column 'id'");
  }

  @Test
  void theDefaultSaveModeRefusesAnExistingDatasetWithoutRecordingAChangeset() {
    people(1, 2, "a").write().format("habanero").option("datasetId", "p").save();
    assertThat(rows(read("p").load())).isEqualTo(expected(1, 2, "a"));

    assertThatThrownBy(() -> people(3, 4, "b").write().format("habanero").save("p"))
        .isInstanceOfSatisfying(
            ConflictException.class,
            e -> assertThat(e.category()).isEqualTo(ErrorCategory.USER_RECOVERABLE))
        .hasMessageContaining("Dataset 'p' already exists")
        .hasMessageContaining("mode(\"append\")");
    assertThat(changesets("p")).hasSize(1);
    assertThat(rows(read("p").load())).isEqualTo(expected(1, 2, "a"));
  }

  @Test
  void timeTravelByChangesetIdVersionAndTimestamp() throws Exception {
    append("p", people(1, 2, "a"));
    Thread.sleep(1100); // commit timestamps of whole seconds apart
    append("p", people(3, 4, "b"));
    Thread.sleep(1100);
    people(5, 5, "c").write().format("habanero").option("datasetId", "p").mode("overwrite").save();
    List<ChangesetSummary> cs = changesets("p");
    List<String> afterSecond = new ArrayList<>(expected(1, 2, "a"));
    afterSecond.addAll(expected(3, 4, "b"));

    assertThat(rows(read("p").option("changesetId", cs.get(0).changesetId()).load()))
        .isEqualTo(expected(1, 2, "a"));
    assertThat(rows(read("p").option("versionAsOf", "1").load()))
        .containsExactlyInAnyOrderElementsOf(afterSecond);
    String second =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochMilli(cs.get(1).activeFromTimestamp()));
    assertThat(rows(read("p").option("timestampAsOf", second).load()))
        .containsExactlyInAnyOrderElementsOf(afterSecond);
    assertThat(rows(read("p").load())).isEqualTo(expected(5, 5, "c"));
  }

  @Test
  void optionsThatDoNotMixOrDoNotParseFailWithTheOptionAndTheFix() {
    append("p", people(1, 2, "a"));
    String id = changesets("p").get(0).changesetId();

    expectValidation(
        () -> read("p").option("versionAsOf", "0").option("changesetId", id).load(),
        "Options changesetId and versionAsOf were both given",
        "keep one of changesetId, versionAsOf or timestampAsOf");
    expectValidation(
        () -> read("p").option("versionAsOf", "-1").load(),
        "Option versionAsOf '-1' is invalid",
        "a whole number 0 or more");
    expectValidation(
        () -> read("p").option("versionAsOf", "99").load(),
        "Option versionAsOf '99' is invalid",
        "is not in the history of dataset 'p'");
    expectValidation(
        () -> read("p").option("includeChangesetId", "yes").load(),
        "Option includeChangesetId 'yes' is invalid",
        "use true or false");
    expectValidation(
        () -> read("p").option("bogus", "1").load(),
        "unknown key(s) [bogus]",
        "Accepted keys: [datasetId, changesetId, versionAsOf");
    expectValidation(
        () -> read("p").option("changeType", "APPEND").load(),
        "Option changeType is for writes",
        "drop it");
    expectValidation(
        () -> spark.read().format("habanero").load(), "Option datasetId is required", "datasetId");
    expectValidation(
        () -> read("../etc").load(), "datasetId '../etc' is invalid", "letters, digits");
    expectValidation(
        () ->
            people(3, 3, "x")
                .write()
                .format("habanero")
                .option("datasetId", "p")
                .option("changeType", "UPSERT")
                .save(),
        "Option changeType 'UPSERT' is invalid",
        "use one of APPEND, REPLACE, MODIFY");
    expectValidation(
        () ->
            people(3, 3, "x")
                .write()
                .format("habanero")
                .option("datasetId", "p")
                .option("changeType", "APPEND")
                .mode("overwrite")
                .save(),
        "is APPEND, but mode(\"overwrite\") means REPLACE",
        "set changeType=REPLACE");
    expectValidation(
        () ->
            people(3, 3, "x")
                .write()
                .format("habanero")
                .option("datasetId", "p")
                .option("changeType", "MODIFY")
                .save(),
        "Option updatesChangesetId is required",
        "changeType=MODIFY");
    expectValidation(
        () ->
            people(3, 3, "x")
                .write()
                .format("habanero")
                .option("datasetId", "p")
                .option("changesetId", id)
                .mode("append")
                .save(),
        "Option changesetId is for reads",
        "changeType=MODIFY");
    // None of the rejected writes recorded anything or changed the data.
    assertThat(changesets("p")).hasSize(1);
    assertThat(rows(read("p").load())).isEqualTo(expected(1, 2, "a"));
  }

  private static void expectValidation(Runnable call, String problem, String fix) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            ValidationException.class,
            e -> assertThat(((HabaneroException) e).category()).isEqualTo(ErrorCategory.VALIDATION))
        .hasMessageContaining(problem)
        .hasMessageContaining(fix);
  }

  @Test
  void anOptionTakesPrecedenceOverTheSessionConf() {
    Path other = tmp.resolve("other-wh");
    people(1, 2, "a")
        .write()
        .format("habanero")
        .option("datasetId", "p")
        .option("warehouse", other.toString())
        .mode("append")
        .save();

    assertThat(rows(read("p").option("warehouse", other.toString()).load()))
        .isEqualTo(expected(1, 2, "a"));
    // Nothing went to the session's warehouse.
    assertThatThrownBy(() -> h.listChangesets(new ListChangesetsRequest("p", null, null)))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("Dataset 'p' does not exist");
    assertThat(java.nio.file.Files.exists(Path.of(table(other, "p"), "_delta_log"))).isTrue();
  }

  @Test
  void readsUseDeltasNativeScanWithPushdownAndDataSkipping() {
    append("p", people(1, 100, "a"));
    append("p", people(101, 200, "b"));
    Dataset<Row> all = read("p").load();
    Dataset<Row> one = all.filter("id = 150").select("name");

    String plan = one.queryExecution().executedPlan().toString();
    assertThat(plan).contains("FileScan parquet");
    assertThat(plan).contains("PushedFilters: [IsNotNull(id), EqualTo(id,150)]");
    assertThat(plan).contains("ReadSchema: struct<id:int,name:string>");
    assertThat(plan).doesNotContain(LINEAGE);
    assertThat(rows(one)).containsExactly("[b150]");
    // Delta's data skipping: the filter reads only the file whose id range holds 150.
    assertThat(filesRead(one)).isEqualTo(1);
    assertThat(filesRead(all)).isEqualTo(Fixtures.referencedFiles(wh, "p").size());
    assertThat(filesRead(all)).isGreaterThan(1);
  }

  /** Files the query's Parquet scan read, from the scan's own metric, after running it. */
  private static long filesRead(Dataset<Row> df) {
    df.queryExecution().toRdd().count();
    var plan = df.queryExecution().executedPlan();
    List<Long> counts = new ArrayList<>();
    scala.collection.JavaConverters.seqAsJavaList(plan.collectLeaves())
        .forEach(
            leaf -> {
              if (leaf.metrics().contains("numFiles")) {
                counts.add(leaf.metrics().apply("numFiles").value());
              }
            });
    assertThat(counts).hasSize(1);
    return counts.get(0);
  }

  @Test
  void theSqlCatalogListsReadsTimeTravelsInsertsAndDescribes() {
    append("trades", people(1, 3, "a"));
    String first = changesets("trades").get(0).changesetId();

    assertThat(rows(spark.sql("SHOW TABLES IN habanero").select("tableName")))
        .containsExactly("[trades]");
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades"))).isEqualTo(expected(1, 3, "a"));
    assertThat(rows(spark.sql("DESCRIBE habanero.trades").select("col_name", "data_type")))
        .containsExactly("[id,int]", "[name,string]");

    spark.sql("INSERT INTO habanero.trades VALUES (4, 'b4'), (5, 'b5')");
    List<String> both = new ArrayList<>(expected(1, 3, "a"));
    both.addAll(expected(4, 5, "b"));
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades")))
        .containsExactlyInAnyOrderElementsOf(both);
    List<ChangesetSummary> cs = changesets("trades");
    assertThat(cs).hasSize(2);
    assertThat(cs.get(1).changeType()).isEqualTo(ChangeType.APPEND);
    assertThat(cs.get(1).status()).isEqualTo(IngestionStatus.SUCCESS);

    assertThat(rows(spark.sql("SELECT * FROM habanero.trades VERSION AS OF 0")))
        .isEqualTo(expected(1, 3, "a"));
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades VERSION AS OF '" + first + "'")))
        .isEqualTo(expected(1, 3, "a"));
    String ts =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochMilli(cs.get(1).activeFromTimestamp()));
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades TIMESTAMP AS OF '" + ts + "'")))
        .containsExactlyInAnyOrderElementsOf(both);

    String plan =
        spark.sql("SELECT name FROM habanero.trades WHERE id = 2").queryExecution().toString();
    assertThat(plan).contains("PushedFilters: [IsNotNull(id), EqualTo(id,2)]");
    assertThat(rows(spark.sql("SELECT name FROM habanero.trades WHERE id = 2")))
        .containsExactly("[a2]");

    assertThatThrownBy(() -> spark.sql("CREATE TABLE habanero.fresh (id INT)"))
        .hasMessageContaining("CREATE TABLE is not supported by the habanero catalog")
        .hasMessageContaining("df.write.format(\"habanero\")");
    assertThatThrownBy(() -> spark.sql("INSERT INTO habanero.missing VALUES (1, 'x')"))
        .hasMessageContaining("missing");

    spark.sql("INSERT OVERWRITE habanero.trades SELECT 9, 'z9'");
    assertThat(rows(spark.sql("SELECT * FROM habanero.trades"))).containsExactly("[9,z9]");
    cs = changesets("trades");
    assertThat(cs.get(2).changeType()).isEqualTo(ChangeType.REPLACE);
    assertThat(Fixtures.latestVersion(wh, "trades")).isEqualTo(2);
  }
}
