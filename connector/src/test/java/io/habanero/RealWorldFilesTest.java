package io.habanero;

import static io.habanero.FailureFixture.assertIngestFails;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classes of real-world files that once ended SUCCESS with wrong or missing data, or as an
 * internal error: RFC 4180 quotes, text encodings, partition folders, concatenated JSON documents,
 * awkward column names, comment lines, empty input and columns matched by name. Each test writes
 * the bytes such a file has in the wild and checks the stored rows themselves.
 */
class RealWorldFilesTest {
  @TempDir static Path tmp;
  private static Habanero h;
  private static SparkSession spark;
  private static int n;

  @BeforeAll
  static void open() {
    spark = SharedSpark.get();
    h = Fixtures.habanero(tmp.resolve("wh"));
  }

  @AfterAll
  static void close() {
    h.close();
  }

  /** A new directory holding {@code file} with exactly {@code bytes}. */
  private static Path source(String file, byte[] bytes) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("src" + (++n)));
      Path f = dir.resolve(file);
      Files.createDirectories(f.getParent());
      Files.write(f, bytes);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path source(String file, String text, Charset cs) {
    return source(file, text.getBytes(cs));
  }

  private static Changeset create(
      String ds, ChangeType type, Path src, FormatType f, Map<String, String> params) {
    return h.createChangeset(request(ds, type, src, f).formatParams(params).build()).changeset();
  }

  private static List<String> names(Dataset<Row> df) {
    return Arrays.asList(df.columns());
  }

  private static ChangesetErrorInfo failsNew(
      String ds, Path src, FormatType f, Map<String, String> params, String... fragments) {
    Changeset c = create(ds, ChangeType.APPEND, src, f, params);
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.FAILED);
    assertThat(c.errorInfo().errorCategory())
        .as(c.errorInfo().errorMessage())
        .isEqualTo(ErrorCategory.VALIDATION);
    for (String fr : fragments) {
      assertThat(c.errorInfo().errorMessage()).contains(fr);
    }
    // A failed first changeset commits no version.
    Path table = tmp.resolve("wh/datasets/" + ds);
    try (var log = Files.list(table.resolve("_delta_log"))) {
      assertThat(log.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".json")))
          .isEmpty();
    } catch (java.nio.file.NoSuchFileException e) {
      // no log at all: nothing was committed either
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return c.errorInfo();
  }

  @Test
  void rfc4180DoubledQuoteInsideAQuotedFieldIsOneLiteralQuote() {
    Path src =
        source(
            "q.csv",
            "id,comment\n1,\"says \"\"hi\"\"\"\n2,\"a, b\"\n3,plain\n",
            StandardCharsets.UTF_8);
    createOk(h, request("rfc", ChangeType.APPEND, src, FormatType.CSV).build());
    // Excel, pandas and PostgreSQL write a quote inside a quoted field doubled.
    assertThat(rows(h.readDataset("rfc")))
        .containsExactly("[1,says \"hi\"]", "[2,a, b]", "[3,plain]");
  }

  @Test
  void backslashEscapesStillWorkWhenDeclared() {
    Path src = source("q.csv", "id,comment\n1,\"says \\\"hi\\\"\"\n", StandardCharsets.UTF_8);
    createOk(
        h,
        request("bsl", ChangeType.APPEND, src, FormatType.CSV)
            .formatParams(Map.of("escaper", "\\"))
            .build());
    assertThat(rows(h.readDataset("bsl"))).containsExactly("[1,says \"hi\"]");
  }

  @Test
  void latin1CsvWithItsEncodingDeclaredKeepsItsAccents() {
    Path src =
        source(
            "cars.csv",
            "year,make,model\n2012,Citroën,C4\n1997,Škoda,Octavia\n",
            Charset.forName("windows-1250"));
    createOk(
        h,
        request("latin", ChangeType.APPEND, src, FormatType.CSV)
            .formatParams(Map.of("encoding", "windows-1250"))
            .build());
    assertThat(rows(h.readDataset("latin")))
        .containsExactly("[1997,Škoda,Octavia]", "[2012,Citroën,C4]");
  }

  @Test
  void latin1CsvReadAsUtf8IsRefusedNamingTheFileAndTheEncoding() {
    Path src =
        source(
            "cars.csv",
            "year,make,model\n2012,Citroën,C4\n2013,Ford,Focus\n",
            StandardCharsets.ISO_8859_1);
    // Before: stored as "Citro\uFFFDn" and SUCCESS.
    ChangesetErrorInfo e =
        failsNew(
            "latinbad",
            src,
            FormatType.CSV,
            Map.of(),
            "1 record(s)",
            "not valid UTF-8",
            "cars.csv",
            "formatParams.encoding");
    assertThat(e.errorMessage()).contains("cars.csv: Citro");
  }

  @Test
  void aNonAsciiSeparatorInTheWrongEncodingIsRefusedNotOneColumn() {
    Path src = source("s.csv", "year¦make¦model\n2012¦Citroën¦C4\n", StandardCharsets.ISO_8859_1);
    failsNew(
        "sepbad",
        src,
        FormatType.CSV,
        Map.of("separator", "¦"),
        "column names",
        "not valid UTF-8",
        "formatParams.encoding");
    Path ok = source("s.csv", "year¦make¦model\n2012¦Citroën¦C4\n", StandardCharsets.ISO_8859_1);
    createOk(
        h,
        request("sepok", ChangeType.APPEND, ok, FormatType.CSV)
            .formatParams(Map.of("separator", "¦", "encoding", "ISO-8859-1"))
            .build());
    assertThat(names(h.readDataset("sepok"))).containsExactly("year", "make", "model");
    assertThat(rows(h.readDataset("sepok"))).containsExactly("[2012,Citroën,C4]");
  }

  @Test
  void quarantineCountsRecordsWithUndecodableBytes() {
    createOk(
        h,
        request(
                "qenc",
                ChangeType.APPEND,
                source("a.csv", "id,name\n1,Ford\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    byte[] mixed =
        concat(
            "id,name\n2,Opel\n".getBytes(StandardCharsets.UTF_8),
            "3,Citroën\n".getBytes(StandardCharsets.ISO_8859_1));
    Changeset c =
        create(
            "qenc",
            ChangeType.APPEND,
            source("b.csv", mixed),
            FormatType.CSV,
            Map.of("mode", "QUARANTINE"));
    assertThat(c.status()).as("%s", c.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    assertThat(c.quarantine().recordCount()).isEqualTo(1);
    assertThat(rows(h.readDataset("qenc"))).containsExactly("[1,Ford]", "[2,Opel]");
  }

  @Test
  void utf8ByteOrderMarkIsNotPartOfTheFirstColumnName() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path src = source("b.csv", concat(bom, "id,name\n1,a\n".getBytes(StandardCharsets.UTF_8)));
    createOk(h, request("bom", ChangeType.APPEND, src, FormatType.CSV).build());
    assertThat(names(h.readDataset("bom"))).containsExactly("id", "name");
    // A later file without the mark is the same columns.
    createOk(
        h,
        request(
                "bom",
                ChangeType.APPEND,
                source("c.csv", "id,name\n2,b\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    assertThat(rows(h.readDataset("bom"))).containsExactly("[1,a]", "[2,b]");
  }

  @Test
  void utf16CsvAndJsonWithTheirEncodingDeclared() {
    Path csv = source("u.csv", "id,name\r\n1,Zoë\r\n2,Łukasz\r\n", StandardCharsets.UTF_16LE);
    createOk(
        h,
        request("u16csv", ChangeType.APPEND, csv, FormatType.CSV)
            .formatParams(Map.of("encoding", "UTF-16LE"))
            .build());
    assertThat(rows(h.readDataset("u16csv"))).containsExactly("[1,Zoë]", "[2,Łukasz]");
    Path json =
        source(
            "u.json",
            "{\"id\":1,\"name\":\"Zoë\"}\n{\"id\":2,\"name\":\"Łukasz\"}\n",
            StandardCharsets.UTF_16BE);
    createOk(
        h,
        request("u16json", ChangeType.APPEND, json, FormatType.JSON)
            .formatParams(Map.of("encoding", "UTF-16BE"))
            .build());
    assertThat(rows(h.readDataset("u16json"))).containsExactly("[1,Zoë]", "[2,Łukasz]");
  }

  @Test
  void xmlEncodingReachesSparkXml() {
    Path src =
        source(
            "b.xml",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rows><row><id>1</id>"
                + "<make>Citroën</make></row></rows>\n",
            StandardCharsets.ISO_8859_1);
    createOk(
        h,
        request("xmlenc", ChangeType.APPEND, src, FormatType.XML)
            .formatParams(Map.of("rowTag", "row", "encoding", "ISO-8859-1"))
            .build());
    assertThat(rows(h.readDataset("xmlenc"))).containsExactly("[1,Citroën]");
  }

  @Test
  void partitionFoldersKeepTheirColumnsLikeSparksReader() {
    Path dir = tmp.resolve("parts" + (++n));
    Dataset<Row> df =
        spark.sql(
            "SELECT id, CAST(id * 1.5 AS DOUBLE) AS px, IF(id % 2 = 0, 'EU', 'US') AS region"
                + " FROM range(6)");
    df.write().partitionBy("region").parquet(dir.resolve("pq").toString());
    df.write().partitionBy("region").option("header", "true").csv(dir.resolve("csv").toString());
    df.write().partitionBy("region").json(dir.resolve("json").toString());
    for (String f : List.of("pq", "csv", "json")) {
      String ds = "part" + f;
      FormatType type =
          f.equals("pq") ? FormatType.PARQUET : f.equals("csv") ? FormatType.CSV : FormatType.JSON;
      createOk(h, request(ds, ChangeType.APPEND, dir.resolve(f), type).build());
      Dataset<Row> plain =
          spark
              .read()
              .format(f.equals("pq") ? "parquet" : f)
              .option("header", "true")
              .option("inferSchema", "true")
              .load(dir.resolve(f).toString());
      Dataset<Row> got = h.readDataset(ds);
      // Before: the region column was lost, and SUCCESS reported.
      assertThat(names(got)).as(f).isEqualTo(names(plain)).contains("region");
      assertThat(rows(got)).as(f).isEqualTo(rows(plain)).hasSize(6);
    }
    // A second changeset from the same layout is read with the dataset's types.
    createOk(h, request("partcsv", ChangeType.APPEND, dir.resolve("csv"), FormatType.CSV).build());
    assertThat(h.readDataset("partcsv").filter("region = 'EU'").count()).isEqualTo(6);
  }

  @Test
  void concatenatedJsonDocumentsWithMultiLineAreRefusedNotCutToOne() {
    String doc = "{\n  \"id\": %d,\n  \"name\": \"n%d\"\n}\n";
    Path src =
        source(
            "docs.json",
            String.format(doc, 1, 1) + String.format(doc, 2, 2) + String.format(doc, 3, 3),
            StandardCharsets.UTF_8);
    failsNew(
        "concat",
        src,
        FormatType.JSON,
        Map.of("multiLine", "true"),
        "docs.json",
        "holds 3 documents",
        "JSON array");
    // One document per file, and an array, are read whole.
    Path one = source("one.json", String.format(doc, 1, 1), StandardCharsets.UTF_8);
    createOk(
        h,
        request("onedoc", ChangeType.APPEND, one, FormatType.JSON)
            .formatParams(Map.of("multiLine", "true"))
            .build());
    assertThat(rows(h.readDataset("onedoc"))).containsExactly("[1,n1]");
  }

  @Test
  void headersWithSpacesAndPunctuationAreKeptAsGiven() {
    Path src =
        source(
            "portfolio.csv",
            "Symbol,Current Price,Trade Date,P/E (ttm)\nAAPL,189.5,2024-01-02,29.1\n",
            StandardCharsets.UTF_8);
    createOk(h, request("port", ChangeType.APPEND, src, FormatType.CSV).build());
    Dataset<Row> got = h.readDataset("port");
    assertThat(names(got)).containsExactly("Symbol", "Current Price", "Trade Date", "P/E (ttm)");
    assertThat(rows(got)).containsExactly("[AAPL,189.5,2024-01-02,29.1]");
    // MODIFY and time travel work on such a table too.
    Changeset first = create("port", ChangeType.APPEND, src, FormatType.CSV, Map.of());
    assertThat(first.status()).isEqualTo(IngestionStatus.SUCCESS);
    Path fix =
        source(
            "fix.csv",
            "Symbol,Current Price,Trade Date,P/E (ttm)\nAAPL,190.0,2024-01-02,29.2\n",
            StandardCharsets.UTF_8);
    createOk(
        h,
        request("port", ChangeType.MODIFY, fix, FormatType.CSV)
            .updatesChangesetId(first.id())
            .build());
    assertThat(rows(h.readDataset("port")))
        .containsExactly("[AAPL,189.5,2024-01-02,29.1]", "[AAPL,190.0,2024-01-02,29.2]");
    assertThat(rows(h.readDataset("port", first.id())))
        .containsExactly("[AAPL,189.5,2024-01-02,29.1]", "[AAPL,189.5,2024-01-02,29.1]");
  }

  @Test
  void addingAnAwkwardNameToADatasetWithoutColumnMappingNamesTheColumn() {
    createOk(
        h,
        request(
                "plainnames",
                ChangeType.APPEND,
                source("a.csv", "Symbol,Price\nAAPL,1.5\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    assertIngestFails(
        h,
        request(
                "plainnames",
                ChangeType.APPEND,
                source(
                    "b.csv",
                    "Symbol,Price,Trade Date\nMSFT,2.5,2024-01-02\n",
                    StandardCharsets.UTF_8),
                FormatType.CSV)
            .formatParams(Map.of("mergeSchema", "true"))
            .build(),
        ErrorCategory.VALIDATION,
        "[Trade Date]",
        "column mapping",
        "Fix: rename");
  }

  @Test
  void mixedPartitionLayoutsAndPartitionedXmlAreRefusedNotHalfRead() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mixed" + (++n)));
    Fixtures.write(dir.resolve("region=EU/a.csv"), "id\n1\n");
    Fixtures.write(dir.resolve("b.csv"), "id\n2\n");
    FailureFixture.assertError(
        io.habanero.errors.ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> create("mixed", ChangeType.APPEND, dir, FormatType.CSV, Map.of()),
        "partition folders",
        "b.csv");
    Path xml = Files.createDirectories(tmp.resolve("xmlparts" + (++n)));
    Fixtures.write(xml.resolve("region=EU/a.xml"), "<rows><row><id>1</id></row></rows>");
    FailureFixture.assertError(
        io.habanero.errors.ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> create("xmlparts", ChangeType.APPEND, xml, FormatType.XML, Map.of("rowTag", "row")),
        "[region]",
        "spark-xml");
  }

  @Test
  void commentLinesAreSkippedWithTheCommentKey() {
    String text = "# exported 2024-01-02 by desk A\nid,name\n1,a\n# subtotal\n2,b\n";
    Path src = source("c.csv", text, StandardCharsets.UTF_8);
    createOk(
        h,
        request("comm", ChangeType.APPEND, src, FormatType.CSV)
            .formatParams(Map.of("comment", "#"))
            .build());
    assertThat(names(h.readDataset("comm"))).containsExactly("id", "name");
    assertThat(rows(h.readDataset("comm"))).containsExactly("[1,a]", "[2,b]");
    Path noHeader = source("c.csv", "# three columns\n1,a,x\n2,b,y\n", StandardCharsets.UTF_8);
    createOk(
        h,
        request("comm2", ChangeType.APPEND, noHeader, FormatType.CSV)
            .formatParams(Map.of("comment", "#", "withHeader", "false"))
            .build());
    assertThat(rows(h.readDataset("comm2"))).containsExactly("[1,a,x]", "[2,b,y]");
  }

  @Test
  void headerOnlyReplaceIsRefusedUnlessOptedIn() {
    createOk(
        h,
        request(
                "empty",
                ChangeType.APPEND,
                source("a.csv", "id,name\n1,a\n2,b\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    Path headerOnly = source("h.csv", "id,name\n", StandardCharsets.UTF_8);
    // Before: SUCCESS, and the dataset was empty.
    assertIngestFails(
        h,
        request("empty", ChangeType.REPLACE, headerOnly, FormatType.CSV).build(),
        ErrorCategory.VALIDATION,
        "no data rows",
        "empty dataset 'empty'",
        "allowEmpty=true");
    assertThat(h.readDataset("empty").count()).isEqualTo(2);
    // APPEND of nothing adds nothing, and is no harm.
    createOk(h, request("empty", ChangeType.APPEND, headerOnly, FormatType.CSV).build());
    assertThat(h.readDataset("empty").count()).isEqualTo(2);
    createOk(
        h,
        request("empty", ChangeType.REPLACE, headerOnly, FormatType.CSV)
            .formatParams(Map.of("allowEmpty", "true"))
            .build());
    assertThat(h.readDataset("empty").count()).isZero();
  }

  @Test
  void headerOnlyFirstChangesetNeedsADeclaredSchema() {
    Path headerOnly = source("h.csv", "id,price\n", StandardCharsets.UTF_8);
    // Before: SUCCESS with id and price as strings, so later numbers were stored as text.
    failsNew("hdr", headerOnly, FormatType.CSV, Map.of(), "no data rows", "formatParams.schema");
    createOk(
        h,
        request("hdr", ChangeType.APPEND, headerOnly, FormatType.CSV)
            .formatParams(Map.of("schema", "id INT, price DOUBLE"))
            .build());
    createOk(
        h,
        request(
                "hdr",
                ChangeType.APPEND,
                source("r.csv", "id,price\n1,2.5\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    assertThat(h.readDataset("hdr").schema().simpleString())
        .isEqualTo("struct<id:int,price:double>");
    assertThat(rows(h.readDataset("hdr"))).containsExactly("[1,2.5]");
  }

  @Test
  void anEmptyDataFrameOverwriteIsRefusedUnlessOptedIn() {
    String wh = tmp.resolve("wh").toString();
    Dataset<Row> two = spark.sql("SELECT CAST(id AS INT) AS id FROM range(2)");
    two.write()
        .format("habanero")
        .option("warehouse", wh)
        .option("datasetId", "dfempty")
        .mode("append")
        .save();
    Dataset<Row> none = two.limit(0);
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                none.write()
                    .format("habanero")
                    .option("warehouse", wh)
                    .option("datasetId", "dfempty")
                    .mode("overwrite")
                    .save());
    assertThat(t).hasMessageContaining("no data rows").hasMessageContaining("allowEmpty");
    assertThat(((io.habanero.errors.HabaneroException) t).category())
        .isEqualTo(ErrorCategory.VALIDATION);
    assertThat(h.readDataset("dfempty").count()).isEqualTo(2);
    none.write()
        .format("habanero")
        .option("warehouse", wh)
        .option("datasetId", "dfempty")
        .option("allowEmpty", "true")
        .mode("overwrite")
        .save();
    assertThat(h.readDataset("dfempty").count()).isZero();
  }

  @Test
  void aReorderedHeaderIsMatchedByNameWithOrWithoutMergeSchema() {
    createOk(
        h,
        request(
                "order",
                ChangeType.APPEND,
                source("a.csv", "id,name,px\n1,a,1.5\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    createOk(
        h,
        request(
                "order",
                ChangeType.APPEND,
                source("b.csv", "px,id,name\n2.5,2,b\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    createOk(
        h,
        request(
                "order",
                ChangeType.APPEND,
                source("c.csv", "name,px,id\nc,3.5,3\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .formatParams(Map.of("mergeSchema", "true"))
            .build());
    assertThat(names(h.readDataset("order"))).containsExactly("id", "name", "px");
    assertThat(rows(h.readDataset("order"))).containsExactly("[1,a,1.5]", "[2,b,2.5]", "[3,c,3.5]");
  }

  @Test
  void namesThatDifferOnlyInCaseLandInTheDatasetsColumns() {
    createOk(
        h,
        request(
                "casing",
                ChangeType.APPEND,
                source("a.csv", "id,Name\n1,a\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    createOk(
        h,
        request(
                "casing",
                ChangeType.APPEND,
                source("b.csv", "ID,NAME\n2,b\n", StandardCharsets.UTF_8),
                FormatType.CSV)
            .build());
    createOk(
        h,
        request(
                "casing",
                ChangeType.APPEND,
                source("c.json", "{\"NAME\":\"c\",\"Id\":3}\n", StandardCharsets.UTF_8),
                FormatType.JSON)
            .build());
    // The dataset keeps its own spelling; no value lands in a column of its own or as null.
    assertThat(names(h.readDataset("casing"))).containsExactly("id", "Name");
    assertThat(rows(h.readDataset("casing"))).containsExactly("[1,a]", "[2,b]", "[3,c]");
  }

  @Test
  void prettyPrintedJsonWithoutMultiLineIsAValidationErrorNamingMultiLine() {
    Path src = source("p.json", "{\n  \"id\": 1,\n  \"name\": \"a\"\n}\n", StandardCharsets.UTF_8);
    // Before: an AssertionError inside Spark's serializer, INTERNAL_SERVICE_EXCEPTION, "retry".
    failsNew("pretty", src, FormatType.JSON, Map.of(), "p.json", "multiLine");
  }

  @Test
  void aBadTimestampNamesItsFileAndRecord() {
    Path src =
        source("t.csv", "id,ts\n1,2024-01-02 10:00:00\n2,not-a-time\n", StandardCharsets.UTF_8);
    failsNew(
        "badts",
        src,
        FormatType.CSV,
        Map.of("schema", "id INT, ts TIMESTAMP"),
        "t.csv",
        "2,not-a-time");
    Path xml =
        source(
            "t.xml",
            "<rows><row><id>1</id><ts>yesterday</ts></row></rows>",
            StandardCharsets.UTF_8);
    failsNew(
        "badtsx",
        xml,
        FormatType.XML,
        Map.of("rowTag", "row", "schema", "id INT, ts TIMESTAMP"),
        "yesterday");
  }

  @Test
  void aParquetFileWithAnInvalidMapTypeIsAValidationError() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("badmap" + (++n)));
    org.apache.parquet.schema.MessageType schema =
        org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message m { required int32 id; optional group attrs (MAP) {"
                + " repeated group key_value { required binary key (UTF8); } } }");
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    org.apache.parquet.hadoop.example.GroupWriteSupport.setSchema(schema, conf);
    try (var w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(dir.resolve("m.parquet").toUri()))
            .withConf(conf)
            .withType(schema)
            .build()) {
      var g = new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema).newGroup();
      g.add("id", 1);
      g.addGroup("attrs").addGroup("key_value").add("key", "k");
      w.write(g);
    }
    // Before: INTERNAL_SERVICE_EXCEPTION with "Fix: retry".
    failsNew("badmap", dir, FormatType.PARQUET, Map.of(), "Parquet", "map");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
