package io.habanero;

import static io.habanero.FailureFixture.assertIngestFails;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.FailureFixture.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.habanero.errors.HabaneroException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed records and schema conflicts are found while ingesting: the changeset is recorded as
 * FAILED with VALIDATION errorInfo that names the problem, and the dataset is unchanged.
 */
class IngestionFailureTest {
  /** Dataset with columns id INT, name STRING, price DOUBLE (inferred from its first CSV). */
  private static final String DS = "trades";

  @TempDir static Path tmp;
  private static Habanero h;

  @BeforeAll
  static void dataset() {
    h = Habanero.create(SharedSpark.get(), Map.of("warehouse", tmp.resolve("wh").toString()));
    Path good = source(tmp, "good", Map.of("a.csv", "id,name,price\n1,a,1.5\n2,b,2.5\n"));
    createOk(h, request(DS, ChangeType.APPEND, good, FormatType.CSV).build());
    assertThat(h.readDataset(DS).schema().simpleString())
        .isEqualTo("struct<id:int,name:string,price:double>");
  }

  @AfterAll
  static void close() {
    h.close();
  }

  private static ChangesetErrorInfo fails(
      String name,
      String file,
      String content,
      FormatType format,
      Map<String, String> params,
      String... fragments) {
    Path src = source(tmp, name, Map.of(file, content));
    return assertIngestFails(
        h,
        request(DS, ChangeType.APPEND, src, format).formatParams(params).build(),
        ErrorCategory.VALIDATION,
        fragments);
  }

  @Test
  void csvRowWithAnUnbalancedQuoteFailsTheChangeset() {
    ChangesetErrorInfo info =
        fails(
            "unbalanced",
            "u.csv",
            "id,name,price\n3,c,3.5\n4,\"d,4.5\n5,e,5.5\n",
            FormatType.CSV,
            Map.of(),
            "malformed record(s) in the CSV source",
            "u.csv",
            "Nothing was committed");
    assertThat(info.errorMessage()).contains("4,\"d");
  }

  @Test
  void csvRowWithTooFewColumnsFailsTheChangeset() {
    fails(
        "short-row",
        "s.csv",
        "id,name,price\n3,c,3.5\n4,d\n5,e,5.5\n",
        FormatType.CSV,
        Map.of(),
        "1 malformed record(s) in the CSV source",
        "s.csv: 4,d");
  }

  @Test
  void csvRowWithTooManyColumnsFailsTheChangeset() {
    fails(
        "long-row",
        "l.csv",
        "id,name,price\n3,c,3.5,extra\n5,e,5.5\n",
        FormatType.CSV,
        Map.of(),
        "1 malformed record(s) in the CSV source",
        "l.csv: 3,c,3.5,extra");
  }

  @Test
  void csvValueThatIsNotTheDatasetsTypeFailsTheChangeset() {
    fails(
        "bad-int",
        "b.csv",
        "id,name,price\n3,c,3.5\nabc,d,4.5\nxyz,e,5.5\n",
        FormatType.CSV,
        Map.of(),
        "2 malformed record(s) in the CSV source",
        "b.csv: abc,d,4.5");
  }

  @Test
  void truncatedJsonLineFailsTheChangeset() {
    fails(
        "json-trunc",
        "t.json",
        "{\"id\":3,\"name\":\"c\",\"price\":3.5}\n{\"id\":4,\"name\":\"d\",\"pr\n",
        FormatType.JSON,
        Map.of(),
        "1 malformed record(s) in the JSON source",
        "t.json: {\"id\":4,\"name\":\"d\",\"pr");
  }

  @Test
  void jsonValueThatIsNotTheDatasetsTypeFailsTheChangeset() {
    fails(
        "json-type",
        "v.json",
        "{\"id\":3,\"name\":\"c\",\"price\":3.5}\n{\"id\":\"four\",\"name\":\"d\",\"price\":4.5}\n",
        FormatType.JSON,
        Map.of(),
        "1 malformed record(s) in the JSON source",
        "v.json: {\"id\":\"four\"");
  }

  @Test
  void malformedXmlFailsTheChangeset() {
    fails(
        "xml-bad",
        "m.xml",
        "<rows><row><id>3</id><name>c</name><price>3.5</price></row>"
            + "<row><id>4</id><name>d</name><price>4.5</row></rows>\n",
        FormatType.XML,
        Map.of("rowTag", "row"),
        "XML source",
        "m.xml");
  }

  @Test
  void corruptParquetFileFailsTheChangeset() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("pq-corrupt"));
    byte[] junk = new byte[256];
    new Random(7).nextBytes(junk);
    Files.write(dir.resolve("part-0.parquet"), junk);
    assertIngestFails(
        h,
        request(DS, ChangeType.APPEND, dir, FormatType.PARQUET).build(),
        ErrorCategory.VALIDATION,
        "Parquet",
        "part-0.parquet",
        "Nothing was committed");
  }

  @Test
  void anExtraColumnIsASchemaConflictNamingIt() {
    fails(
        "extra-col",
        "e.csv",
        "id,name,price,venue\n3,c,3.5,X\n",
        FormatType.CSV,
        Map.of(),
        "conflicts with dataset 'trades'",
        "column 'venue' is not in the dataset");
  }

  @Test
  void aMissingColumnIsASchemaConflictNamingIt() {
    fails(
        "missing-col",
        "m.csv",
        "id,name\n3,c\n",
        FormatType.CSV,
        Map.of(),
        "conflicts with dataset 'trades'",
        "column 'price' is missing from the source");
  }

  @Test
  void aParquetColumnOfAnotherTypeIsASchemaConflictNamingIt() {
    Path dir = tmp.resolve("pq-long");
    SharedSpark.get()
        .sql("SELECT 3 AS id, CAST(7 AS BIGINT) AS name, 3.5D AS price")
        .write()
        .parquet(dir.toString());
    assertIngestFails(
        h,
        request(DS, ChangeType.APPEND, dir, FormatType.PARQUET).build(),
        ErrorCategory.VALIDATION,
        "conflicts with dataset 'trades'",
        "column 'name' is bigint in the source but string in the dataset");
  }

  @Test
  void anExplicitSchemaOfAnotherTypeIsASchemaConflictNamingIt() {
    fails(
        "schema-type",
        "x.csv",
        "id,name,price\n3,c,3.5\n",
        FormatType.CSV,
        Map.of("schema", "id BIGINT, name STRING, price DOUBLE"),
        "column 'id' is bigint in the source but int in the dataset");
  }

  @Test
  void malformedCsvForANewDatasetFailsAndCreatesNoTable() {
    Path src = source(tmp, "fresh-short", Map.of("f.csv", "id,name\n1,a\n2\n"));
    Changeset c =
        h.createChangeset(request("fresh", ChangeType.APPEND, src, FormatType.CSV).build())
            .changeset();
    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(c.errorInfo().errorMessage())
        .contains("1 malformed record(s) in the CSV source", "f.csv: 2");
    // The FAILED changeset is recorded, but no table was written.
    assertThat(h.listChangesets(new ListChangesetsRequest("fresh", null, null)).changesets())
        .hasSize(1);
    Throwable t = catchThrowable(() -> h.readDataset("fresh"));
    assertThat(t).isInstanceOf(ResourceNotFoundException.class);
    assertThat(((HabaneroException) t).category()).isEqualTo(ErrorCategory.RESOURCE_NOT_FOUND);
    assertThat(t)
        .hasMessageContaining("Dataset 'fresh' has no data: none of its changesets succeeded");
  }

  @Test
  void truncatedJsonForANewDatasetFailsCountingAndQuotingTheBadRecord() {
    Path src =
        source(tmp, "fresh-json", Map.of("t.json", "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"na\n"));
    Changeset c =
        h.createChangeset(request("freshjson", ChangeType.APPEND, src, FormatType.JSON).build())
            .changeset();
    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    // No schema is known yet, so one is inferred permissively to count and quote the bad records.
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(c.errorInfo().errorMessage())
        .contains(
            "1 malformed record(s) in the JSON source",
            "t.json: {\"id\":2,\"na",
            "Nothing was committed");
  }

  @Test
  void brokenXmlForANewDatasetFailsCountingTheBadRecord() {
    Path src =
        source(
            tmp,
            "fresh-xml",
            Map.of(
                "t.xml",
                "<trades><trade><id>1</id></trade><trade><id>2</id></trade>"
                    + "<trade><id>3</oops></trade></trades>"));
    Changeset c =
        h.createChangeset(
                request("freshxml", ChangeType.APPEND, src, FormatType.XML)
                    .formatParam("rowTag", "trade")
                    .build())
            .changeset();
    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(c.errorInfo().errorMessage())
        .contains("malformed record(s) in the XML source", "t.xml", "Nothing was committed");
  }
}
