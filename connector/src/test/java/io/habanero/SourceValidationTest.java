package io.habanero;

import static io.habanero.FailureFixture.assertRejected;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.request;
import static io.habanero.FailureFixture.source;

import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad sources and bad sourceParams / formatParams fail the create call at once, name the member and
 * the fix, and record nothing.
 */
class SourceValidationTest {
  private static final String DS = "quotes";

  @TempDir static Path tmp;
  private static Habanero h;
  private static Path good;

  @BeforeAll
  static void dataset() {
    h = Habanero.create(SharedSpark.get(), Map.of("warehouse", tmp.resolve("wh").toString()));
    good = source(tmp, "good", Map.of("a.csv", "id,name\n1,a\n2,b\n"));
    createOk(h, request(DS, ChangeType.APPEND, good, FormatType.CSV).build());
  }

  @AfterAll
  static void close() {
    h.close();
  }

  private static CreateChangesetRequest.Builder csv() {
    return request(DS, ChangeType.APPEND, good, FormatType.CSV);
  }

  private static void rejected(CreateChangesetRequest req, String... fragments) {
    assertRejected(
        h,
        DS,
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () -> h.createChangeset(req),
        fragments);
  }

  @Test
  void aMissingSourcePathIsNotFound() {
    Path missing = tmp.resolve("no-such-dir");
    assertRejected(
        h,
        DS,
        ResourceNotFoundException.class,
        ErrorCategory.RESOURCE_NOT_FOUND,
        () -> h.createChangeset(request(DS, ChangeType.APPEND, missing, FormatType.CSV).build()),
        "sourceParams.s3SourcePath '" + missing + "' does not exist",
        "Fix:");
  }

  @Test
  void anEmptyDirectoryIsRejected() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    rejected(
        request(DS, ChangeType.APPEND, empty, FormatType.CSV).build(),
        "sourceParams.s3SourcePath '" + empty + "' holds no data files");
  }

  @Test
  void aDirectoryOfOnlyEmptyOrHiddenFilesIsRejected() throws Exception {
    Path dir =
        source(
            tmp,
            "hidden-only",
            Map.of(
                "zero.csv", "",
                "_SUCCESS", "id,name\n3,c\n",
                ".part.csv", "id,name\n4,d\n"));
    Files.createDirectories(dir.resolve("_tmp"));
    Files.writeString(dir.resolve("_tmp/x.csv"), "id,name\n5,e\n");
    rejected(
        request(DS, ChangeType.APPEND, dir, FormatType.CSV).build(),
        "holds no data files",
        "empty files are skipped");
  }

  @Test
  void aZeroByteFileNamedDirectlyIsRejected() throws Exception {
    Path f = Files.createFile(tmp.resolve("zero-direct.csv"));
    rejected(request(DS, ChangeType.APPEND, f, FormatType.CSV).build(), "holds no data files");
  }

  @Test
  void anUnknownFormatTypeInFormatParamsIsRejected() {
    rejected(
        csv().formatType(null).formatParam("formatType", "AVRO").build(),
        "formatParams.formatType 'AVRO'",
        "CSV, JSON, PARQUET, XML");
  }

  @Test
  void formatTypeDisagreeingWithFormatParamsIsRejected() {
    rejected(
        csv().formatParam("formatType", "JSON").build(),
        "formatType is CSV but formatParams.formatType is JSON");
  }

  @Test
  void unknownFormatParamsListTheAcceptedKeys() {
    rejected(
        csv().formatParam("delimiter", ";").build(),
        "formatParams has unknown key(s) [delimiter] for CSV",
        "Accepted keys: [",
        "separator",
        "withHeader");
    rejected(
        csv().formatType(FormatType.PARQUET).formatParam("withHeader", "true").build(),
        "unknown key(s) [withHeader] for PARQUET",
        "Accepted keys: [allowEmpty, compression, formatType, mergeSchema]");
  }

  @Test
  void xmlWithoutRowTagIsRejected() {
    rejected(
        csv().formatType(FormatType.XML).build(), "formatParams.rowTag is required", "rowTag=");
    rejected(
        csv().formatType(FormatType.XML).formatParam("rowTag", " ").build(),
        "formatParams.rowTag is required");
  }

  @Test
  void anUnknownSourceParamsKeyIsRejected() {
    rejected(
        csv().sourceParams(Map.of("s3Bucket", "b")).build(),
        "sourceParams has unknown key(s) [s3Bucket]",
        "Accepted keys: [s3SourcePath, sourceType]");
    rejected(
        csv().sourceParams(Map.of("sourceType", "HTTP")).build(),
        "sourceParams.sourceType 'HTTP'",
        "only S3");
  }

  @Test
  void aBooleanThatIsNotTrueOrFalseIsRejected() {
    rejected(
        csv().formatParam("withHeader", "yes").build(),
        "formatParams.withHeader 'yes'",
        "true or false");
    rejected(
        csv().formatParam("multiLine", "1").build(), "formatParams.multiLine '1'", "true or false");
  }

  @Test
  void anUnknownCompressionCodecIsRejected() {
    rejected(
        csv().formatParam("compression", "rar").build(),
        "formatParams.compression 'rar'",
        "not a supported codec",
        "gzip");
  }

  @Test
  void gzipCompressionWithAnUncompressedFileIsRejected() {
    rejected(
        csv().formatParam("compression", "gzip").build(),
        "formatParams.compression 'gzip'",
        "a.csv does not end in .gz");
  }

  @Test
  void aBadSchemaDdlIsRejected() {
    rejected(
        csv().formatParam("schema", "id INTT, name").build(),
        "formatParams.schema 'id INTT, name'",
        "not a Spark DDL schema");
  }

  @Test
  void dropMalformedModeIsRejected() {
    for (String mode : new String[] {"DROPMALFORMED", "PERMISSIVE", "dropmalformed"}) {
      rejected(
          csv().formatParam("mode", mode).build(),
          "formatParams.mode '" + mode + "'",
          "may not be dropped or nulled silently",
          "FAILFAST");
    }
  }

  @Test
  void otherMalformedCsvParamsAreRejected() {
    rejected(
        csv().formatParam("quoteChar", "''").build(), "formatParams.quoteChar", "single character");
    rejected(csv().formatParam("separator", "").build(), "formatParams.separator", "empty");
  }
}
