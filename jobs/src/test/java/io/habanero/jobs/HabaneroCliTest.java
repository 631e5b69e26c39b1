package io.habanero.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process on the shared SparkSession, one warehouse per test. */
class HabaneroCliTest {
  @TempDir Path tmp;

  private Path warehouse() {
    return tmp.resolve("wh");
  }

  private CliRun cli(String... args) {
    return CliRun.on(warehouse(), args);
  }

  private Path csv(String name, String content) throws IOException {
    Path p = tmp.resolve("src").resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  /** {@code create-changeset} of a CSV APPEND from {@code source}, plus {@code extra} flags. */
  private CliRun appendCsv(String dataset, Path source, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "create-changeset",
                "--dataset-id",
                dataset,
                "--change-type",
                "APPEND",
                "--source-params",
                "s3SourcePath=" + source,
                "--format-type",
                "CSV"));
    args.addAll(List.of(extra));
    return cli(args.toArray(new String[0]));
  }

  private JsonNode append(String dataset, Path source) {
    CliRun r = appendCsv(dataset, source);
    assertThat(r.code()).as(r.toString()).isZero();
    return r.json().get("changeset");
  }

  private static List<String> names(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void getWorkingLocationPrintsTheSeedShapeUnderTheWarehouse() {
    CliRun r = cli("get-working-location", "--location-type", "SAGEMAKER");

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode loc = r.json();
    assertThat(names(loc)).containsExactly("s3Uri", "s3Path", "s3Bucket");
    // The location is a fresh directory of the warehouse, of the requested type.
    assertThat(loc.get("s3Path").asText())
        .startsWith(warehouse().resolve("working/sagemaker").toAbsolutePath().toString());
    assertThat(Path.of(loc.get("s3Path").asText())).isDirectory();
    assertThat(loc.get("s3Uri").asText()).startsWith("file:").endsWith("/");
    assertThat(loc.get("s3Bucket").asText()).isEqualTo("wh");
  }

  @Test
  void createChangesetPrintsTheSeedChangesetAndExitsZeroOnSuccess() throws IOException {
    Path src = csv("a.csv", "id,name\n1,alpha\n2,beta\n");

    CliRun r =
        cli(
            "create-changeset",
            "--dataset-id",
            "trades",
            "--change-type",
            "APPEND",
            "--source-type",
            "S3",
            "--source-params",
            "s3SourcePath=" + src,
            "--format-type",
            "CSV",
            "--format-params",
            "withHeader=true,separator=,",
            "--tags",
            "desk=rates,owner=ops");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(names(r.json())).containsExactly("changeset");
    JsonNode c = r.json().get("changeset");
    // Seed member names and order; errorInfo and the MODIFY links are null, so omitted.
    assertThat(names(c))
        .containsExactly(
            "id",
            "changesetArn",
            "datasetId",
            "changeType",
            "sourceType",
            "sourceParams",
            "formatType",
            "formatParams",
            "createTimestamp",
            "status",
            "changesetLabels");
    assertThat(c.get("id").asText()).matches("[A-Za-z0-9_-]{1,26}");
    assertThat(c.get("changesetArn").asText()).contains("trades").endsWith(c.get("id").asText());
    assertThat(c.get("datasetId").asText()).isEqualTo("trades");
    assertThat(c.get("changeType").asText()).isEqualTo("APPEND");
    assertThat(c.get("sourceType").asText()).isEqualTo("S3");
    assertThat(c.get("sourceParams").get("s3SourcePath").asText()).isEqualTo(src.toString());
    assertThat(c.get("formatType").asText()).isEqualTo("CSV");
    // "separator=," keeps its comma: shorthand splits only before "key=".
    assertThat(c.get("formatParams").get("separator").asText()).isEqualTo(",");
    // The seed's createTimestamp is a datetime: an ISO-8601 string, not epoch millis.
    assertThat(c.get("createTimestamp").isTextual()).isTrue();
    assertThat(Instant.parse(c.get("createTimestamp").asText()))
        .isBetween(Instant.now().minusSeconds(600), Instant.now());
    assertThat(c.get("status").asText()).isEqualTo("SUCCESS");
    assertThat(c.get("changesetLabels").get("desk").asText()).isEqualTo("rates");
    assertThat(c.get("changesetLabels").get("owner").asText()).isEqualTo("ops");
    // Progress went to stderr, with phases, files and rows.
    assertThat(r.err()).contains("habanero: changeset trades/" + c.get("id").asText());
    assertThat(r.err()).contains("DONE").contains("2 rows written");
  }

  @Test
  void malformedCsvEndsFailedWithExitOneAndErrorInfoAndChangesNoData() throws IOException {
    JsonNode good = append("quotes", csv("good.csv", "sym,px\nAAPL,1.5\n"));
    Path bad = csv("bad.csv", "sym,px\nMSFT,\"2.5\nGS,3.5,extra,columns\n");

    CliRun r = appendCsv("quotes", bad);

    assertThat(r.code()).as(r.toString()).isEqualTo(HabaneroCli.CHANGESET_FAILED);
    JsonNode c = r.json().get("changeset");
    assertThat(c.get("status").asText()).isEqualTo("FAILED");
    // Malformed records are the user's data problem (VALIDATION), reported with the bad record.
    assertThat(c.get("errorInfo").get("errorCategory").asText()).isEqualTo("VALIDATION");
    assertThat(c.get("errorInfo").get("errorMessage").asText())
        .contains("malformed record")
        .contains("bad.csv");
    // One summary line on stderr names the changeset and its failure.
    assertThat(r.habaneroErrLines())
        .anyMatch(
            l -> l.startsWith("habanero: changeset quotes/" + c.get("id").asText() + " FAILED"));
    // A FAILED changeset changes no data: only the good row is there.
    CliRun read = cli("read-dataset", "--dataset-id", "quotes");
    assertThat(read.jsonLines()).hasSize(1);
    assertThat(read.jsonLines().get(0).get("sym").asText()).isEqualTo("AAPL");
    assertThat(good.get("status").asText()).isEqualTo("SUCCESS");
  }

  @Test
  void schemaMismatchEndsFailedWithValidationCategory() throws IOException {
    append("refdata", csv("r1.csv", "symbol,isin\nAAPL,US0378331005\n"));
    Path other = csv("r2.csv", "ticker,lot\nMSFT,100\n");

    CliRun r = appendCsv("refdata", other);

    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    JsonNode info = r.json().get("changeset").get("errorInfo");
    assertThat(info.get("errorCategory").asText()).isEqualTo("VALIDATION");
    // The message names a differing column, so the user can fix the file.
    assertThat(info.get("errorMessage").asText()).contains("ticker");
  }

  @Test
  void unknownFormatParamsKeyExitsTwoWithOneStderrLineNamingTheKey() throws IOException {
    Path src = csv("a.csv", "id\n1\n");

    CliRun r =
        cli(
            "create-changeset",
            "--dataset-id",
            "t",
            "--change-type",
            "APPEND",
            "--source-params",
            "s3SourcePath=" + src,
            "--format-params",
            "formatType=CSV,colour=blue");

    assertThat(r.code()).isEqualTo(HabaneroCli.USAGE_OR_VALIDATION);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines()).hasSize(1);
    assertThat(r.habaneroErrLines().get(0))
        .startsWith("habanero: ValidationException (VALIDATION): ")
        .contains("colour")
        .contains("withHeader");
    // Nothing was recorded: the dataset does not exist.
    assertThat(cli("list-changesets", "--dataset-id", "t").code()).isEqualTo(HabaneroCli.NOT_FOUND);
  }

  @Test
  void mapFlagsAcceptJsonWithCommasInsideValues() throws IOException {
    Path src = csv("semi.csv", "id;note\n1;a,b\n2;c\n");

    CliRun r =
        cli(
            "create-changeset",
            "--dataset-id",
            "notes",
            "--change-type",
            "APPEND",
            "--source-params",
            "{\"s3SourcePath\": \"" + src + "\"}",
            "--format-params",
            "{\"formatType\":\"CSV\",\"separator\":\";\",\"withHeader\":\"true\"}",
            "--tags",
            "{\"note\":\"x,y=z\"}");

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode c = r.json().get("changeset");
    assertThat(c.get("formatParams").get("separator").asText()).isEqualTo(";");
    assertThat(c.get("changesetLabels").get("note").asText()).isEqualTo("x,y=z");
    List<JsonNode> rows = cli("read-dataset", "--dataset-id", "notes").jsonLines();
    rows.sort(Comparator.comparing(n -> n.get("id").asText()));
    // The separator took effect: "a,b" is one value.
    assertThat(rows).extracting(n -> n.get("note").asText()).containsExactly("a,b", "c");
  }

  @Test
  void malformedMapFlagIsAUsageError() {
    CliRun r =
        cli(
            "create-changeset",
            "--dataset-id",
            "t",
            "--change-type",
            "APPEND",
            "--source-params",
            "{\"s3SourcePath\": ");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines()).hasSize(1);
    assertThat(r.habaneroErrLines().get(0))
        .startsWith("habanero: usage: ")
        .contains("--source-params")
        .contains("not valid JSON");
  }

  @Test
  void missingRequiredFlagIsAUsageErrorNamingTheFlag() {
    CliRun r = cli("get-changeset", "--dataset-id", "t");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines()).hasSize(1);
    assertThat(r.habaneroErrLines().get(0)).contains("--changeset-id");
  }

  @Test
  void getChangesetPrintsTheLaterModelShapeFlat() throws IOException {
    JsonNode created = append("t", csv("a.csv", "id\n1\n"));

    CliRun r =
        cli("get-changeset", "--dataset-id", "t", "--changeset-id", created.get("id").asText());

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode s = r.json();
    assertThat(names(s))
        .startsWith("changesetId", "changesetArn", "datasetId", "changeType")
        .contains("sourceParams", "formatParams", "createTime", "status", "activeFromTimestamp")
        .doesNotContain("id", "createTimestamp", "changeset", "errorInfo", "activeUntilTimestamp");
    assertThat(s.get("changesetId").asText()).isEqualTo(created.get("id").asText());
    assertThat(s.get("status").asText()).isEqualTo("SUCCESS");
    // The later model's timestamps are epoch milliseconds, matching the seed's datetime.
    assertThat(s.get("createTime").isIntegralNumber()).isTrue();
    assertThat(s.get("createTime").asLong())
        .isEqualTo(Instant.parse(created.get("createTimestamp").asText()).toEpochMilli());
    assertThat(s.get("activeFromTimestamp").asLong())
        .isGreaterThanOrEqualTo(s.get("createTime").asLong());
    assertThat(s.get("formatParams").get("formatType").asText()).isEqualTo("CSV");
  }

  @Test
  void getChangesetOfAnUnknownChangesetExitsThree() throws IOException {
    append("t", csv("a.csv", "id\n1\n"));

    CliRun r = cli("get-changeset", "--dataset-id", "t", "--changeset-id", "NOPE");

    assertThat(r.code()).isEqualTo(HabaneroCli.NOT_FOUND);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines())
        .singleElement()
        .asString()
        .startsWith("habanero: ResourceNotFoundException (RESOURCE_NOT_FOUND): ")
        .contains("NOPE");
  }

  @Test
  void listChangesetsPaginatesWithMaxResultsAndNextToken() throws IOException {
    String c1 = append("t", csv("a.csv", "id\n1\n")).get("id").asText();
    String c2 = append("t", csv("b.csv", "id\n2\n")).get("id").asText();

    CliRun page1 = cli("list-changesets", "--dataset-id", "t", "--max-results", "1");
    assertThat(page1.code()).as(page1.toString()).isZero();
    assertThat(names(page1.json())).containsExactly("changesets", "nextToken");
    assertThat(page1.json().get("changesets")).hasSize(1);
    assertThat(page1.json().get("changesets").get(0).get("changesetId").asText()).isEqualTo(c1);
    assertThat(page1.json().get("changesets").get(0).get("status").asText()).isEqualTo("SUCCESS");

    String token = page1.json().get("nextToken").asText();
    CliRun page2 =
        cli("list-changesets", "--dataset-id", "t", "--max-results", "1", "--next-token", token);
    assertThat(page2.code()).as(page2.toString()).isZero();
    assertThat(page2.json().get("changesets").get(0).get("changesetId").asText()).isEqualTo(c2);
    // The last page has no token; null members are omitted, not printed as null.
    CliRun all = cli("list-changesets", "--dataset-id", "t");
    assertThat(names(all.json())).containsExactly("changesets");
    assertThat(all.json().get("changesets")).hasSize(2);
  }

  @Test
  void readDatasetPrintsRowsAsOfEachChangeset() throws IOException {
    String c1 = append("px", csv("a.csv", "id,price\n1,10.5000\n2,20.2500\n")).get("id").asText();
    String c2 = append("px", csv("b.csv", "id,price\n3,30.0000\n")).get("id").asText();
    Path fix = csv("fix.csv", "id,price\n1,11.0000\n");
    CliRun modify =
        cli(
            "create-changeset",
            "--dataset-id",
            "px",
            "--change-type",
            "MODIFY",
            "--updates-changeset-id",
            c1,
            "--source-params",
            "s3SourcePath=" + fix,
            "--format-type",
            "CSV");
    assertThat(modify.code()).as(modify.toString()).isZero();
    assertThat(modify.json().get("changeset").get("updatesChangesetId").asText()).isEqualTo(c1);

    assertThat(rows("--changeset-id", c1)).containsExactly("1=10.5", "2=20.25");
    assertThat(rows("--changeset-id", c2)).containsExactly("1=10.5", "2=20.25", "3=30.0");
    // MODIFY replaced only c1's rows.
    assertThat(rows()).containsExactly("1=11.0", "3=30.0");
    CliRun limited = cli("read-dataset", "--dataset-id", "px", "--limit", "1");
    assertThat(limited.jsonLines()).hasSize(1);
  }

  @Test
  void formatParamsMergeSchemaAddsANewColumnThatEarlierRowsReadAsNull() throws IOException {
    append("fx", csv("a.csv", "id,price\n1,10.5\n"));
    Path wider = csv("b.csv", "id,price,venue\n2,20.5,XLON\n");

    CliRun r = appendCsv("fx", wider, "--format-params", "mergeSchema=true");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.json().get("changeset").get("formatParams").get("mergeSchema").asText())
        .isEqualTo("true");
    CliRun read = cli("read-dataset", "--dataset-id", "fx");
    assertThat(read.code()).as(read.toString()).isZero();
    // The first row predates the column, so its venue is null; the second has XLON.
    assertThat(read.jsonLines())
        .extracting(n -> n.get("id").asInt() + ":" + n.path("venue").asText("-"))
        .containsExactlyInAnyOrder("1:-", "2:XLON");
  }

  @Test
  void quarantineModePrintsTheKeptRecordCountAndLocationAndExitsZero() throws IOException {
    append("qx", csv("a.csv", "id,price\n1,10.5\n"));
    Path mixed = csv("mixed.csv", "id,price\n2,20.5\n3,n/a\n");

    CliRun r = appendCsv("qx", mixed, "--format-params", "mode=QUARANTINE");

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode c = r.json().get("changeset");
    assertThat(c.get("status").asText()).isEqualTo("SUCCESS");
    assertThat(c.get("quarantine").get("recordCount").asLong()).isEqualTo(1);
    String location = c.get("quarantine").get("location").asText();
    assertThat(location).contains("/quarantine/qx/" + c.get("id").asText());
    // get-changeset prints the same member, read back from the durable record.
    CliRun got = cli("get-changeset", "--dataset-id", "qx", "--changeset-id", c.get("id").asText());
    assertThat(got.json().get("quarantine").get("location").asText()).isEqualTo(location);
    assertThat(got.json().get("quarantine").get("recordCount").asLong()).isEqualTo(1);
    CliRun read = cli("read-dataset", "--dataset-id", "qx");
    assertThat(read.jsonLines())
        .extracting(n -> n.get("id").asInt())
        .containsExactlyInAnyOrder(1, 2);
  }

  @Test
  void readDatasetKeepsTimestampMicroseconds() throws IOException {
    append("ticks", csv("t.csv", "id,ts\n1,2024-03-15 13:30:00.123456\n"));

    CliRun r = cli("read-dataset", "--dataset-id", "ticks");

    assertThat(r.code()).as(r.toString()).isZero();
    // Plain toJSON() would print .123 and lose the vendor's microseconds.
    assertThat(r.jsonLines())
        .singleElement()
        .satisfies(n -> assertThat(n.get("ts").asText()).contains("13:30:00.123456"));
  }

  private List<String> rows(String... extra) {
    List<String> args = new ArrayList<>(List.of("read-dataset", "--dataset-id", "px"));
    args.addAll(List.of(extra));
    CliRun r = cli(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    return r.jsonLines().stream()
        .map(n -> n.get("id").asText() + "=" + n.get("price").asDouble())
        .sorted()
        .toList();
  }

  @Test
  void updateChangesetPrintsTheNewIdAndLinksBothChangesets() throws IOException {
    String c1 = append("u", csv("a.csv", "id,v\n1,a\n2,b\n")).get("id").asText();
    Path fix = csv("fix.csv", "id,v\n1,A\n");

    CliRun r =
        cli(
            "update-changeset",
            "--dataset-id",
            "u",
            "--changeset-id",
            c1,
            "--source-params",
            "s3SourcePath=" + fix,
            "--format-params",
            "formatType=CSV,withHeader=true");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(names(r.json())).containsExactly("changesetId", "datasetId");
    String c2 = r.json().get("changesetId").asText();
    assertThat(c2).isNotEqualTo(c1);
    assertThat(r.json().get("datasetId").asText()).isEqualTo("u");
    JsonNode old = cli("get-changeset", "--dataset-id", "u", "--changeset-id", c1).json();
    assertThat(old.get("updatedByChangesetId").asText()).isEqualTo(c2);
    assertThat(old.get("activeUntilTimestamp").isIntegralNumber()).isTrue();
    JsonNode created = cli("get-changeset", "--dataset-id", "u", "--changeset-id", c2).json();
    assertThat(created.get("changeType").asText()).isEqualTo("MODIFY");
    assertThat(created.get("updatesChangesetId").asText()).isEqualTo(c1);
    assertThat(cli("read-dataset", "--dataset-id", "u").jsonLines())
        .extracting(n -> n.get("v").asText())
        .containsExactly("A");
  }

  @Test
  void anHdfsSourceOnALocalWarehouseExitsTwoWithOneLineNamingTheAcceptedSchemes() {
    CliRun r =
        cli(
            "create-changeset",
            "--dataset-id",
            "t",
            "--change-type",
            "APPEND",
            "--source-params",
            "s3SourcePath=hdfs://namenode:8020/feeds/a.csv",
            "--format-type",
            "CSV");

    // A validation error (2), not an internal one (7): refused before any file system call.
    assertThat(r.code()).as(r.toString()).isEqualTo(HabaneroCli.USAGE_OR_VALIDATION);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines())
        .singleElement()
        .asString()
        .startsWith("habanero: ValidationException (VALIDATION): sourceParams.s3SourcePath")
        .contains("scheme 'hdfs'")
        .contains("s3://")
        .contains("file:")
        .contains("Fix:");
    assertThat(cli("list-changesets", "--dataset-id", "t").code()).isEqualTo(HabaneroCli.NOT_FOUND);
  }

  @Test
  void anEncodedDotDotSourceExitsFourAccessDeniedWithOneLine() throws IOException {
    Path src = csv("a.csv", "id\n1\n");

    // src/%2e%2E/src/a.csv decodes to src/../src/a.csv.
    CliRun r =
        cli(
            "create-changeset",
            "--dataset-id",
            "t",
            "--change-type",
            "APPEND",
            "--source-params",
            "s3SourcePath=file:" + src.getParent() + "/%2e%2E/src/a.csv",
            "--format-type",
            "CSV");

    assertThat(r.code()).as(r.toString()).isEqualTo(HabaneroCli.ACCESS_DENIED);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines())
        .singleElement()
        .asString()
        .startsWith("habanero: AccessDeniedException (ACCESS_DENIED): sourceParams.s3SourcePath")
        .contains("percent-encoded");
    assertThat(cli("list-changesets", "--dataset-id", "t").code()).isEqualTo(HabaneroCli.NOT_FOUND);
  }

  @Test
  void credentialsOnALocalEnvironmentExitTwoWithAClearMessage() {
    CliRun r = cli("get-programmatic-access-credentials", "--environment-id", "local");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines())
        .singleElement()
        .asString()
        .startsWith("habanero: ValidationException (VALIDATION): ")
        .contains("has no IAM role")
        .contains("spark.habanero.role-arn");
  }

  @Test
  void credentialsDurationOutsideTheModelBoundsIsAValidationError() {
    CliRun r =
        cli(
            "get-programmatic-access-credentials",
            "--environment-id",
            "local",
            "--duration-in-minutes",
            "5");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.habaneroErrLines()).singleElement().asString().contains("durationInMinutes");
  }

  @Test
  void confFlagSetsTheWarehouseLikeTheShortcut() {
    Path other = tmp.resolve("other-wh");

    CliRun r = CliRun.raw("--conf", "spark.habanero.warehouse=" + other, "get-working-location");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.json().get("s3Path").asText())
        .startsWith(other.resolve("working/ingestion").toAbsolutePath().toString());
  }

  @Test
  void noSubCommandIsAUsageError() {
    CliRun r = CliRun.raw();

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.habaneroErrLines()).singleElement().asString().contains("sub-command");
  }

  /** A copy of a real data file of {@code dataset}'s table that no version references, aged. */
  private Path orphan(String dataset, Duration age) throws IOException {
    Path table = warehouse().resolve("datasets").resolve(dataset);
    Path src;
    try (Stream<Path> files = Files.list(table)) {
      src = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().get();
    }
    Path dst = table.resolve("part-00000-" + UUID.randomUUID() + "-c000.snappy.parquet");
    Files.copy(src, dst);
    Files.setLastModifiedTime(
        dst, FileTime.fromMillis(System.currentTimeMillis() - age.toMillis()));
    return dst;
  }

  @Test
  void sweepPrintsWhatItRemovesAndADryRunRemovesNothing() throws IOException {
    append("swept", csv("s.csv", "sym,px\nAAPL,1.5\nMSFT,2.5\n"));
    Path old = orphan("swept", Duration.ofHours(2));
    Path fresh = orphan("swept", Duration.ofMinutes(10));
    long bytes = Files.size(old);

    CliRun dry = cli("sweep", "--dataset-id", "swept", "--dry-run");

    assertThat(dry.code()).as(dry.toString()).isZero();
    assertThat(names(dry.json())).containsExactly("datasets", "dryRun");
    assertThat(dry.json().get("dryRun").asBoolean()).isTrue();
    JsonNode d = dry.json().get("datasets").get(0);
    assertThat(names(d))
        .containsExactly(
            "datasetId",
            "dataFilesRemoved",
            "bytesRemoved",
            "quarantineDirectoriesRemoved",
            "removed");
    assertThat(d.get("datasetId").asText()).isEqualTo("swept");
    assertThat(d.get("dataFilesRemoved").asLong()).isEqualTo(1);
    assertThat(d.get("bytesRemoved").asLong()).isEqualTo(bytes);
    assertThat(d.get("quarantineDirectoriesRemoved").asLong()).isZero();
    assertThat(d.get("removed")).hasSize(1);
    assertThat(Path.of(URI.create(d.get("removed").get(0).asText()))).isEqualTo(old);
    assertThat(old).exists();
    assertThat(fresh).exists();
    // Progress on stderr: files scanned and what is removed.
    assertThat(dry.err()).contains("habanero: sweep swept:").contains("data files scanned");

    // The default window (60 minutes) removes the old one and keeps the young one.
    CliRun real = cli("sweep", "--dataset-id", "swept");

    assertThat(real.code()).as(real.toString()).isZero();
    assertThat(real.json().get("dryRun").asBoolean()).isFalse();
    assertThat(real.json().get("datasets")).isEqualTo(dry.json().get("datasets"));
    assertThat(old).doesNotExist();
    assertThat(fresh).exists();
    assertThat(cli("read-dataset", "--dataset-id", "swept").jsonLines())
        .extracting(n -> n.get("sym").asText())
        .containsExactlyInAnyOrder("AAPL", "MSFT");

    // Every dataset, with a window of 5 minutes: the young one goes too.
    append("other", csv("o.csv", "sym,px\nGS,3.5\n"));
    CliRun all = cli("sweep", "--safety-window-minutes", "5");

    assertThat(all.code()).as(all.toString()).isZero();
    assertThat(all.json().get("datasets").findValuesAsText("datasetId"))
        .containsExactly("other", "swept");
    assertThat(all.json().get("datasets").get(1).get("dataFilesRemoved").asLong()).isEqualTo(1);
    assertThat(fresh).doesNotExist();
    assertThat(cli("read-dataset", "--dataset-id", "swept").jsonLines()).hasSize(2);
    assertThat(cli("read-dataset", "--dataset-id", "other").jsonLines()).hasSize(1);

    // A negative window is a usage error; an unknown dataset exits 3.
    CliRun negative = cli("sweep", "--safety-window-minutes", "-1");
    assertThat(negative.code()).isEqualTo(2);
    assertThat(negative.out()).isEmpty();
    assertThat(cli("sweep", "--dataset-id", "nope").code()).isEqualTo(3);
  }
}
