package io.habanero;

import static io.habanero.FailureFixture.assertRejected;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.FailureFixture.source;
import static io.habanero.FailureFixture.state;
import static io.habanero.Fixtures.rows;
import static io.habanero.Fixtures.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.errors.InternalServerException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.QuarantineInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QUARANTINE opt-in ({@code formatParams.mode=QUARANTINE}): the changeset commits the
 * well-formed records and keeps the malformed ones, counted, as JSON lines in the warehouse's
 * quarantine, where the user can read them. Nothing is dropped silently, and a changeset that fails
 * keeps no quarantine and changes no data.
 */
class QuarantineTest {
  private static final String FIRST = "id,name,price\n1,a,1.5\n2,b,2.5\n";
  private static final Map<String, String> QUARANTINE = Map.of("mode", "QUARANTINE");

  @TempDir static Path tmp;
  private static Path wh;
  private static Habanero h;
  private static SparkSession spark;

  @BeforeAll
  static void open() {
    spark = SharedSpark.get();
    wh = tmp.resolve("wh");
    h = Fixtures.habanero(wh);
  }

  @AfterEach
  void noCheckpoint() {
    h.service().setCheckpoint(null);
  }

  @AfterAll
  static void close() {
    h.close();
  }

  /** A dataset of two rows, id INT, name STRING, price DOUBLE. */
  private static void dataset(String id) {
    createOk(
        h,
        request(
                id,
                ChangeType.APPEND,
                source(tmp, id + "-first", Map.of("a.csv", FIRST)),
                FormatType.CSV)
            .build());
  }

  /** The kept records, as "file-name|record", sorted. */
  private static List<String> kept(QuarantineInfo q) {
    return spark.read().json(q.location()).collectAsList().stream()
        .map(r -> Path.of(r.<String>getAs("file")).getFileName() + "|" + r.<String>getAs("record"))
        .sorted()
        .toList();
  }

  private static Path quarantineDir(String datasetId, String changesetId) {
    return wh.resolve("quarantine").resolve(datasetId).resolve(changesetId);
  }

  @Test
  void goodCsvRowsAreCommittedAndBadOnesKeptCountedWithTheirFiles() throws Exception {
    dataset("csv_q");
    long version = FailureFixture.latestVersion(h, "csv_q");
    Map<String, String> files = new LinkedHashMap<>();
    files.put("good.csv", "id,name,price\n3,c,3.5\n4,d,4.5\n");
    // A price that is no double, and a row with too few values, between two good rows.
    files.put("mixed.csv", "id,name,price\n5,e,cheap\n6,f\n7,g,7.5\n");
    Changeset c =
        createOk(
            h,
            request("csv_q", ChangeType.APPEND, source(tmp, "csv-q-2", files), FormatType.CSV)
                .formatParams(QUARANTINE)
                .build());

    // Only the well-formed rows are in the dataset, in one more Delta version.
    assertThat(rows(h.readDataset("csv_q")))
        .isEqualTo(sorted("[1,a,1.5]", "[2,b,2.5]", "[3,c,3.5]", "[4,d,4.5]", "[7,g,7.5]"));
    assertThat(FailureFixture.latestVersion(h, "csv_q")).isEqualTo(version + 1);

    // The bad ones are counted on the changeset and kept, text and file, where it says.
    QuarantineInfo q = c.quarantine();
    assertThat(q).isNotNull();
    assertThat(q.recordCount()).isEqualTo(2);
    assertThat(Path.of(java.net.URI.create(q.location())))
        .isEqualTo(quarantineDir("csv_q", c.id()));
    assertThat(kept(q)).containsExactly("mixed.csv|5,e,cheap", "mixed.csv|6,f");
    // What Spark could parse of a bad record is kept next to its text.
    Row parsed =
        spark.read().json(q.location()).where("record = '5,e,cheap'").first().getAs("parsed");
    assertThat(parsed.<Long>getAs("id")).isEqualTo(5L);

    // GetChangeset and ListChangesets say the same, from the durable record.
    ChangesetSummary got = h.getChangeset(new GetChangesetRequest("csv_q", c.id()));
    assertThat(got.quarantine()).isEqualTo(q);
    List<ChangesetSummary> all =
        h.listChangesets(new ListChangesetsRequest("csv_q", 10, null)).changesets();
    assertThat(all.get(0).quarantine()).as("a FAILFAST changeset quarantines nothing").isNull();
    assertThat(all.get(1).quarantine()).isEqualTo(q);
  }

  @Test
  void aQuarantineChangesetWithoutBadRecordsKeepsNothing() {
    dataset("clean_q");
    Changeset c =
        createOk(
            h,
            request(
                    "clean_q",
                    ChangeType.APPEND,
                    source(tmp, "clean-q-2", Map.of("b.csv", "id,name,price\n3,c,3.5\n")),
                    FormatType.CSV)
                .formatParams(QUARANTINE)
                .build());
    assertThat(c.quarantine()).isEqualTo(new QuarantineInfo(0, null));
    assertThat(quarantineDir("clean_q", c.id())).doesNotExist();
    assertThat(h.readDataset("clean_q").count()).isEqualTo(3);
  }

  @Test
  void aNewJsonDatasetTakesItsSchemaFromTheGoodRecordsOnly() {
    Path src =
        source(
            tmp,
            "json-q",
            Map.of(
                "t.json",
                "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\n{\"id\":3,\"name\":\"c\"}\n"));
    Changeset c =
        createOk(
            h,
            request("json_q", ChangeType.APPEND, src, FormatType.JSON)
                .formatParams(QUARANTINE)
                .build());

    // No trace of the corrupt-record column in the dataset: its schema is the records' own.
    assertThat(h.readDataset("json_q").schema().simpleString())
        .isEqualTo("struct<id:bigint,name:string>");
    assertThat(rows(h.readDataset("json_q"))).isEqualTo(sorted("[1,a]", "[3,c]"));
    assertThat(c.quarantine().recordCount()).isEqualTo(1);
    assertThat(kept(c.quarantine())).containsExactly("t.json|{\"id\":2,\"name\":");
  }

  @Test
  void xmlRecordsThatDoNotParseAsTheDatasetsTypesAreQuarantined() {
    Map<String, String> xml = Map.of("rowTag", "trade");
    createOk(
        h,
        request(
                "xml_q",
                ChangeType.APPEND,
                source(
                    tmp,
                    "xml-q-1",
                    Map.of("a.xml", "<trades><trade><id>1</id><qty>10</qty></trade></trades>")),
                FormatType.XML)
            .formatParams(xml)
            .build());
    Changeset c =
        createOk(
            h,
            request(
                    "xml_q",
                    ChangeType.APPEND,
                    source(
                        tmp,
                        "xml-q-2",
                        Map.of(
                            "b.xml",
                            "<trades><trade><id>2</id><qty>ten</qty></trade>"
                                + "<trade><id>3</id><qty>30</qty></trade></trades>")),
                    FormatType.XML)
                .formatParams(xml)
                .formatParams(QUARANTINE)
                .build());

    assertThat(rows(h.readDataset("xml_q"))).isEqualTo(sorted("[1,10]", "[3,30]"));
    assertThat(c.quarantine().recordCount()).isEqualTo(1);
    assertThat(kept(c.quarantine()))
        .singleElement()
        .asString()
        .startsWith("b.xml|")
        .contains("ten");
  }

  @Test
  void aQuarantineChangesetThatFailsBeforeItsCommitKeepsNoRecordsAndChangesNoData() {
    dataset("fail_q");
    FailureFixture.State before = state(h, "fail_q");
    AtomicBoolean keptBeforeCommit = new AtomicBoolean();
    h.service()
        .setCheckpoint(
            (phase, rec) -> {
              if (phase.equals("written")) {
                // The bad records are kept before the commit is attempted...
                keptBeforeCommit.set(Files.isDirectory(quarantineDir("fail_q", rec.changesetId)));
                throw new InternalServerException("injected failure after writing");
              }
            });
    Changeset c =
        h.createChangeset(
                request(
                        "fail_q",
                        ChangeType.APPEND,
                        source(tmp, "fail-q-2", Map.of("b.csv", "id,name,price\n3,c,x\n4,d,4.5\n")),
                        FormatType.CSV)
                    .formatParams(QUARANTINE)
                    .build())
            .changeset();

    assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
    assertThat(c.errorInfo().errorMessage()).contains("injected failure after writing");
    assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    assertThat(keptBeforeCommit).isTrue();
    // ...and removed with the data files when the changeset fails: a FAILED changeset keeps none.
    assertThat(quarantineDir("fail_q", c.id())).doesNotExist();
    assertThat(c.quarantine()).isNull();
    FailureFixture.State after = state(h, "fail_q");
    assertThat(after.rows()).isEqualTo(before.rows());
    assertThat(after.version()).isEqualTo(before.version());
  }

  @Test
  void quarantineDoesNotMixWithJsonPathAndOtherModesStayRefused() {
    dataset("modes_q");
    Path src = source(tmp, "modes-q", Map.of("b.json", "{\"id\":3}\n"));
    assertRejected(
        h,
        "modes_q",
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            h.createChangeset(
                request("modes_q", ChangeType.APPEND, src, FormatType.JSON)
                    .formatParams(QUARANTINE)
                    .formatParam("jsonPath", "$.trades[*]")
                    .build()),
        "formatParams.mode",
        "cannot be combined with formatParams.jsonPath");
    assertRejected(
        h,
        "modes_q",
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            h.createChangeset(
                request("modes_q", ChangeType.APPEND, src, FormatType.JSON)
                    .formatParam("mode", "DROPMALFORMED")
                    .build()),
        "formatParams.mode",
        "QUARANTINE, which commits the good records");
  }
}
