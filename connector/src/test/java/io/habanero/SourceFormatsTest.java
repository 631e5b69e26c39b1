package io.habanero;

import static io.habanero.Fixtures.rows;
import static io.habanero.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each source format and its formatParams, checked on content and column types. */
class SourceFormatsTest {
  @TempDir Path tmp;
  private Habanero h;

  @BeforeEach
  void open() {
    h = Fixtures.habanero(tmp.resolve("wh"));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private Changeset ingest(
      String ds, Path source, FormatType type, Map<String, String> formatParams) {
    Changeset cs =
        h.createChangeset(
                CreateChangesetRequest.builder()
                    .datasetId(ds)
                    .changeType(ChangeType.APPEND)
                    .s3SourcePath(source.toString())
                    .formatType(type)
                    .formatParams(formatParams)
                    .build())
            .changeset();
    // Every source here is valid: a FAILED changeset means the format mapping is wrong.
    assertThat(cs.status()).as("%s", cs.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    return cs;
  }

  /** "name:type" for each column, in order. */
  private static List<String> types(Dataset<Row> df) {
    return Arrays.stream(df.schema().fields())
        .map(f -> f.name() + ":" + f.dataType().simpleString())
        .collect(Collectors.toList());
  }

  private Path dir() {
    return Fixtures.freshDir(tmp);
  }

  @Test
  void csvHonoursSeparatorQuoteEscaperNullValueAndDateFormats() {
    Path src = dir();
    write(
        src.resolve("t.csv"),
        String.join(
            "\n",
            "id|name|venue|d|ts",
            "1|'pipe|inside'|NA|2024/01/02|2024/01/02 03:04:05",
            "2|'it\\'s'|XLON|2024/02/03|2024/02/03 10:11:12",
            ""));

    ingest(
        "csvopts",
        src,
        FormatType.CSV,
        Map.of(
            "withHeader", "true",
            "separator", "|",
            "quoteChar", "'",
            "escaper", "\\",
            "nullValue", "NA",
            "dateFormat", "yyyy/MM/dd",
            "timestampFormat", "yyyy/MM/dd HH:mm:ss"));

    Dataset<Row> df = h.readDataset("csvopts").orderBy("id");
    // Dates and timestamps in the custom formats are inferred as such, not left as strings.
    assertThat(types(df))
        .containsExactly("id:int", "name:string", "venue:string", "d:date", "ts:timestamp");
    List<Row> r = df.collectAsList();
    // The quoted separator stays inside the value; the escaped quote is unescaped.
    assertThat(r.get(0).<String>getAs("name")).isEqualTo("pipe|inside");
    assertThat(r.get(1).<String>getAs("name")).isEqualTo("it's");
    // nullValue turns NA into a real null, not the string "NA".
    assertThat(r.get(0).<String>getAs("venue")).isNull();
    assertThat(r.get(1).<String>getAs("venue")).isEqualTo("XLON");
    assertThat(r.get(0).<Date>getAs("d")).isEqualTo(Date.valueOf("2024-01-02"));
    // The session time zone is UTC, so the wall-clock time is the UTC instant.
    assertThat(r.get(1).<Timestamp>getAs("ts").toInstant().toString())
        .isEqualTo("2024-02-03T10:11:12Z");
  }

  @Test
  void csvWithoutHeaderNamesColumnsByPosition() {
    Path src = dir();
    write(src.resolve("t.csv"), "1,a\n2,b\n");

    ingest("noheader", src, FormatType.CSV, Map.of("withHeader", "false"));

    Dataset<Row> df = h.readDataset("noheader");
    // The first line is data, not a header: both rows are there under positional names.
    assertThat(types(df)).containsExactly("_c0:int", "_c1:string");
    assertThat(rows(df)).containsExactly("[1,a]", "[2,b]");
  }

  @Test
  void csvWithInferSchemaFalseReadsEveryColumnAsString() {
    Path src = dir();
    write(src.resolve("t.csv"), "id,px,d\n007,1.50,2024-01-02\n");

    ingest("strings", src, FormatType.CSV, Map.of("inferSchema", "false"));

    Dataset<Row> df = h.readDataset("strings");
    assertThat(types(df)).containsExactly("id:string", "px:string", "d:string");
    // The text is kept verbatim: a numeric parse would have lost the leading zeros and the 0.
    assertThat(rows(df)).containsExactly("[007,1.50,2024-01-02]");
  }

  @Test
  void csvWithAnExplicitSchemaUsesItsTypes() {
    Path src = dir();
    write(src.resolve("t.csv"), "id,px,d\n1,1.5,2024-01-02\n2,2.25,2024-01-03\n");

    ingest("typed", src, FormatType.CSV, Map.of("schema", "id BIGINT, px DECIMAL(10,2), d DATE"));

    Dataset<Row> df = h.readDataset("typed").orderBy("id");
    // The declared types, not the inferred int/double/date.
    assertThat(types(df)).containsExactly("id:bigint", "px:decimal(10,2)", "d:date");
    List<Row> r = df.collectAsList();
    assertThat(r.get(0).<Long>getAs("id")).isEqualTo(1L);
    assertThat(r.get(0).<BigDecimal>getAs("px")).isEqualByComparingTo("1.50");
    assertThat(r.get(1).<BigDecimal>getAs("px")).isEqualByComparingTo("2.25");
    assertThat(r.get(1).<Date>getAs("d")).isEqualTo(Date.valueOf("2024-01-03"));
  }

  @Test
  void csvSkipFirstDropsTheFirstDataRowOfEachFile() {
    Path src = dir();
    write(src.resolve("a.csv"), "id,name\n0,banner-a\n1,a\n2,b\n");
    write(src.resolve("b.csv"), "id,name\n0,banner-b\n3,c\n");

    ingest("skip", src, FormatType.CSV, Map.of("skipFirst", "true"));

    // Each file's first data row (the banners) is gone and every other row is kept.
    assertThat(rows(h.readDataset("skip"))).containsExactly("[1,a]", "[2,b]", "[3,c]");
  }

  @Test
  void gzipCompressedCsvIsDecompressed() throws Exception {
    Path src = dir();
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(src.resolve("t.csv.gz")))) {
      out.write("id,name\n1,a\n2,b\n".getBytes(StandardCharsets.UTF_8));
    }

    ingest("gz", src, FormatType.CSV, Map.of("compression", "gzip"));

    Dataset<Row> df = h.readDataset("gz");
    // Decompressed text with a header, not gzip bytes read as one garbled column.
    assertThat(types(df)).containsExactly("id:int", "name:string");
    assertThat(rows(df)).containsExactly("[1,a]", "[2,b]");
  }

  @Test
  void jsonLinesAreOneRecordPerLine() {
    Path src = dir();
    write(
        src.resolve("t.json"),
        "{\"id\":1,\"sym\":\"AAA\",\"px\":1.5}\n{\"id\":2,\"sym\":\"BBB\",\"px\":2.5}\n");

    ingest("jsonl", src, FormatType.JSON, Map.of());

    Dataset<Row> df = h.readDataset("jsonl");
    assertThat(types(df)).containsExactlyInAnyOrder("id:bigint", "sym:string", "px:double");
    assertThat(rows(df.select("id", "sym", "px"))).containsExactly("[1,AAA,1.5]", "[2,BBB,2.5]");
  }

  @Test
  void jsonMultiLineArrayIsOneRecordPerElement() {
    Path src = dir();
    write(
        src.resolve("t.json"),
        "[\n  {\"id\": 1,\n   \"sym\": \"AAA\"},\n  {\"id\": 2,\n   \"sym\": \"BBB\"}\n]\n");

    ingest("jsonarr", src, FormatType.JSON, Map.of("multiLine", "true"));

    // Two records from the array elements, not one corrupt record per line.
    assertThat(rows(h.readDataset("jsonarr").select("id", "sym")))
        .containsExactly("[1,AAA]", "[2,BBB]");
  }

  @Test
  void jsonPathSelectsTheRecordsInsideADocument() {
    Path src = dir();
    write(
        src.resolve("t.json"),
        "{\n \"meta\": {\"source\": \"vendor\"},\n \"data\": [\n"
            + "  {\"id\": 1, \"sym\": \"AAA\"},\n  {\"id\": 2, \"sym\": \"BBB\"}\n ]\n}\n");

    ingest("jsonpath", src, FormatType.JSON, Map.of("multiLine", "true", "jsonPath", "$.data[*]"));

    Dataset<Row> df = h.readDataset("jsonpath");
    // The records' own columns, one row per array element; the envelope (meta) is not a column.
    assertThat(types(df)).containsExactlyInAnyOrder("id:bigint", "sym:string");
    assertThat(rows(df.select("id", "sym"))).containsExactly("[1,AAA]", "[2,BBB]");
  }

  @Test
  void parquetKeepsItsOwnColumnTypes() {
    StructType schema =
        StructType.fromDDL("id INT, sym STRING, px DOUBLE, d DATE, qty DECIMAL(12,3)");
    Path src = tmp.resolve("pq");
    SharedSpark.get()
        .createDataFrame(
            List.of(
                RowFactory.create(
                    1, "AAA", 1.5, Date.valueOf("2024-01-02"), new BigDecimal("10.125")),
                RowFactory.create(
                    2, "BBB", 2.5, Date.valueOf("2024-01-03"), new BigDecimal("20.250"))),
            schema)
        .coalesce(1)
        .write()
        .parquet(src.toString());

    ingest("pq", src, FormatType.PARQUET, Map.of());

    Dataset<Row> df = h.readDataset("pq");
    // Exactly the file's types (_SUCCESS and .crc files beside it are not read as data).
    assertThat(df.schema().fields())
        .extracting(StructField::dataType)
        .isEqualTo(Arrays.stream(schema.fields()).map(StructField::dataType).toList());
    assertThat(rows(df))
        .containsExactly("[1,AAA,1.5,2024-01-02,10.125]", "[2,BBB,2.5,2024-01-03,20.250]");
  }

  private static final String XML =
      "<trades>\n"
          + "  <trade id=\"1\"><sym>AAA</sym><px>1.5</px>"
          + "<venue><mic>XLON</mic><city>London</city></venue></trade>\n"
          + "  <trade id=\"2\"><sym>BBB</sym><px>2.5</px>"
          + "<venue><mic>XNYS</mic><city>New York</city></venue></trade>\n"
          + "</trades>\n";

  @Test
  void xmlRowTagReadsNestedElementsAndAttributes() {
    Path src = dir();
    write(src.resolve("t.xml"), XML);

    ingest("xml", src, FormatType.XML, Map.of("rowTag", "trade"));

    assertXmlContent("xml");
  }

  @Test
  void xmlFormatTypeMayBeGivenInFormatParams() {
    Path src = dir();
    write(src.resolve("t.xml"), XML);

    Changeset cs =
        h.createChangeset(
                CreateChangesetRequest.builder()
                    .datasetId("xml2")
                    .changeType(ChangeType.APPEND)
                    .s3SourcePath(src.toString())
                    .formatParams(Map.of("formatType", "XML", "rowTag", "trade"))
                    .build())
            .changeset();

    // The later model's formatParams.formatType alone selects XML.
    assertThat(cs.status()).as("%s", cs.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(cs.formatType()).isEqualTo(FormatType.XML);
    assertXmlContent("xml2");
  }

  private void assertXmlContent(String ds) {
    Dataset<Row> df = h.readDataset(ds).orderBy("_id");
    // One row per <trade>; the attribute is a column with spark-xml's '_' prefix and the nested
    // element a struct, with inferred numeric types.
    assertThat(types(df))
        .containsExactlyInAnyOrder(
            "_id:bigint", "sym:string", "px:double", "venue:struct<city:string,mic:string>");
    List<Row> r = df.collectAsList();
    assertThat(r).hasSize(2);
    assertThat(r.get(0).<Long>getAs("_id")).isEqualTo(1L);
    assertThat(r.get(0).<String>getAs("sym")).isEqualTo("AAA");
    assertThat(r.get(0).<Double>getAs("px")).isEqualTo(1.5);
    Row venue = r.get(1).getAs("venue");
    assertThat(venue.<String>getAs("mic")).isEqualTo("XNYS");
    assertThat(venue.<String>getAs("city")).isEqualTo("New York");
  }

  @Test
  void laterCsvIsReadWithTheTypesTheFirstChangesetFixed() {
    Path first = dir();
    write(first.resolve("a.csv"), "id,px\n1,1.5\n");
    ingest("fixed", first, FormatType.CSV, Map.of());
    Path second = dir();
    // On its own, this file would infer px as int.
    write(second.resolve("b.csv"), "id,px\n2,3\n3,4\n");

    ingest("fixed", second, FormatType.CSV, Map.of());

    Dataset<Row> df = h.readDataset("fixed").orderBy("id");
    // Still double, and the ints are the same numbers as doubles: no conflict, no lost values.
    assertThat(types(df)).containsExactly("id:int", "px:double");
    assertThat(df.collectAsList())
        .extracting(row -> row.<Double>getAs("px"))
        .containsExactly(1.5, 3.0, 4.0);
  }
}
