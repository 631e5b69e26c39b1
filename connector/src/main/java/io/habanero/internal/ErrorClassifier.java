package io.habanero.internal;

import io.habanero.errors.HabaneroException;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import java.io.FileNotFoundException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.SparkThrowable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * Maps failures from outside Habanero (Spark, Delta, Hadoop, the AWS SDK, ...) to the model's
 * exceptions: the one place that matches foreign exception classes, error classes and message
 * texts. It decides the category and picks the {@link Errors} factory that words the message; it
 * builds no message of its own.
 */
public final class ErrorClassifier {
  private ErrorClassifier() {}

  /** Turns any failure of an ingestion into the errorInfo recorded on the changeset. */
  public static ChangesetErrorInfo toErrorInfo(Throwable t) {
    HabaneroException h = classify(t);
    return new ChangesetErrorInfo(h.getMessage(), h.category());
  }

  /** The category {@link #classify} gives {@code t}. */
  public static ErrorCategory categoryOf(Throwable t) {
    return classify(t).category();
  }

  /** Maps a failure from Spark, Hadoop or Delta to the model's exception. */
  public static HabaneroException classify(Throwable t) {
    return classify(t, null);
  }

  /**
   * Maps a failure from Spark, Hadoop or Delta to the model's exception. A failure caused by the
   * data (a value Spark refuses, a duplicate column name, a file that does not decompress) is
   * VALIDATION and names the file, or else {@code source}; only what remains (Habanero's own faults
   * and transient infrastructure) is INTERNAL_SERVICE_EXCEPTION with "retry".
   *
   * @param source what was read, for the message, e.g. "The CSV source s3a://b/feeds/a.csv"; null
   *     when unknown
   */
  public static HabaneroException classify(Throwable t, String source) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HabaneroException h) {
        return h;
      }
    }
    // Structured error classes first: they say what is at fault whatever their text holds (a
    // refused value such as '403 Forbidden' must not read as an access failure below).
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SparkThrowable st && st.getErrorClass() != null) {
        String fix = dataFaultFix(st.getErrorClass());
        if (fix != null) {
          return Errors.dataRefused(subject(t, source), c.getMessage(), fix, t);
        }
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (isUndecompressable(c)) {
        return Errors.undecompressable(subject(t, source), c.getMessage(), t);
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String name = c.getClass().getName();
      String msg = String.valueOf(c.getMessage());
      if (c instanceof FileNotFoundException) {
        return Errors.fileDisappeared(msg, t);
      }
      if (c instanceof java.nio.file.AccessDeniedException
          || name.endsWith("AccessDeniedException")
          || msg.contains("403 Forbidden")) {
        return Errors.storageAccessDenied(msg, t);
      }
      if (msg.contains("503 Slow Down") || msg.contains("429") && msg.contains("Too Many")) {
        return Errors.storageThrottling(msg, t);
      }
      if (c instanceof java.util.ConcurrentModificationException
          || name.startsWith("org.apache.spark.sql.delta.Concurrent")
          || name.contains("DeltaConcurrentModificationException")) {
        return Errors.concurrentCommit(msg, t);
      }
    }
    return Errors.internalError(t);
  }

  /**
   * Maps a failed STS call: a refusal by STS by its HTTP status and error code, anything else (no
   * answer) as STS not reached.
   *
   * @param roleArn the role that was to be assumed
   * @param stsEndpointKey the setting that overrides the STS endpoint, for the fix
   */
  public static HabaneroException classifySts(
      SdkException e, String roleArn, String stsEndpointKey) {
    if (!(e instanceof StsException s)) {
      return Errors.stsUnreachable(roleArn, e.getClass().getSimpleName(), stsEndpointKey, e);
    }
    String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
    String what =
        "STS AssumeRole of " + roleArn + " failed with " + code + " (HTTP " + s.statusCode() + ")";
    if (s.statusCode() == 403 || "AccessDenied".equals(code)) {
      return Errors.assumeRoleDenied(what, s);
    }
    if (s.statusCode() == 429 || "Throttling".equals(code) || s.isThrottlingException()) {
      return Errors.assumeRoleThrottled(what, s);
    }
    if (s.statusCode() == 400) {
      return Errors.assumeRoleRefused(what, s);
    }
    return Errors.assumeRoleFailed(what, s);
  }

  /** Whether an S3A failure says the bucket does not exist. */
  public static boolean isMissingBucket(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      if (c.getClass().getSimpleName().equals("UnknownStoreException")
          || m.contains("NoSuchBucket")
          || m.contains("bucket does not exist")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The fix for a Spark or Delta error class that says the data (or the request) is at fault, or
   * null for any other class. The names are those of Spark 3.5's error-classes.json and Delta 3.3's
   * delta-error-classes.json; classes that only wrap another failure (such as reading a file, which
   * may fail for storage reasons) are deliberately not here.
   */
  static String dataFaultFix(String errorClass) {
    if (startsWithAny(
        errorClass,
        "COLUMN_ALREADY_EXISTS",
        "DELTA_DUPLICATE_COLUMNS_",
        "DELTA_INVALID_CHARACTERS_IN_COLUMN_NAME")) {
      return "give every column a name of its own (names compare case-insensitively), without"
          + " spaces or any of ,;{}()= and tabs or newlines where the message says so, then"
          + " create the changeset again";
    }
    if (startsWithAny(
            errorClass,
            "DELTA_FAILED_TO_MERGE_FIELDS",
            "DELTA_MERGE_INCOMPATIBLE_",
            "CANNOT_MERGE_",
            "DELTA_COMPLEX_TYPE_COLUMN_CONTAINS_NULL_TYPE",
            "DELTA_UNSUPPORTED_DATA_TYPES",
            "DELTA_EMPTY_DATA",
            "UNABLE_TO_INFER_SCHEMA",
            "PARQUET_TYPE_")
        || LEGACY_PARQUET_TYPE_CLASSES.contains(errorClass)) {
      return "give every column one type that Delta can store (declare it with"
          + " formatParams.schema, write the files with it, or CAST in the DataFrame; a column of"
          + " nulls needs a type such as CAST(NULL AS STRING)), then create the changeset again";
    }
    if (startsWithAny(
        errorClass,
        "CAST_INVALID_INPUT",
        "CAST_OVERFLOW",
        "DELTA_CAST_OVERFLOW_IN_TABLE_WRITE",
        "CANNOT_PARSE_",
        "MALFORMED_",
        "CONVERSION_INVALID_INPUT",
        "NUMERIC_VALUE_OUT_OF_RANGE",
        "NUMERIC_OUT_OF_SUPPORTED_RANGE",
        "DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION",
        "ARITHMETIC_OVERFLOW",
        "BINARY_ARITHMETIC_OVERFLOW",
        "INTERVAL_ARITHMETIC_OVERFLOW",
        "DIVIDE_BY_ZERO",
        "INTERVAL_DIVIDED_BY_ZERO",
        "INVALID_ARRAY_INDEX",
        "INVALID_FRACTION_OF_SECOND",
        "INVALID_JSON_ROOT_FIELD",
        "DATETIME_",
        "INCONSISTENT_BEHAVIOR_CROSS_VERSION")) {
      return "correct the values the message names, or declare types and formats that match them"
          + " (formatParams.schema, dateFormat, timestampFormat; for a DataFrame, the query that"
          + " builds it), then create the changeset again";
    }
    if (errorClass.equals("DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG")) {
      return "build the SparkSession with spark.sql.extensions="
          + "io.delta.sql.DeltaSparkSessionExtension and spark.sql.catalog.spark_catalog="
          + "org.apache.spark.sql.delta.catalog.DeltaCatalog";
    }
    return null;
  }

  /**
   * Spark 3.5's unnamed classes for Parquet types it cannot read: not yet supported, illegal and
   * unrecognized types (1172-1174), a column that cannot be converted (2063), and converters that
   * cannot be built (2238-2240). Spark 4 names them PARQUET_TYPE_* and FAILED_READ_FILE.*.
   */
  private static final Set<String> LEGACY_PARQUET_TYPE_CLASSES =
      Set.of(
          "_LEGACY_ERROR_TEMP_1172",
          "_LEGACY_ERROR_TEMP_1173",
          "_LEGACY_ERROR_TEMP_1174",
          "_LEGACY_ERROR_TEMP_2063",
          "_LEGACY_ERROR_TEMP_2238",
          "_LEGACY_ERROR_TEMP_2239",
          "_LEGACY_ERROR_TEMP_2240");

  private static boolean startsWithAny(String s, String... prefixes) {
    for (String p : prefixes) {
      if (s.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a failure says a compressed file's bytes are not in its codec's format, or end early:
   * the messages of Hadoop's built-in and native codecs and of java.util.zip.
   */
  private static boolean isUndecompressable(Throwable c) {
    if (c instanceof java.util.zip.ZipException || c instanceof java.util.zip.DataFormatException) {
      return true;
    }
    if (!(c instanceof java.io.IOException)) {
      return false;
    }
    String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("not a gzip file")
        || m.contains("not in gzip format")
        || m.contains("incorrect header check")
        || m.contains("not in the bzip2 format")
        || m.contains("unexpected end of input stream")
        || m.contains("unexpected end of zlib input stream");
  }

  /**
   * What failed, for a message: the file a Spark error names (its {@code path}, {@code file} or
   * {@code filePath} parameter), else {@code source}, else "The data".
   */
  private static String subject(Throwable t, String source) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SparkThrowable st && st.getMessageParameters() != null) {
        for (String key : List.of("path", "file", "filePath")) {
          String file = st.getMessageParameters().get(key);
          if (file != null && !file.isBlank()) {
            return "Source file " + Messages.clip(file);
          }
        }
      }
    }
    return source != null ? source : "The data";
  }
}
