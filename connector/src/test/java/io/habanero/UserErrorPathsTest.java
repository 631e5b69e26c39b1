package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.ChangesetFailedException;
import io.habanero.errors.ConflictException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.internal.Errors;
import io.habanero.internal.ingest.ChangesetRunner;
import io.habanero.internal.warehouse.WriterSafety;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.UpdateChangesetRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one place that enumerates every known user-error path: a failure caused by the request or by
 * the data. Each is VALIDATION, RESOURCE_NOT_FOUND, ACCESS_DENIED or (a conflict with the current
 * state) USER_RECOVERABLE, never INTERNAL_SERVICE_EXCEPTION, and its message is one line that names
 * what is wrong (the member, file, record or column) and says how to fix it ("Fix:").
 *
 * <ul>
 *   <li>A failure found at create time (or by another call) is a thrown exception of the model's
 *       class and category, and records nothing: the dataset's rows, changesets and version are as
 *       before.
 *   <li>A failure found while ingesting is a FAILED changeset with errorInfo; it is recorded, and
 *       the dataset's rows and version are as before.
 * </ul>
 *
 * A new factory method in {@link Errors} needs a case here: {@link #everyErrorsFactoryHasACase}
 * fails otherwise. Other test classes cover many of these paths in more depth.
 */
class UserErrorPathsTest {
  /** Columns id INT, name STRING, price DOUBLE, inferred from its first CSV; no column mapping. */
  private static final String DS = "trades";

  private static final String TRADES_CSV = "id,name,price\n1,a,1.5\n2,b,2.5\n";

  @TempDir static Path tmp;
  private static Habanero h;
  private static Habanero restricted;
  private static String warehouse;
  private static int n;

  /** SUCCESS changesets and one FAILED one, for MODIFY, reads and stops. */
  private static Changeset first;

  private static Changeset failed;
  private static Changeset retired;

  @BeforeAll
  static void datasets() {
    warehouse = tmp.resolve("wh").toString();
    h = Fixtures.habanero(tmp.resolve("wh"));
    restricted =
        Habanero.create(
            SharedSpark.get(),
            Map.of(
                "warehouse",
                warehouse,
                "source.allowed-prefixes",
                tmp.resolve("allowed").toUri().toString()));
    first = ok(req(DS, ChangeType.APPEND, files("a.csv", TRADES_CSV), FormatType.CSV).build());
    failed =
        h.createChangeset(
                req(DS, ChangeType.APPEND, files("f.csv", "id,name,price\n3\n"), FormatType.CSV)
                    .build())
            .changeset();
    assertThat(failed.status()).isEqualTo(IngestionStatus.FAILED);
    // "retired": its first changeset is superseded by a MODIFY.
    retired =
        ok(req("retired", ChangeType.APPEND, files("a.csv", "id\n1\n"), FormatType.CSV).build());
    ok(
        req("retired", ChangeType.MODIFY, files("b.csv", "id\n2\n"), FormatType.CSV)
            .updatesChangesetId(retired.id())
            .build());
    // "tokens": created with a clientToken.
    ok(
        req("tokens", ChangeType.APPEND, files("a.csv", "id\n1\n"), FormatType.CSV)
            .clientToken("tok-1")
            .build());
    // "nodata": its only changeset failed.
    Changeset none =
        h.createChangeset(
                req("nodata", ChangeType.APPEND, files("a.csv", "id,x\n1\n"), FormatType.CSV)
                    .build())
            .changeset();
    assertThat(none.status()).isEqualTo(IngestionStatus.FAILED);
  }

  @AfterAll
  static void close() {
    h.close();
    restricted.close();
  }

  // ---------------------------------------------------------------------------------------------
  // The table
  // ---------------------------------------------------------------------------------------------

  static Stream<Case> cases() {
    List<Case> c = new ArrayList<>();
    requestMembers(c);
    formatParams(c);
    modifyAndTokens(c);
    sources(c);
    otherOperations(c);
    dataFrameOptions(c);
    malformedRecords(c);
    parquet(c);
    schemas(c);
    layoutsEncodingsAndEmptyInput(c);
    dataFrameWrites(c);
    s3Writers(c);
    return c.stream();
  }

  private static void requestMembers(List<Case> c) {
    c.add(
        invalid("datasetId missing", create(() -> valid().datasetId(null)), "datasetId is required")
            .via("missing"));
    c.add(
        invalid(
            "datasetId longer than 26 characters",
            create(() -> valid().datasetId("a".repeat(27))),
            "datasetId '" + "a".repeat(27) + "' is invalid",
            "the limit is 26"));
    c.add(
        invalid(
                "datasetId with a slash",
                create(() -> valid().datasetId("a/b")),
                "datasetId 'a/b' is invalid",
                "letters, digits")
            .via("invalid"));
    c.add(
        invalid(
            "updatesChangesetId with a dot",
            create(() -> valid().changeType(ChangeType.MODIFY).updatesChangesetId("x.y")),
            "updatesChangesetId 'x.y' is invalid"));
    c.add(
        invalid(
            "changeType missing",
            create(() -> valid().changeType(null)),
            "changeType is required"));
    c.add(
        invalid(
            "sourceParams.sourceType not S3",
            create(() -> valid().sourceParams(Map.of("sourceType", "FTP"))),
            "sourceParams.sourceType 'FTP' is invalid",
            "only S3"));
    c.add(
        invalid(
                "sourceParams with an unknown key",
                create(() -> valid().sourceParams(Map.of("bucket", "b"))),
                "sourceParams has unknown key(s) [bucket]",
                "Accepted keys: [s3SourcePath, sourceType]")
            .via("unknownKeys"));
    c.add(
        invalid(
            "s3SourcePath missing",
            create(
                () ->
                    CreateChangesetRequest.builder()
                        .datasetId(DS)
                        .changeType(ChangeType.APPEND)
                        .formatType(FormatType.CSV)),
            "sourceParams.s3SourcePath is required"));
    c.add(
        invalid(
            "clientToken longer than 128 characters",
            create(() -> valid().clientToken("t".repeat(129))),
            "clientToken",
            "1..128 characters"));
    c.add(
        invalid(
            "formatParams value longer than 1024 characters",
            create(() -> valid().formatParam("nullValue", "x".repeat(1025))),
            "formatParams.nullValue '1025 characters' is invalid",
            "at most 1024"));
    c.add(
        invalid(
            "tags with more than 50 entries",
            create(
                () ->
                    valid()
                        .tags(
                            IntStream.range(0, 51)
                                .boxed()
                                .collect(Collectors.toMap(i -> "k" + i, i -> "v")))),
            "tags '51 entries' is invalid",
            "at most 50"));
    c.add(
        invalid(
            "formatType missing",
            create(() -> valid().formatType(null)),
            "formatType is required"));
    c.add(
        invalid(
            "formatParams.formatType unknown",
            create(() -> valid().formatType(null).formatParam("formatType", "EXCEL")),
            "formatParams.formatType 'EXCEL' is invalid",
            "CSV, JSON, PARQUET, XML"));
    c.add(
        invalid(
                "formatType disagrees with formatParams.formatType",
                create(() -> valid().formatParam("formatType", "JSON")),
                "formatType is CSV but formatParams.formatType is JSON")
            .via("notAllowed"));
  }

  private static void formatParams(List<Case> c) {
    c.add(
        invalid(
            "unknown CSV formatParams key",
            create(() -> valid().formatParam("delimiter", ";")),
            "formatParams has unknown key(s) [delimiter] for CSV",
            "separator"));
    c.add(
        invalid(
            "XML key given for CSV",
            create(() -> valid().formatParam("rowTag", "row")),
            "unknown key(s) [rowTag] for CSV"));
    c.add(
        invalid(
            "mode DROPMALFORMED",
            create(() -> valid().formatParam("mode", "DROPMALFORMED")),
            "formatParams.mode 'DROPMALFORMED' is invalid",
            "QUARANTINE"));
    c.add(
        invalid(
            "mode QUARANTINE with jsonPath",
            create(
                () ->
                    valid()
                        .formatType(FormatType.JSON)
                        .formatParam("mode", "QUARANTINE")
                        .formatParam("jsonPath", "$.rows")),
            "formatParams.mode is QUARANTINE",
            "jsonPath"));
    // Spark's ParseException spans several lines (the statement and a caret under it).
    c.add(
        invalid(
            "schema that is not Spark DDL",
            create(() -> valid().formatParam("schema", "id INTEGRAL NUMBER,,")),
            "formatParams.schema 'id INTEGRAL NUMBER,,' is invalid",
            "Spark DDL"));
    c.add(
        invalid(
            "compression codec unknown",
            create(() -> valid().formatParam("compression", "rar")),
            "formatParams.compression 'rar' is invalid",
            "gzip"));
    c.add(
        invalid(
            "separator empty",
            create(() -> valid().formatParam("separator", "")),
            "formatParams.separator '' is invalid"));
    c.add(
        invalid(
            "quoteChar of two characters",
            create(() -> valid().formatParam("quoteChar", "''")),
            "formatParams.quoteChar '''' is invalid"));
    c.add(
        invalid(
            "escaper of two characters",
            create(() -> valid().formatParam("escaper", "\\\\")),
            "formatParams.escaper"));
    c.add(
        invalid(
            "comment of two characters",
            create(() -> valid().formatParam("comment", "##")),
            "formatParams.comment '##' is invalid"));
    c.add(
        invalid(
            "withHeader not a boolean",
            create(() -> valid().formatParam("withHeader", "yes")),
            "formatParams.withHeader 'yes' is invalid",
            "true or false"));
    c.add(
        invalid(
            "encoding the JVM does not know",
            create(() -> valid().formatParam("encoding", "UTF-9")),
            "formatParams.encoding 'UTF-9' is invalid"));
    c.add(
        invalid(
            "line-delimited JSON in UTF-16 without a byte order",
            create(() -> valid().formatType(FormatType.JSON).formatParam("encoding", "UTF-16")),
            "formatParams.encoding 'UTF-16' is invalid",
            "UTF-16LE"));
    c.add(
        invalid(
            "XML without rowTag",
            create(() -> valid().formatType(FormatType.XML)),
            "formatParams.rowTag is required"));
    c.add(
        invalid(
            "jsonPath of an unsupported form",
            create(() -> valid().formatType(FormatType.JSON).formatParam("jsonPath", "$..rows")),
            "formatParams.jsonPath '$..rows' is invalid"));
  }

  private static void modifyAndTokens(List<Case> c) {
    c.add(
        invalid(
            "updatesChangesetId with APPEND",
            create(() -> valid().updatesChangesetId(first.id())),
            "updatesChangesetId is only for MODIFY, but changeType is APPEND"));
    c.add(
        invalid(
            "MODIFY without updatesChangesetId",
            create(() -> valid().changeType(ChangeType.MODIFY)),
            "updatesChangesetId is required"));
    c.add(
        notFound(
                "MODIFY on a dataset that does not exist",
                "nosuch",
                create(
                    () ->
                        valid()
                            .datasetId("nosuch")
                            .changeType(ChangeType.MODIFY)
                            .updatesChangesetId("C1")),
                "Dataset 'nosuch' does not exist")
            .via("datasetNotFound"));
    c.add(
        notFound(
                "MODIFY of a changeset that does not exist",
                DS,
                create(() -> valid().changeType(ChangeType.MODIFY).updatesChangesetId("NOSUCH")),
                "Changeset 'NOSUCH' does not exist in dataset 'trades'")
            .via("changesetNotFound"));
    c.add(
        invalid(
            "MODIFY of a FAILED changeset",
            create(() -> valid().changeType(ChangeType.MODIFY).updatesChangesetId(failed.id())),
            "names changeset '" + failed.id() + "', which is FAILED"));
    c.add(
        conflict(
                "MODIFY of a superseded changeset",
                "retired",
                create(
                    () ->
                        req("retired", ChangeType.MODIFY, files("c.csv", "id\n3\n"), FormatType.CSV)
                            .updatesChangesetId(retired.id())),
                "updatesChangesetId '" + retired.id() + "' is already superseded by MODIFY")
            .via("targetSuperseded"));
    c.add(
        conflict(
                "clientToken reused for another request",
                "tokens",
                create(
                    () ->
                        req("tokens", ChangeType.APPEND, files("b.csv", "id\n2\n"), FormatType.CSV)
                            .clientToken("tok-1")),
                "clientToken 'tok-1' was already used by changeset")
            .via("clientTokenReused"));
  }

  private static void sources(List<Case> c) {
    Path missing = tmp.resolve("no-such-dir");
    c.add(
        notFound(
                "source path that does not exist",
                DS,
                create(() -> req(DS, ChangeType.APPEND, missing, FormatType.CSV)),
                "sourceParams.s3SourcePath '" + missing + "' does not exist")
            .via("sourceNotFound"));
    c.add(
        invalid(
                "source directory that is empty",
                create(() -> req(DS, ChangeType.APPEND, dir(), FormatType.CSV)),
                "holds no data files")
            .via("emptySource"));
    c.add(
        invalid(
            "source of only hidden and empty files",
            create(
                () ->
                    req(
                        DS,
                        ChangeType.APPEND,
                        files("_SUCCESS", "", ".a.csv.crc", "x", "empty.csv", ""),
                        FormatType.CSV)),
            "holds no data files"));
    c.add(
        invalid(
            "source that is one zero-byte file",
            create(
                () ->
                    req(
                        DS,
                        ChangeType.APPEND,
                        files("z.csv", "").resolve("z.csv"),
                        FormatType.CSV)),
            "z.csv' holds no data files"));
    c.add(
        invalid(
            "source path of a file system Hadoop does not know",
            create(() -> valid().s3SourcePath("nosuchfs://bucket/feeds/a.csv")),
            "sourceParams.s3SourcePath 'nosuchfs://bucket/feeds/a.csv' uses scheme 'nosuchfs'",
            "Accepted: s3://"));
    c.add(
        denied(
            "source path with a NUL character",
            create(() -> valid().s3SourcePath(tmp.resolve("a").toString() + "\0b.csv")),
            "contains a control character",
            "Fix: remove it"));
    c.add(
        invalid(
                "source path s3:// without a bucket",
                create(() -> valid().s3SourcePath("s3://")),
                "sourceParams.s3SourcePath 's3://'",
                "is not a bucket name")
            .via("sourcePathInvalid"));
    c.add(
        denied(
                "source path with a glob",
                create(() -> valid().s3SourcePath(tmp.resolve("src*").toString())),
                "contains a glob character")
            .via("sourcePathDenied"));
    c.add(
        denied(
            "source path with a '..' segment",
            create(() -> valid().s3SourcePath(tmp.resolve("a/../b").toString())),
            "contains a '..' segment"));
    c.add(
        denied(
            "source path outside the allowed prefixes",
            () -> restricted.createChangeset(valid().build()),
            "is outside the environment's allowed roots",
            "source.allowed-prefixes"));
    c.add(
        invalid(
            "gzip declared for a file without .gz",
            create(() -> valid().formatParam("compression", "gzip")),
            "formatParams.compression 'gzip' is invalid",
            "a.csv does not end in .gz"));
  }

  /**
   * An S3 warehouse's writer set-up, decided before any write: the decision itself, as the local
   * warehouse of this table never asks it (S3WritersTest drives it on S3).
   */
  private static void s3Writers(List<Case> c) {
    c.add(
        invalid(
                "S3 warehouse without a log store safe for several writers",
                () ->
                    WriterSafety.check(
                        "s3a://b/wh", "s3a", key -> Optional.empty(), false, x -> true),
                "The S3 warehouse s3a://b/wh has no log store that is safe for several writers",
                "spark.habanero.s3.single-writer=true")
            .via("noSafeLogStore"));
    c.add(
        invalid(
                "S3 warehouse naming Delta's multi-cluster log store without its class",
                () ->
                    WriterSafety.check(
                        "s3a://b/wh",
                        "s3a",
                        key ->
                            key.equals("spark.delta.logStore.s3a.impl")
                                ? Optional.of(WriterSafety.DYNAMODB_LOG_STORE)
                                : Optional.empty(),
                        false,
                        x -> false),
                "spark.delta.logStore.s3a.impl names " + WriterSafety.DYNAMODB_LOG_STORE,
                "is not on the classpath",
                "io.delta:delta-storage-s3-dynamodb")
            .via("logStoreNotLoadable"));
  }

  private static void otherOperations(List<Case> c) {
    c.add(
        notFound(
            "getChangeset of a changeset that does not exist",
            DS,
            () -> h.getChangeset(new GetChangesetRequest(DS, "NOSUCH")),
            "Changeset 'NOSUCH' does not exist in dataset 'trades'"));
    c.add(
        notFound(
            "getChangeset of a dataset that does not exist",
            "nosuch",
            () -> h.getChangeset(new GetChangesetRequest("nosuch", "C1")),
            "Dataset 'nosuch' does not exist"));
    c.add(
        invalid(
            "getChangeset with an id outside the allow-list",
            () -> h.getChangeset(new GetChangesetRequest(DS, "../x")),
            "changesetId '../x' is invalid"));
    c.add(
        invalid(
            "listChangesets with maxResults 0",
            () -> h.listChangesets(new ListChangesetsRequest(DS, 0, null)),
            "maxResults '0' is invalid",
            "1 to 100"));
    c.add(
        invalid(
            "listChangesets with a nextToken it never returned",
            () -> h.listChangesets(new ListChangesetsRequest(DS, null, "%%%")),
            "nextToken '%%%' is invalid"));
    c.add(
        invalid(
            "listChangesets with a nextToken of another dataset",
            () ->
                h.listChangesets(
                    new ListChangesetsRequest(
                        DS,
                        null,
                        h.listChangesets(new ListChangesetsRequest("retired", 1, null))
                            .nextToken())),
            "it does not belong to dataset trades"));
    c.add(
        notFound(
            "listChangesets of a dataset that does not exist",
            "nosuch",
            () -> h.listChangesets(new ListChangesetsRequest("nosuch", null, null)),
            "Dataset 'nosuch' does not exist"));
    c.add(
        notFound(
            "readDataset of a dataset that does not exist",
            "nosuch",
            () -> h.readDataset("nosuch"),
            "Dataset 'nosuch' does not exist"));
    c.add(
        notFound(
                "readDataset of a dataset whose changesets all failed",
                "nodata",
                () -> h.readDataset("nodata"),
                "Dataset 'nodata' has no data")
            .via("datasetHasNoData"));
    c.add(
        invalid(
            "readDataset as of a FAILED changeset",
            () -> h.readDataset(DS, failed.id()),
            "names changeset '" + failed.id() + "', which is FAILED and has no version to read"));
    c.add(
        conflict(
                "requestStop of a changeset that has ended",
                DS,
                () -> h.requestStop(DS, first.id()),
                "Changeset '" + first.id() + "' is SUCCESS")
            .via("notStoppable"));
    c.add(
        invalid(
            "updateChangeset with an id outside the allow-list",
            () ->
                h.updateChangeset(new UpdateChangesetRequest(null, DS, "a b", Map.of(), Map.of())),
            "changesetId 'a b' is invalid"));
    c.add(
        invalid(
                "credentials of an environment without a role",
                () ->
                    h.getProgrammaticAccessCredentials(
                        new GetProgrammaticAccessCredentialsRequest("local", null)),
                "Environment 'local' has no IAM role",
                "spark.habanero.role-arn")
            .via("noRole"));
    c.add(
        invalid(
            "credentials of another environment",
            () ->
                h.getProgrammaticAccessCredentials(
                    new GetProgrammaticAccessCredentialsRequest("other", null)),
            "environmentId 'other' is invalid"));
    c.add(
        invalid(
            "credentials for 30 minutes",
            () ->
                h.getProgrammaticAccessCredentials(
                    new GetProgrammaticAccessCredentialsRequest("local", 30L)),
            "durationInMinutes '30' is invalid",
            "60 to 720"));
    c.add(
        invalid(
                "setting environment-id with a space",
                () -> settings(Map.of("environment-id", "my env")),
                "Setting spark.habanero.environment-id (option 'environment-id') is invalid")
            .via("invalidSetting"));
    c.add(
        invalid(
            "setting lease timeout not a number",
            () -> settings(Map.of("changeset.lease-timeout-seconds", "soon")),
            "spark.habanero.changeset.lease-timeout-seconds",
            "whole number"));
    c.add(
        invalid(
            "setting warehouse on a file system Hadoop does not know",
            () -> settings(Map.of("warehouse", "nosuchfs://bucket/wh")),
            "Setting spark.habanero.warehouse (option 'warehouse') is invalid",
            "cannot be opened"));
  }

  private static void dataFrameOptions(List<Case> c) {
    c.add(
        invalid(
            "DataFrame read with an unknown option",
            () -> read(DS).option("bogus", "1").load(),
            "The habanero data source has unknown key(s) [bogus]",
            "Accepted keys"));
    c.add(
        invalid(
            "DataFrame read without datasetId",
            () -> SharedSpark.get().read().format("habanero").option("warehouse", warehouse).load(),
            "Option datasetId is required"));
    c.add(
        invalid(
            "DataFrame read at two points in time",
            () -> read(DS).option("versionAsOf", "0").option("changesetId", first.id()).load(),
            "Options changesetId and versionAsOf were both given"));
    c.add(
        invalid(
            "DataFrame read with versionAsOf not a number",
            () -> read(DS).option("versionAsOf", "latest").load(),
            "Option versionAsOf 'latest' is invalid"));
    c.add(
        invalid(
            "DataFrame read with versionAsOf beyond the history",
            () -> read(DS).option("versionAsOf", "99").load().count(),
            "Option versionAsOf '99' is invalid",
            "is not in the history of dataset 'trades'"));
    c.add(
        notFound(
            "DataFrame read of a dataset that does not exist",
            "nosuch",
            () -> read("nosuch").load().count(),
            "Dataset 'nosuch' does not exist"));
    c.add(
        invalid(
            "DataFrame write with a read option",
            () -> write(people(), DS).option("versionAsOf", "0").mode("append").save(),
            "Option versionAsOf is for reads"));
    c.add(
        invalid(
            "DataFrame write in mode ignore",
            () -> write(people(), DS).mode("ignore").save(),
            "'ignore' is not supported"));
    c.add(
        invalid(
            "DataFrame write with datasetId and another save path",
            () -> write(people(), DS).mode("append").save("other"),
            "Option datasetId is 'trades' but the load/save path is 'other'"));
    c.add(
        invalid(
            "DataFrame write MODIFY without updatesChangesetId",
            () -> write(people(), DS).option("changeType", "MODIFY").mode("append").save(),
            "Option updatesChangesetId is required"));
    c.add(
        conflict(
                "DataFrame write to an existing dataset in mode errorifexists",
                DS,
                () -> write(people(), DS).save(),
                "Dataset 'trades' already exists")
            .via("datasetExists"));
  }

  private static void malformedRecords(List<Case> c) {
    c.add(
        fails(
            "CSV row with an unbalanced quote",
            DS,
            ingest(
                () ->
                    req(
                        DS,
                        ChangeType.APPEND,
                        files("u.csv", "id,name,price\n3,c,3.5\n4,\"d,4.5\n5,e,5.5\n"),
                        FormatType.CSV)),
            "malformed record(s) in the CSV source",
            "u.csv"));
    c.add(
        fails(
                "CSV row with too few values",
                DS,
                csv(DS, "s.csv", "id,name,price\n3,c,3.5\n4,d\n"),
                "1 malformed record(s) in the CSV source",
                "s.csv: 4,d")
            .via("malformedRecords"));
    c.add(
        fails(
            "CSV row with too many values",
            DS,
            csv(DS, "l.csv", "id,name,price\n3,c,3.5,extra\n"),
            "1 malformed record(s) in the CSV source",
            "l.csv: 3,c,3.5,extra"));
    c.add(
        fails(
            "CSV value that is not the dataset's INT",
            DS,
            csv(DS, "b.csv", "id,name,price\nabc,d,4.5\n"),
            "1 malformed record(s) in the CSV source",
            "b.csv: abc,d,4.5"));
    c.add(
        fails(
            "CSV timestamp that does not parse",
            "badts",
            csv(
                "badts",
                "t.csv",
                "id,ts\n1,2024-01-02 10:00:00\n2,not-a-time\n",
                "schema",
                "id INT, ts TIMESTAMP"),
            "t.csv: 2,not-a-time"));
    c.add(
        fails(
            "CSV date not in the declared dateFormat",
            "baddate",
            csv(
                "baddate",
                "d.csv",
                "id,d\n1,02/01/2024\n2,2024-01-03\n",
                "schema",
                "id INT, d DATE",
                "dateFormat",
                "dd/MM/yyyy"),
            "d.csv: 2,2024-01-03"));
    c.add(
        fails(
            "CSV decimal too large for the declared DECIMAL(5,2)",
            "bigdec",
            csv(
                "bigdec",
                "p.csv",
                "id,px\n1,1.25\n2,123456.78\n",
                "schema",
                "id INT, px DECIMAL(5,2)"),
            "p.csv: 2,123456.78"));
    c.add(
        fails(
            "CSV decimal that is not a number",
            "nandec",
            csv("nandec", "p.csv", "id,px\n1,1.25\n2,n/a\n", "schema", "id INT, px DECIMAL(5,2)"),
            "p.csv: 2,n/a"));
    c.add(
        fails(
            "CSV timestampFormat that is not a pattern",
            "badpattern",
            csv(
                "badpattern",
                "t.csv",
                "id,ts\n1,2024-01-02\n",
                "schema",
                "id INT, ts TIMESTAMP",
                "timestampFormat",
                "yyyy-MM-dd bogus"),
            "t.csv: 1,2024-01-02",
            "reason: All week-based patterns are unsupported",
            "timestampFormat"));
    c.add(
        fails(
            "gzip file that is not gzip",
            DS,
            ingest(
                () ->
                    req(DS, ChangeType.APPEND, files("a.csv.gz", TRADES_CSV), FormatType.CSV)
                        .formatParam("compression", "gzip")),
            "a.csv.gz",
            "gzip"));
    c.add(
        fails(
            "JSON line cut short",
            DS,
            json(
                DS,
                "t.json",
                "{\"id\":3,\"name\":\"c\",\"price\":3.5}\n{\"id\":4,\"name\":\"d\",\"pr\n"),
            "1 malformed record(s) in the JSON source",
            "t.json: {\"id\":4,\"name\":\"d\",\"pr"));
    c.add(
        fails(
            "JSON value that is not the dataset's INT",
            DS,
            json(DS, "v.json", "{\"id\":\"four\",\"name\":\"d\",\"price\":4.5}\n"),
            "1 malformed record(s) in the JSON source",
            "v.json: {\"id\":\"four\""));
    c.add(
        fails(
            "JSON pretty-printed without multiLine",
            "pretty",
            json("pretty", "p.json", "{\n  \"id\": 1,\n  \"name\": \"a\"\n}\n"),
            "p.json",
            "multiLine=true"));
    String doc = "{\n  \"id\": %d\n}\n";
    c.add(
        fails(
                "JSON documents one after another with multiLine",
                "concat",
                json(
                    "concat",
                    "docs.json",
                    String.format(doc, 1) + String.format(doc, 2) + String.format(doc, 3),
                    "multiLine",
                    "true"),
                "docs.json holds 3 documents",
                "JSON array")
            .via("concatenatedJson"));
    c.add(
        fails(
            "JSON keys that differ only in case",
            "jsoncase",
            json("jsoncase", "k.json", "{\"id\":1,\"Id\":2}\n"),
            "k.json",
            "id"));
    c.add(
        fails(
            "JSON records without fields",
            "jsonempty",
            json("jsonempty", "e.json", "{}\n{}\n"),
            "e.json",
            "no columns"));
    c.add(
        fails(
            "jsonPath selecting a number",
            "jpnum",
            json(
                "jpnum",
                "d.json",
                "{\"meta\":{\"n\":1},\"rows\":[{\"id\":1}]}\n",
                "jsonPath",
                "$.meta.n"),
            "formatParams.jsonPath '$.meta.n' is invalid",
            "not objects"));
    c.add(
        fails(
            "jsonPath naming a field the documents lack",
            "jpmissing",
            json("jpmissing", "d.json", "{\"rows\":[{\"id\":1}]}\n", "jsonPath", "$.trades[*]"),
            "formatParams.jsonPath '$.trades[*]' is invalid",
            "trades"));
    c.add(
        fails(
            "XML element not closed",
            DS,
            xml(
                DS,
                "m.xml",
                "<rows><row><id>3</id><name>c</name><price>3.5</price></row>"
                    + "<row><id>4</id><name>d</name><price>4.5</row></rows>\n"),
            "XML source",
            "m.xml"));
    c.add(
        fails(
            "XML value that is not the dataset's INT",
            DS,
            xml(
                DS,
                "v.xml",
                "<rows><row><id>abc</id><name>c</name><price>3.5</price></row></rows>"),
            "XML source",
            "v.xml"));
    c.add(
        fails(
            "XML timestamp that does not parse",
            "xmlts",
            xml(
                "xmlts",
                "t.xml",
                "<rows><row><id>1</id><ts>yesterday</ts></row></rows>",
                "schema",
                "id INT, ts TIMESTAMP"),
            "yesterday"));
    c.add(
        fails(
            "XML decimal too large for the declared DECIMAL(5,2)",
            "xmldec",
            xml(
                "xmldec",
                "d.xml",
                "<rows><row><id>1</id><px>123456.78</px></row></rows>",
                "schema",
                "id INT, px DECIMAL(5,2)"),
            "d.xml"));
    c.add(
        fails(
                "XML rowTag that matches no element",
                "xmlnotag",
                xml("xmlnotag", "r.xml", "<rows><trade><id>1</id></trade></rows>", "rowTag", "row"),
                "r.xml",
                "rowTag 'row'")
            .via("noColumns"));
  }

  private static void parquet(List<Case> c) {
    c.add(
        fails(
            "Parquet file of random bytes",
            DS,
            ingest(
                () -> {
                  byte[] junk = new byte[256];
                  new Random(7).nextBytes(junk);
                  return req(
                      DS, ChangeType.APPEND, bytes("part-0.parquet", junk), FormatType.PARQUET);
                }),
            "Parquet",
            "part-0.parquet"));
    c.add(
        fails(
                "CSV text declared PARQUET",
                DS,
                ingest(
                    () ->
                        req(
                            DS,
                            ChangeType.APPEND,
                            files("x.parquet", TRADES_CSV),
                            FormatType.PARQUET)),
                "The Parquet source",
                "could not be read",
                "x.parquet",
                "is not a Parquet file")
            .via("unreadableParquet"));
    c.add(
        fails(
            "Parquet column of another type than the dataset's",
            DS,
            parquetOf(DS, "SELECT 3 AS id, CAST(7 AS BIGINT) AS name, 3.5D AS price"),
            "conflicts with dataset 'trades'",
            "column 'name' is bigint in the source but string in the dataset"));
    c.add(
        fails(
            "Parquet files whose types disagree",
            "pqmixed",
            ingest(
                () -> {
                  Path d = dir();
                  SharedSpark.get()
                      .sql("SELECT 1 AS id")
                      .write()
                      .parquet(d.resolve("a").toString());
                  SharedSpark.get()
                      .sql("SELECT 'x' AS id")
                      .write()
                      .parquet(d.resolve("b").toString());
                  return req("pqmixed", ChangeType.APPEND, d, FormatType.PARQUET);
                }),
            "Parquet",
            ".parquet"));
    c.add(
        fails(
            "Parquet columns that differ only in case",
            "pqcase",
            parquetOf("pqcase", "SELECT 1 AS id, 2 AS ID", "spark.sql.caseSensitive"),
            "id"));
    c.add(
        fails(
            "Parquet map without a value",
            "pqmap",
            ingest(
                () -> {
                  Path d = dir();
                  writeBadMapParquet(d.resolve("m.parquet"));
                  return req("pqmap", ChangeType.APPEND, d, FormatType.PARQUET);
                }),
            "Parquet",
            "map"));
  }

  private static void schemas(List<Case> c) {
    c.add(
        fails(
                "source with a column the dataset lacks",
                DS,
                csv(DS, "e.csv", "id,name,price,venue\n3,c,3.5,X\n"),
                "conflicts with dataset 'trades'",
                "column 'venue' is not in the dataset",
                "mergeSchema=true")
            .via("schemaConflict"));
    c.add(
        fails(
            "source without a column of the dataset",
            DS,
            csv(DS, "m.csv", "id,name\n3,c\n"),
            "column 'price' is missing from the source"));
    c.add(
        fails(
            "declared schema of another type than the dataset's",
            DS,
            csv(
                DS,
                "x.csv",
                "id,name,price\n3,c,3.5\n",
                "schema",
                "id BIGINT, name STRING, price DOUBLE"),
            "column 'id' is bigint in the source but int in the dataset"));
    c.add(
        fails(
                "source with the reserved lineage column",
                "reserved",
                csv("reserved", "r.csv", "id,_habanero_changeset_id\n1,x\n"),
                "_habanero_changeset_id",
                "reserves")
            .via("reservedColumn"));
    c.add(
        fails(
                "new column whose name Delta cannot store without column mapping",
                DS,
                csv(DS, "n.csv", "id,name,price,Current Price\n3,c,3.5,4\n", "mergeSchema", "true"),
                "[Current Price]",
                "dataset 'trades' cannot store")
            .via("namesDeltaCannotStore"));
  }

  private static void layoutsEncodingsAndEmptyInput(List<Case> c) {
    c.add(
        invalid(
                "partition folder above a plain folder",
                create(
                    () ->
                        req(
                            DS,
                            ChangeType.APPEND,
                            files(
                                "region=EU/a.csv", TRADES_CSV, "region=US/day1/b.csv", TRADES_CSV),
                            FormatType.CSV)),
                "day1/b.csv mixes partition folders (name=value) and plain folders")
            .via("mixedPartitionLayout"));
    c.add(
        invalid(
            "partition folders beside plain folders",
            create(
                () ->
                    req(
                        DS,
                        ChangeType.APPEND,
                        files("region=EU/a.csv", TRADES_CSV, "plain/b.csv", TRADES_CSV),
                        FormatType.CSV)),
            "region=EU/a.csv is in partition folders for [region]",
            "plain/b.csv is in no partition folder"));
    c.add(
        invalid(
            "partition folders for different columns",
            create(
                () ->
                    req(
                        DS,
                        ChangeType.APPEND,
                        files("region=EU/a.csv", TRADES_CSV, "desk=X/b.csv", TRADES_CSV),
                        FormatType.CSV)),
            "is in partition folders for [region]",
            "[desk]"));
    c.add(
        invalid(
                "XML in partition folders",
                create(
                    () ->
                        req(
                                "xmlparts",
                                ChangeType.APPEND,
                                files("region=EU/a.xml", "<rows><row><id>1</id></row></rows>"),
                                FormatType.XML)
                            .formatParam("rowTag", "row")),
                "XML files in partition folders for [region]")
            .via("xmlPartitionFolders"));
    c.add(
        fails(
                "Latin-1 record read as UTF-8",
                DS,
                ingest(
                    () ->
                        req(
                            DS,
                            ChangeType.APPEND,
                            text(
                                "c.csv",
                                "id,name,price\n3,Citroën,3.5\n",
                                StandardCharsets.ISO_8859_1),
                            FormatType.CSV)),
                "1 record(s) in the CSV source hold bytes that are not valid UTF-8",
                "c.csv: Citro",
                "formatParams.encoding")
            .via("undecodableRecords"));
    c.add(
        fails(
                "Latin-1 column name read as UTF-8",
                "latinnames",
                ingest(
                    () ->
                        req(
                            "latinnames",
                            ChangeType.APPEND,
                            text("h.csv", "id,name,prïce\n3,c,3.5\n", StandardCharsets.ISO_8859_1),
                            FormatType.CSV)),
                "column names",
                "not valid UTF-8")
            .via("undecodableNames"));
    c.add(
        fails(
                "header-only REPLACE",
                DS,
                ingest(
                    () ->
                        req(
                            DS,
                            ChangeType.REPLACE,
                            files("h.csv", "id,name,price\n"),
                            FormatType.CSV)),
                "no data rows",
                "empty dataset 'trades'",
                "allowEmpty=true")
            .via("emptyReplace"));
    c.add(
        fails(
            "header-only MODIFY",
            DS,
            ingest(
                () ->
                    req(DS, ChangeType.MODIFY, files("h.csv", "id,name,price\n"), FormatType.CSV)
                        .updatesChangesetId(first.id())),
            "no data rows",
            "remove the modified changeset's rows from dataset 'trades'"));
    c.add(
        fails(
                "header-only first changeset",
                "hdronly",
                csv("hdronly", "h.csv", "id,price\n"),
                "no data rows",
                "formatParams.schema")
            .via("emptyFirstChangeset"));
    c.add(
        fails(
                "source file deleted during ingestion",
                ErrorCategory.RESOURCE_NOT_FOUND,
                DS,
                duringIngestion(
                    file -> {
                      try {
                        Files.delete(file);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    }),
                "gone.csv disappeared during ingestion")
            .via("sourceFileGone"));
    c.add(
        fails(
                "source file changed during ingestion",
                ErrorCategory.USER_RECOVERABLE,
                DS,
                duringIngestion(
                    file -> {
                      try {
                        Files.writeString(file, "3,c,3.5\n", StandardOpenOption.APPEND);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    }),
                "gone.csv changed during ingestion")
            .via("sourceFileChanged"));
  }

  private static void dataFrameWrites(List<Case> c) {
    c.add(
        fails(
                "DataFrame without columns",
                "framenocols",
                frame("framenocols", () -> SharedSpark.get().emptyDataFrame()),
                "The DataFrame has no columns")
            .via("frameWithoutColumns"));
    c.add(
        fails(
            "DataFrame whose columns conflict with the dataset",
            DS,
            frame(DS, () -> SharedSpark.get().sql("SELECT 'x' AS id, 'y' AS name, 1.0D AS price")),
            "conflicts with dataset 'trades'",
            "column 'id' is string in the source but int in the dataset"));
    c.add(
        fails(
            "DataFrame with the reserved lineage column",
            "framereserved",
            frame(
                "framereserved",
                () -> SharedSpark.get().sql("SELECT 1 AS id, 'x' AS _habanero_changeset_id")),
            "_habanero_changeset_id"));
    c.add(
        fails(
            "DataFrame with two columns of one name",
            "framedup",
            frame("framedup", () -> SharedSpark.get().sql("SELECT 1 AS a, 2 AS a")),
            "a"));
    c.add(
        fails(
            "DataFrame with a nested column of no type",
            "framenull",
            frame("framenull", () -> SharedSpark.get().sql("SELECT 1 AS id, array(null) AS xs")),
            "xs"));
    c.add(
        fails(
            "DataFrame value that an ANSI cast refuses",
            "frameansi",
            frame(
                "frameansi",
                () ->
                    ansi()
                        .sql(
                            "SELECT CAST(v AS INT) AS id FROM VALUES ('1'), ('x'), ('3') AS t(v)")),
            "CAST_INVALID_INPUT",
            "'x'"));
    c.add(
        fails(
            "DataFrame that divides by zero under ANSI",
            "framediv",
            frame(
                "framediv", () -> ansi().sql("SELECT 10 DIV v AS q FROM VALUES (1), (0) AS t(v)")),
            "DIVIDE_BY_ZERO"));
  }

  // ---------------------------------------------------------------------------------------------
  // The test
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aUserErrorIsClassifiedAndExplainedOnOneLine(Case c) {
    State before = state(c.dataset);
    String message;
    ErrorCategory category;
    if (c.ingest == null) {
      Throwable t = catchThrowable(c.call);
      assertThat(t).as("%s", t).isInstanceOf(c.type);
      HabaneroException e = (HabaneroException) t;
      message = e.getMessage();
      category = e.category();
      // Nothing was recorded or written.
      assertThat(state(c.dataset)).isEqualTo(before);
    } else {
      Outcome o = c.ingest.get();
      assertThat(o.status()).as("%s", o.info()).isEqualTo(IngestionStatus.FAILED);
      assertThat(o.info()).isNotNull();
      message = o.info().errorMessage();
      category = o.info().errorCategory();
      if (o.thrown() != null) {
        // A DataFrame write throws the changeset's own category and message.
        assertThat(o.thrown().category()).isEqualTo(category);
        assertThat(o.thrown().getMessage()).contains(message).doesNotContain("\n");
      }
      // The FAILED changeset is recorded; the rows and the Delta version are as before.
      State after = state(c.dataset);
      assertThat(after.changesets()).isEqualTo(before.changesets() + 1);
      assertThat(after.rows()).isEqualTo(before.rows());
      assertThat(after.version()).isEqualTo(before.version());
    }
    // Every message, in the test's output file, for reading them side by side.
    System.out.printf("USER ERROR %s => %s: %s%n", c.name, category, message);
    assertThat(category)
        .as(message)
        .isNotEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION)
        .isEqualTo(c.category);
    assertThat(message).as("one line").doesNotContain("\n", "\r");
    assertThat(message).contains("Fix:").doesNotContain("Fix: retry");
    // Within the model's 1000 characters, and not cut to get there: it ends with its fix's stop.
    assertThat(message.length()).as(message).isLessThanOrEqualTo(1000);
    assertThat(message).as("not cut").endsWith(".").doesNotEndWith("...");
    assertThat(message).contains(c.fragments);
  }

  @Test
  void everyErrorsFactoryHasACase() {
    Set<String> factories =
        Arrays.stream(Errors.class.getDeclaredMethods())
            .filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
            .filter(m -> HabaneroException.class.isAssignableFrom(m.getReturnType()))
            .map(Method::getName)
            .collect(Collectors.toSet());
    Set<String> covered =
        cases().map(c -> c.factory).filter(Objects::nonNull).collect(Collectors.toSet());
    // Paths no single-session table case can reach, each driven by the class named here: a lost
    // commit race needs two concurrent commits, a session without Delta's extension needs a JVM of
    // its own, a missing warehouse bucket needs S3, a stop's error is replaced by CANCELLED in the
    // record, and an interrupted wait is INTERNAL_SERVICE_EXCEPTION, not a user error.
    Map<String, String> elsewhere =
        Map.of(
            "conflictLost", "io.habanero.CommitOutcomeTest",
            "deltaExtensionRequired", "io.habanero.PlainSessionTest",
            "sessionStopped", "io.habanero.SharedEngineTest",
            "changesetFailed", "io.habanero.DataFrameApiTest",
            "warehouseBucketMissing", "io.habanero.S3EnvironmentTest",
            "stoppedOnRequest", "io.habanero.StopChangesetTest",
            "interrupted", "io.habanero.ChangesetHandleTest");
    for (Map.Entry<String, String> e : elsewhere.entrySet()) {
      assertThat(classExists(e.getValue())).as(e.getValue()).isTrue();
      covered.add(e.getKey());
    }
    assertThat(covered).containsAll(factories);
  }

  private static boolean classExists(String name) {
    try {
      Class.forName(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Cases and how they run
  // ---------------------------------------------------------------------------------------------

  /** One user-error path: a call that throws, or an ingestion that ends FAILED. */
  static final class Case {
    final String name;
    final ErrorCategory category;
    final String dataset;
    final Class<? extends HabaneroException> type;
    final ThrowingCallable call;
    final Supplier<Outcome> ingest;
    final String[] fragments;
    String factory;

    private Case(
        String name,
        ErrorCategory category,
        String dataset,
        Class<? extends HabaneroException> type,
        ThrowingCallable call,
        Supplier<Outcome> ingest,
        String[] fragments) {
      this.name = name;
      this.category = category;
      this.dataset = dataset;
      this.type = type;
      this.call = call;
      this.ingest = ingest;
      this.fragments = fragments;
    }

    /** Names the {@link Errors} factory method that builds this case's error. */
    Case via(String errorsMethod) {
      this.factory = errorsMethod;
      return this;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** How an ingestion ended; {@code thrown} is the exception of a DataFrame write. */
  record Outcome(IngestionStatus status, ChangesetErrorInfo info, HabaneroException thrown) {}

  private static Case invalid(String name, ThrowingCallable call, String... fragments) {
    return new Case(
        name, ErrorCategory.VALIDATION, DS, ValidationException.class, call, null, fragments);
  }

  private static Case notFound(
      String name, String dataset, ThrowingCallable call, String... fragments) {
    return new Case(
        name,
        ErrorCategory.RESOURCE_NOT_FOUND,
        dataset,
        ResourceNotFoundException.class,
        call,
        null,
        fragments);
  }

  private static Case denied(String name, ThrowingCallable call, String... fragments) {
    return new Case(
        name, ErrorCategory.ACCESS_DENIED, DS, AccessDeniedException.class, call, null, fragments);
  }

  /** A conflict with the current state: the model's ConflictException, USER_RECOVERABLE. */
  private static Case conflict(
      String name, String dataset, ThrowingCallable call, String... fragments) {
    return new Case(
        name,
        ErrorCategory.USER_RECOVERABLE,
        dataset,
        ConflictException.class,
        call,
        null,
        fragments);
  }

  /** An ingestion that ends FAILED with VALIDATION. */
  private static Case fails(
      String name, String dataset, Supplier<Outcome> ingest, String... fragments) {
    return fails(name, ErrorCategory.VALIDATION, dataset, ingest, fragments);
  }

  private static Case fails(
      String name,
      ErrorCategory category,
      String dataset,
      Supplier<Outcome> ingest,
      String... fragments) {
    return new Case(name, category, dataset, null, null, ingest, fragments);
  }

  /** A create call, with the request built (and its files written) when the case runs. */
  private static ThrowingCallable create(Supplier<CreateChangesetRequest.Builder> request) {
    return () -> h.createChangeset(request.get().build());
  }

  private static Supplier<Outcome> ingest(Supplier<CreateChangesetRequest.Builder> request) {
    return () -> {
      Changeset c = h.createChangeset(request.get().build()).changeset();
      return new Outcome(c.status(), c.errorInfo(), null);
    };
  }

  /** An ingestion of one CSV file, with formatParams as key, value pairs. */
  private static Supplier<Outcome> csv(String ds, String file, String text, String... params) {
    return ingest(
        () ->
            req(ds, ChangeType.APPEND, files(file, text), FormatType.CSV)
                .formatParams(pairs(params)));
  }

  private static Supplier<Outcome> json(String ds, String file, String text, String... params) {
    return ingest(
        () ->
            req(ds, ChangeType.APPEND, files(file, text), FormatType.JSON)
                .formatParams(pairs(params)));
  }

  /** An ingestion of one XML file; rowTag is {@code row} unless given. */
  private static Supplier<Outcome> xml(String ds, String file, String text, String... params) {
    Map<String, String> p = new LinkedHashMap<>(Map.of("rowTag", "row"));
    p.putAll(pairs(params));
    return ingest(
        () -> req(ds, ChangeType.APPEND, files(file, text), FormatType.XML).formatParams(p));
  }

  /**
   * An ingestion of the Parquet files Spark writes for {@code sql}; {@code confsOn} names a conf
   * that is switched on while writing (Spark refuses to write some layouts otherwise).
   */
  private static Supplier<Outcome> parquetOf(String ds, String sql, String... confsOn) {
    return ingest(
        () -> {
          Path d = dir().resolve("pq");
          SparkSession spark = SharedSpark.get().newSession();
          for (String conf : confsOn) {
            spark.conf().set(conf, "true");
          }
          spark.sql(sql).write().parquet(d.toString());
          return req(ds, ChangeType.APPEND, d, FormatType.PARQUET);
        });
  }

  /**
   * An APPEND of one CSV file {@code gone.csv} to the dataset, during which {@code change} is done
   * to the file after the data files are written and before the commit.
   */
  private static Supplier<Outcome> duringIngestion(java.util.function.Consumer<Path> change) {
    return () -> {
      Path src = files("gone.csv", "id,name,price\n3,c,3.5\n");
      ChangesetRunner.Checkpoint cp =
          (phase, record) -> {
            if (phase.equals("written")) {
              change.accept(src.resolve("gone.csv"));
            }
          };
      h.service().setCheckpoint(cp);
      try {
        return ingest(() -> req(DS, ChangeType.APPEND, src, FormatType.CSV)).get();
      } finally {
        h.service().setCheckpoint(null);
      }
    };
  }

  /** A DataFrame write (APPEND) that must end in a FAILED changeset. */
  private static Supplier<Outcome> frame(String ds, Supplier<Dataset<Row>> data) {
    return () -> {
      try {
        write(data.get(), ds).mode("append").save();
      } catch (ChangesetFailedException e) {
        ChangesetSummary s = h.getChangeset(new GetChangesetRequest(ds, e.changesetId()));
        return new Outcome(s.status(), s.errorInfo(), e);
      }
      return fail("the DataFrame write of %s succeeded", ds);
    };
  }

  /** A session with ANSI SQL on, so casts and arithmetic fail on bad values. */
  private static SparkSession ansi() {
    SparkSession s = SharedSpark.get().newSession();
    s.conf().set("spark.sql.ansi.enabled", "true");
    return s;
  }

  private static org.apache.spark.sql.DataFrameWriter<Row> write(Dataset<Row> df, String ds) {
    return df.write().format("habanero").option("warehouse", warehouse).option("datasetId", ds);
  }

  private static DataFrameReader read(String ds) {
    return SharedSpark.get()
        .read()
        .format("habanero")
        .option("warehouse", warehouse)
        .option("datasetId", ds);
  }

  private static Dataset<Row> people() {
    return SharedSpark.get().sql("SELECT 9 AS id, 'z' AS name, 9.5D AS price");
  }

  private static void settings(Map<String, String> options) {
    Map<String, String> all = new LinkedHashMap<>(Map.of("warehouse", warehouse));
    all.putAll(options);
    Habanero.create(SharedSpark.get(), all).close();
  }

  // ---------------------------------------------------------------------------------------------
  // Files, requests and state
  // ---------------------------------------------------------------------------------------------

  private static CreateChangesetRequest.Builder valid() {
    return req(DS, ChangeType.APPEND, files("a.csv", "id,name,price\n3,c,3.5\n"), FormatType.CSV);
  }

  private static CreateChangesetRequest.Builder req(
      String ds, ChangeType type, Path src, FormatType format) {
    return CreateChangesetRequest.builder()
        .datasetId(ds)
        .changeType(type)
        .s3SourcePath(src.toString())
        .formatType(format);
  }

  private static Changeset ok(CreateChangesetRequest r) {
    Changeset c = h.createChangeset(r).changeset();
    assertThat(c.status()).as("setup: %s", c.errorInfo()).isEqualTo(IngestionStatus.SUCCESS);
    return c;
  }

  private static Map<String, String> pairs(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  /** A new, empty directory. */
  private static synchronized Path dir() {
    try {
      return Files.createDirectories(tmp.resolve("src").resolve(String.valueOf(++n)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new directory with the files given as name, UTF-8 content pairs. */
  private static Path files(String... nameAndText) {
    Path d = dir();
    for (int i = 0; i < nameAndText.length; i += 2) {
      write(d.resolve(nameAndText[i]), nameAndText[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return d;
  }

  private static Path text(String file, String text, Charset cs) {
    return bytes(file, text.getBytes(cs));
  }

  private static Path bytes(String file, byte[] content) {
    Path d = dir();
    write(d.resolve(file), content);
    return d;
  }

  private static void write(Path file, byte[] content) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Parquet file whose MAP group has no value field, which Spark cannot read as a map. */
  private static void writeBadMapParquet(Path file) {
    org.apache.parquet.schema.MessageType schema =
        org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message m { required int32 id; optional group attrs (MAP) {"
                + " repeated group key_value { required binary key (UTF8); } } }");
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    org.apache.parquet.hadoop.example.GroupWriteSupport.setSchema(schema, conf);
    try (var w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(conf)
            .withType(schema)
            .build()) {
      var g = new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema).newGroup();
      g.add("id", 1);
      g.addGroup("attrs").addGroup("key_value").add("key", "k");
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a user error must not change; rows is null while the dataset has no data. */
  record State(List<String> rows, int changesets, long version) {}

  private static State state(String ds) {
    List<String> rows;
    try {
      rows = Fixtures.rows(h.readDataset(ds));
    } catch (ResourceNotFoundException e) {
      rows = null;
    }
    int changesets = h.service().log().datasetExists(ds) ? h.service().log().list(ds).size() : 0;
    Path log = Path.of(h.service().warehouse().datasetPath(ds).toUri()).resolve("_delta_log");
    long version = -1;
    if (Files.isDirectory(log)) {
      try (Stream<Path> f = Files.list(log)) {
        version =
            f.map(p -> p.getFileName().toString())
                .filter(name -> name.matches("\\d{20}\\.json"))
                .mapToLong(name -> Long.parseLong(name.substring(0, 20)))
                .max()
                .orElse(-1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new State(rows, changesets, version);
  }
}
