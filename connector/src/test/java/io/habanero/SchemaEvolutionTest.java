package io.habanero;

import static io.habanero.FailureFixture.assertError;
import static io.habanero.FailureFixture.assertIngestFails;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.FailureFixture.source;
import static io.habanero.FailureFixture.state;
import static io.habanero.Fixtures.rows;
import static io.habanero.Fixtures.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.errors.ChangesetFailedException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.ListChangesetsRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one schema opt-in: {@code mergeSchema=true} lets a changeset add new columns, which become
 * nullable columns of the dataset (null in every earlier row). Without it, and for missing columns
 * or changed types even with it, the changeset fails with VALIDATION and changes no data.
 */
class SchemaEvolutionTest {
  private static final String FIRST = "id,name,price\n1,a,1.5\n2,b,2.5\n";
  private static final Map<String, String> MERGE = Map.of("mergeSchema", "true");

  @TempDir static Path tmp;
  private static Habanero h;
  private static SparkSession spark;

  @BeforeAll
  static void open() {
    spark = SharedSpark.get();
    h = Fixtures.habanero(tmp.resolve("wh"));
  }

  @AfterAll
  static void close() {
    h.close();
  }

  /** A dataset of two rows, id INT, name STRING, price DOUBLE, from its first CSV changeset. */
  private static Changeset dataset(String id) {
    Path src = source(tmp, id + "-first", Map.of("a.csv", FIRST));
    Changeset c = createOk(h, request(id, ChangeType.APPEND, src, FormatType.CSV).build());
    assertThat(h.readDataset(id).schema().simpleString())
        .isEqualTo("struct<id:int,name:string,price:double>");
    return c;
  }

  /** An APPEND with the opt-in that must succeed. */
  private static Changeset appendMerging(String id, Path src, FormatType format) {
    return createOk(h, request(id, ChangeType.APPEND, src, format).formatParams(MERGE).build());
  }

  private static StructField field(Dataset<Row> df, String name) {
    return df.schema().apply(name);
  }

  @Test
  void aNewColumnWithoutTheOptInFailsNamingTheColumnAndTheOptIn() {
    dataset("no_opt_in");
    Path src = source(tmp, "no-opt-in-2", Map.of("b.csv", "id,name,price,venue\n3,c,3.5,X\n"));
    assertIngestFails(
        h,
        request("no_opt_in", ChangeType.APPEND, src, FormatType.CSV).build(),
        ErrorCategory.VALIDATION,
        "conflicts with dataset 'no_opt_in'",
        "column 'venue' is not in the dataset",
        "mergeSchema=true");
    // The schema is untouched too, not only the rows (assertIngestFails checks rows and version).
    assertThat(h.readDataset("no_opt_in").columns()).containsExactly("id", "name", "price");
  }

  @Test
  void csvColumnsAreAddedWithInferredTypesInAnyHeaderOrderAndEarlierRowsReadNull() {
    Changeset first = dataset("csv_merge");
    // New columns in the middle of a reordered header: matched by name, typed by inference.
    Path wide =
        source(
            tmp,
            "csv-merge-wide",
            Map.of("b.csv", "venue,id,qty,name,price\nXNYS,3,100,c,3.5\n,4,,d,4.5\n"));
    Changeset second = appendMerging("csv_merge", wide, FormatType.CSV);

    Dataset<Row> now = h.readDataset("csv_merge");
    // The dataset's columns keep their order; new columns come after them, nullable.
    assertThat(now.columns()).containsExactly("id", "name", "price", "venue", "qty");
    assertThat(field(now, "venue").dataType().simpleString()).isEqualTo("string");
    assertThat(field(now, "qty").dataType().simpleString()).isEqualTo("int");
    assertThat(field(now, "venue").nullable()).isTrue();
    assertThat(field(now, "qty").nullable()).isTrue();
    assertThat(rows(now))
        .isEqualTo(
            sorted(
                "[1,a,1.5,null,null]",
                "[2,b,2.5,null,null]",
                "[3,c,3.5,XNYS,100]",
                "[4,d,4.5,null,null]"));

    // As of the first changeset the dataset has its old schema and rows.
    Dataset<Row> before = h.readDataset("csv_merge", first.id());
    assertThat(before.columns()).containsExactly("id", "name", "price");
    assertThat(rows(before)).isEqualTo(sorted("[1,a,1.5]", "[2,b,2.5]"));
    assertThat(h.readDataset("csv_merge", second.id()).count()).isEqualTo(4);

    // Once added, the column is part of the schema: a later file without it is missing a column.
    Path narrow = source(tmp, "csv-merge-narrow", Map.of("c.csv", FIRST));
    assertIngestFails(
        h,
        request("csv_merge", ChangeType.APPEND, narrow, FormatType.CSV).build(),
        ErrorCategory.VALIDATION,
        "column 'venue' is missing from the source",
        "column 'qty' is missing from the source");
  }

  @Test
  void theOptInStillRefusesMissingColumnsAndChangedTypes() {
    dataset("strict");
    Path missing = source(tmp, "strict-missing", Map.of("m.csv", "id,name,venue\n3,c,X\n"));
    ChangesetErrorInfo info =
        assertIngestFails(
            h,
            request("strict", ChangeType.APPEND, missing, FormatType.CSV)
                .formatParams(MERGE)
                .build(),
            ErrorCategory.VALIDATION,
            "column 'price' is missing from the source");
    // The new column was acceptable, so the message does not blame it.
    assertThat(info.errorMessage()).doesNotContain("'venue'");

    Path pq = tmp.resolve("strict-parquet");
    spark
        .sql("SELECT 3 AS id, 'c' AS name, '3.5' AS price, 'X' AS venue")
        .write()
        .parquet(pq.toString());
    assertIngestFails(
        h,
        request("strict", ChangeType.APPEND, pq, FormatType.PARQUET).formatParams(MERGE).build(),
        ErrorCategory.VALIDATION,
        "column 'price' is string in the source but double in the dataset");
    assertThat(h.readDataset("strict").columns()).containsExactly("id", "name", "price");
  }

  @Test
  void jsonAndParquetSourcesAddColumnsWithTheirOwnTypes() {
    dataset("typed");
    Path json =
        source(
            tmp,
            "typed-json",
            Map.of("b.json", "{\"id\":3,\"name\":\"c\",\"price\":3.5,\"tags\":[\"x\",\"y\"]}\n"));
    appendMerging("typed", json, FormatType.JSON);
    Path pq = tmp.resolve("typed-parquet");
    spark
        .sql(
            "SELECT 4 AS id, 'd' AS name, 4.5D AS price, CAST(9.25 AS DECIMAL(18,4)) AS fee,"
                + " array('z') AS tags")
        .write()
        .parquet(pq.toString());
    appendMerging("typed", pq, FormatType.PARQUET);

    Dataset<Row> now = h.readDataset("typed");
    assertThat(now.schema().simpleString())
        .isEqualTo("struct<id:int,name:string,price:double,tags:array<string>,fee:decimal(18,4)>");
    assertThat(rows(now.orderBy("id")))
        .isEqualTo(
            sorted(
                "[1,a,1.5,null,null]",
                "[2,b,2.5,null,null]",
                "[3,c,3.5,WrappedArray(x, y),null]",
                "[4,d,4.5,WrappedArray(z),9.2500]"));
  }

  @Test
  void modifyWithTheOptInAddsTheColumnAndOtherChangesetsRowsReadNull() {
    Changeset first = dataset("modify_merge");
    Path second = source(tmp, "modify-merge-2", Map.of("b.csv", "id,name,price\n3,c,3.5\n"));
    createOk(h, request("modify_merge", ChangeType.APPEND, second, FormatType.CSV).build());
    Path fix =
        source(tmp, "modify-merge-fix", Map.of("f.csv", "id,name,price,venue\n1,a,1.25,XLON\n"));
    Changeset modify =
        createOk(
            h,
            request("modify_merge", ChangeType.MODIFY, fix, FormatType.CSV)
                .formatParams(MERGE)
                .updatesChangesetId(first.id())
                .build());

    // The first changeset's two rows are replaced by the correction; the second's row stays.
    assertThat(rows(h.readDataset("modify_merge")))
        .isEqualTo(sorted("[1,a,1.25,XLON]", "[3,c,3.5,null]"));
    assertThat(
            h.getChangeset(new GetChangesetRequest("modify_merge", modify.id()))
                .updatesChangesetId())
        .isEqualTo(first.id());

    // REPLACE takes the opt-in too: the dataset becomes exactly the new rows, with one more column.
    Path restated =
        source(
            tmp,
            "modify-merge-replace",
            Map.of("r.csv", "desk,id,name,price,venue\nD1,7,g,7.5,XNYS\n"));
    createOk(
        h,
        request("modify_merge", ChangeType.REPLACE, restated, FormatType.CSV)
            .formatParams(MERGE)
            .build());
    Dataset<Row> now = h.readDataset("modify_merge");
    assertThat(now.columns()).containsExactly("id", "name", "price", "venue", "desk");
    assertThat(rows(now)).isEqualTo(sorted("[7,g,7.5,XNYS,D1]"));
  }

  @Test
  void dataFrameWritesAddColumnsOnlyWithTheMergeSchemaOption() {
    String wh = tmp.resolve("wh").toString();
    spark
        .sql("SELECT 1 AS id, 'a' AS name")
        .write()
        .format("habanero")
        .option("warehouse", wh)
        .option("datasetId", "frames")
        .save();
    FailureFixture.State before = state(h, "frames");

    Dataset<Row> wider = spark.sql("SELECT 2 AS id, 'b' AS name, 7L AS score");
    ChangesetFailedException refused =
        assertError(
            ChangesetFailedException.class,
            ErrorCategory.VALIDATION,
            () ->
                wider
                    .write()
                    .format("habanero")
                    .option("warehouse", wh)
                    .option("datasetId", "frames")
                    .mode("append")
                    .save(),
            "column 'score' is not in the dataset",
            "mergeSchema=true");
    assertThat(refused).isNotNull();
    assertThat(state(h, "frames").rows()).isEqualTo(before.rows());

    wider
        .write()
        .format("habanero")
        .option("warehouse", wh)
        .option("datasetId", "frames")
        .option("mergeSchema", "true")
        .mode("append")
        .save();
    Dataset<Row> now = h.readDataset("frames");
    assertThat(now.columns()).containsExactly("id", "name", "score");
    assertThat(rows(now)).isEqualTo(sorted("[1,a,null]", "[2,b,7]"));
    // The opt-in is part of the changeset's record.
    List<ChangesetSummary> recorded =
        h.listChangesets(new ListChangesetsRequest("frames", 10, null)).changesets();
    assertThat(recorded.get(recorded.size() - 1).formatParams())
        .containsEntry("mergeSchema", "true");

    // mergeSchema is a write option: a read with it is refused, naming it.
    assertError(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            spark
                .read()
                .format("habanero")
                .option("warehouse", wh)
                .option("datasetId", "frames")
                .option("mergeSchema", "true")
                .load(),
        "Option mergeSchema",
        "is for writes");
  }

  @Test
  void mergeSchemaMustBeTrueOrFalse() {
    dataset("bad_flag");
    Path src = source(tmp, "bad-flag-2", Map.of("b.csv", FIRST));
    FailureFixture.assertRejected(
        h,
        "bad_flag",
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            h.createChangeset(
                request("bad_flag", ChangeType.APPEND, src, FormatType.CSV)
                    .formatParam("mergeSchema", "yes")
                    .build()),
        "formatParams.mergeSchema",
        "must be true or false");
  }
}
