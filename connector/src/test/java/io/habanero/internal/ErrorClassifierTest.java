package io.habanero.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.errors.HabaneroException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Map;
import org.apache.spark.SparkThrowable;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * {@link ErrorClassifier#classify} tells the request's and the data's faults (VALIDATION,
 * RESOURCE_NOT_FOUND, ACCESS_DENIED) from Habanero's own and the infrastructure's
 * (INTERNAL_SERVICE_EXCEPTION, "retry"). No Spark session needed.
 */
class ErrorClassifierTest {
  /** Delta's message for a session without its extension, line breaks and all (abridged). */
  private static final String DELTA_SESSION_MESSAGE =
      "[DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG] This Delta operation requires"
          + " the SparkSession to be configured with the\n"
          + "'spark.sql.extensions' DeltaSparkSessionExtension and the DeltaCatalog. Please set"
          + " the necessary\n"
          + "configurations when creating the SparkSession as shown below.\n"
          + "\n"
          + "  SparkSession.builder()\n"
          + "    .config(\"spark.sql.extensions\", \"io.delta.sql.DeltaSparkSessionExtension\")\n";

  /** A Spark error with a structured class, as Spark's and Delta's own exceptions carry one. */
  private static final class SparkError extends RuntimeException implements SparkThrowable {
    private final String errorClass;
    private final Map<String, String> parameters;

    SparkError(String errorClass, String message, Map<String, String> parameters, Throwable c) {
      super(message, c);
      this.errorClass = errorClass;
      this.parameters = parameters;
    }

    SparkError(String errorClass, String message) {
      this(errorClass, message, Map.of(), null);
    }

    @Override
    public String getErrorClass() {
      return errorClass;
    }

    @Override
    public Map<String, String> getMessageParameters() {
      return parameters;
    }
  }

  @Test
  void aMultiLineForeignCauseKeepsItsSecondLine() {
    HabaneroException notFound =
        ErrorClassifier.classify(
            new RuntimeException(
                "job failed", new FileNotFoundException("File s3a://b/a.csv\ndoes not exist")));
    assertThat(notFound.getMessage()).contains("File s3a://b/a.csv does not exist");

    HabaneroException internal =
        ErrorClassifier.classify(new IllegalStateException("first line\nsecond line"));
    assertThat(internal.getMessage()).contains("first line second line").doesNotContain("\n");

    HabaneroException delta =
        ErrorClassifier.classify(
            new SparkError(
                "DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG", DELTA_SESSION_MESSAGE));
    assertThat(delta.category()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(delta.getMessage())
        .doesNotContain("\n")
        .contains("configured with the 'spark.sql.extensions' DeltaSparkSessionExtension")
        .contains("Fix: build the SparkSession with spark.sql.extensions=");
  }

  @Test
  void aFileNotFoundExceptionIsResourceNotFound() {
    HabaneroException e =
        ErrorClassifier.classify(
            new IOException("read failed", new FileNotFoundException("gone.csv")));
    assertThat(e.category()).isEqualTo(ErrorCategory.RESOURCE_NOT_FOUND);
    assertThat(e.getMessage()).contains("gone.csv", "Fix:");
  }

  @Test
  void anUnknownRuntimeExceptionIsInternalWithRetry() {
    HabaneroException e = ErrorClassifier.classify(new NullPointerException("oops"));
    assertThat(e.category()).isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    assertThat(e.getMessage()).contains("NullPointerException: oops", "Fix: retry");
  }

  @Test
  void sparkErrorClassesOfTheDataAreValidationNamingTheSourceAndAFix() {
    HabaneroException cast =
        ErrorClassifier.classify(
            new RuntimeException(
                "Job aborted",
                new SparkError(
                    "CAST_INVALID_INPUT",
                    "[CAST_INVALID_INPUT] The value 'x' of the type \"STRING\" cannot be cast to"
                        + " \"INT\" because it is malformed.\n== SQL ==\nSELECT CAST(v AS INT)")),
            "The DataFrame");
    assertThat(cast).isInstanceOf(ValidationException.class);
    assertThat(cast.getMessage())
        .startsWith("The DataFrame was refused: [CAST_INVALID_INPUT] The value 'x'")
        .contains("== SQL == SELECT CAST(v AS INT)", "Fix: correct the values")
        .doesNotContain("\n");
    for (String dataFault :
        new String[] {
          "CAST_OVERFLOW",
          "CANNOT_PARSE_TIMESTAMP",
          "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
          "NUMERIC_VALUE_OUT_OF_RANGE",
          "DATETIME_OVERFLOW",
          "INCONSISTENT_BEHAVIOR_CROSS_VERSION.PARSE_DATETIME_BY_NEW_PARSER",
          "_LEGACY_ERROR_TEMP_2063",
          "COLUMN_ALREADY_EXISTS",
          "DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES",
          "DELTA_DUPLICATE_COLUMNS_FOUND",
          "DELTA_FAILED_TO_MERGE_FIELDS",
          "DELTA_COMPLEX_TYPE_COLUMN_CONTAINS_NULL_TYPE"
        }) {
      assertThat(ErrorClassifier.classify(new SparkError(dataFault, "bad")).category())
          .as(dataFault)
          .isEqualTo(ErrorCategory.VALIDATION);
    }
    // A file the error names is named in the message.
    assertThat(
            ErrorClassifier.classify(
                    new SparkError(
                        "_LEGACY_ERROR_TEMP_2063",
                        "Parquet column cannot be converted",
                        Map.of("filePath", "s3a://b/p.parquet"),
                        null),
                    "The PARQUET source s3a://b/")
                .getMessage())
        .startsWith("Source file s3a://b/p.parquet was refused");
  }

  @Test
  void theErrorClassDecidesBeforeTheTextOfAValue() {
    // A refused value that reads like an HTTP status is still the data's fault.
    HabaneroException e =
        ErrorClassifier.classify(
            new SparkError(
                "CAST_INVALID_INPUT", "The value '403 Forbidden' cannot be cast to \"INT\""));
    assertThat(e.category()).isEqualTo(ErrorCategory.VALIDATION);
  }

  @Test
  void errorClassesThatOnlyWrapAFailureAreClassifiedByTheirCause() {
    HabaneroException storage =
        ErrorClassifier.classify(
            new SparkError(
                "TASK_WRITE_FAILED",
                "Task failed while writing rows",
                Map.of(),
                new IOException("Connection reset")));
    assertThat(storage.category()).isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    assertThat(storage.getMessage()).contains("Fix: retry");
    HabaneroException denied =
        ErrorClassifier.classify(
            new SparkError(
                "CANNOT_READ_FILE_FOOTER",
                "Could not read footer for file: s3a://b/p.parquet",
                Map.of(),
                new java.nio.file.AccessDeniedException("s3a://b/p.parquet: 403 Forbidden")));
    assertThat(denied.category()).isEqualTo(ErrorCategory.ACCESS_DENIED);
  }

  @Test
  void aFileThatDoesNotDecompressIsValidationNamingTheFile() {
    HabaneroException e =
        ErrorClassifier.classify(
            new RuntimeException(
                "Job aborted",
                new SparkError(
                    "_LEGACY_ERROR_TEMP_2064",
                    "Encountered error while reading file s3a://b/a.csv.gz. Details:",
                    Map.of("path", "s3a://b/a.csv.gz"),
                    new IOException("not a gzip file"))));
    assertThat(e.category()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(e.getMessage())
        .startsWith("Source file s3a://b/a.csv.gz could not be decompressed: not a gzip file.")
        .contains("Fix:");
  }

  @Test
  void aLongDataFaultIsClippedSoTheFixIsNeverCut() {
    HabaneroException e =
        ErrorClassifier.classify(
            new SparkError("CAST_INVALID_INPUT", "x".repeat(5000)), "The DataFrame");
    assertThat(e.getMessage())
        .hasSizeLessThanOrEqualTo(ChangesetErrorInfo.MAX_MESSAGE_LENGTH)
        .contains("...")
        .endsWith("then create the changeset again.");
  }

  @Test
  void aHabaneroExceptionInTheChainIsKept() {
    ValidationException v = Errors.missing("datasetId", "give one");
    assertThat(ErrorClassifier.classify(new RuntimeException("wrapped", v))).isSameAs(v);
  }

  @Test
  void stsRefusalsMapByStatusAndCodeAndNoAnswerIsUnreachable() {
    String role = "arn:aws:iam::123456789012:role/r";
    assertThat(ErrorClassifier.classifySts(sts(403, "AccessDenied"), role, "k").category())
        .isEqualTo(ErrorCategory.ACCESS_DENIED);
    HabaneroException throttled = ErrorClassifier.classifySts(sts(429, "Throttling"), role, "k");
    assertThat(throttled.category()).isEqualTo(ErrorCategory.THROTTLING);
    assertThat(throttled.getMessage())
        .isEqualTo(
            "STS AssumeRole of " + role + " failed with Throttling (HTTP 429). Fix: retry later.");
    HabaneroException refused = ErrorClassifier.classifySts(sts(400, "ValidationError"), role, "k");
    assertThat(refused.category()).isEqualTo(ErrorCategory.VALIDATION);
    assertThat(refused.getMessage()).contains("(HTTP 400)", "Fix: check the role ARN");
    assertThat(ErrorClassifier.classifySts(sts(500, "InternalFailure"), role, "k").category())
        .isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    HabaneroException unreachable =
        ErrorClassifier.classifySts(
            SdkClientException.create("connect timed out"), role, "spark.habanero.sts.endpoint");
    assertThat(unreachable.category()).isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
    assertThat(unreachable.getMessage())
        .isEqualTo(
            "STS could not be reached for role "
                + role
                + ": SdkClientException. Fix: check spark.habanero.sts.endpoint and the network.");
  }

  private static StsException sts(int status, String code) {
    return (StsException)
        StsException.builder()
            .statusCode(status)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build())
            .message(code)
            .build();
  }

  @Test
  void aMissingBucketIsToldFromOtherStorageFailures() {
    assertThat(
            ErrorClassifier.isMissingBucket(
                new IOException("wrap", new IOException("NoSuchBucket: b"))))
        .isTrue();
    assertThat(ErrorClassifier.isMissingBucket(new IOException("Connection reset"))).isFalse();
  }
}
