package io.habanero.internal;

import io.habanero.HabaneroSettings;
import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.ConflictException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.InternalServerException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ThrottlingException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import java.io.FileNotFoundException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkThrowable;

/**
 * Builds every error Habanero raises, so that messages are consistent: each names the field, the
 * problem and the fix. Messages never include secrets.
 */
public final class Errors {
  private Errors() {}

  public static ValidationException invalidSetting(
      HabaneroSettings.Key key, String value, String problem, String fix) {
    return new ValidationException(
        String.format(
            "Setting %s (option '%s') is invalid: '%s' %s. Fix: %s.",
            key.confKey(), key.key(), value, problem, fix));
  }

  public static ValidationException missing(String field, String fix) {
    return new ValidationException(
        String.format("%s is required but was missing or blank. Fix: %s.", field, fix));
  }

  public static ValidationException invalid(
      String field, String value, String problem, String fix) {
    return new ValidationException(
        String.format("%s '%s' is invalid: %s. Fix: %s.", field, clip(value), problem, fix));
  }

  public static ValidationException notAllowed(String field, String problem, String fix) {
    return new ValidationException(String.format("%s %s. Fix: %s.", field, problem, fix));
  }

  public static ValidationException unknownKeys(
      String field, Collection<String> unknown, String context, Collection<String> accepted) {
    return new ValidationException(
        String.format(
            "%s has unknown key(s) %s for %s. Accepted keys: %s. Fix: remove or rename them.",
            field, unknown, context, accepted));
  }

  public static ResourceNotFoundException sourceNotFound(String path) {
    return new ResourceNotFoundException(
        String.format(
            "sourceParams.s3SourcePath '%s' does not exist. Fix: upload the files there first, or"
                + " point s3SourcePath at the file or prefix that holds them.",
            clip(path)));
  }

  public static ValidationException emptySource(String path) {
    return new ValidationException(
        String.format(
            "sourceParams.s3SourcePath '%s' holds no data files (hidden files starting with '_' or"
                + " '.' and empty files are skipped). Fix: upload the files, or point at the right"
                + " prefix.",
            clip(path)));
  }

  public static ValidationException mixedPartitionLayout(String file, String problem) {
    return new ValidationException(
        String.format(
            "Source file %s %s, so its partition columns are ambiguous. Fix: give every file the"
                + " same partition folders (name=value/, as Spark's partitionBy writes them), or"
                + " create one changeset per folder.",
            clip(file), problem));
  }

  public static ValidationException xmlPartitionFolders(String directory, List<String> columns) {
    return new ValidationException(
        String.format(
            "sourceParams.s3SourcePath '%s' holds XML files in partition folders for %s, which"
                + " spark-xml cannot read as columns, so their values would be lost. Fix: create"
                + " one changeset per folder with the value as an element of each record, or"
                + " convert the files to a format read with partition columns (CSV, JSON,"
                + " Parquet).",
            clip(directory), columns));
  }

  public static ValidationException undecodableNames(
      String format, String encoding, List<String> names) {
    return new ValidationException(
        String.format(
            "The %s source's column names %s hold bytes that are not valid %s (the declared"
                + " encoding), so they cannot be read faithfully. Nothing was committed. Fix:"
                + " declare the files' encoding with formatParams.encoding (e.g. ISO-8859-1 or"
                + " windows-1252), or re-export them as UTF-8.",
            format, clip(String.valueOf(names)), encoding));
  }

  public static ValidationException undecodableRecords(
      String format, String encoding, long count, List<String> examples) {
    return new ValidationException(
        String.format(
            "%d record(s) in the %s source hold bytes that are not valid %s (the declared"
                + " encoding); first: %s. Nothing was committed. Fix: declare the files' encoding"
                + " with formatParams.encoding (e.g. ISO-8859-1 or windows-1252), or re-export"
                + " them as UTF-8.",
            count, format, encoding, String.join(" | ", examples)));
  }

  public static ValidationException concatenatedJson(String file, long documents) {
    return new ValidationException(
        String.format(
            "JSON source file %s holds %d documents one after another, but multiLine=true reads"
                + " one document (an object, or an array of records) per file, so the others"
                + " would be dropped. Nothing was committed. Fix: wrap the documents in one JSON"
                + " array, put each in a file of its own, or write one record per line (JSON"
                + " Lines) and drop multiLine.",
            clip(file), documents));
  }

  public static ValidationException emptyReplace(String source, String datasetId, ChangeType type) {
    return new ValidationException(
        String.format(
            "The source %s has no data rows, so this %s would %s. Nothing was committed. Fix: check"
                + " that the source holds the rows, or opt in with formatParams.allowEmpty=true"
                + " (the DataFrame option allowEmpty) if emptying it is intended.",
            clip(source),
            type,
            type == ChangeType.REPLACE
                ? "empty dataset '" + datasetId + "'"
                : "remove the modified changeset's rows from dataset '" + datasetId + "'"));
  }

  public static ValidationException emptyFirstChangeset(String source, String datasetId) {
    return new ValidationException(
        String.format(
            "The source %s has no data rows, so the types of new dataset '%s' cannot be inferred"
                + " (every column would be a string, and later numbers would be stored as text)."
                + " Nothing was committed. Fix: declare the columns with formatParams.schema (e.g."
                + " 'id INT, price DECIMAL(18,4)'), or create the dataset from a source with rows.",
            clip(source), datasetId));
  }

  public static ValidationException namesDeltaCannotStore(String datasetId, List<String> names) {
    return new ValidationException(
        String.format(
            "Column name(s) %s hold characters (space or any of ,;{}()= or a tab or newline) that"
                + " dataset '%s' cannot store: it was created without Delta column mapping."
                + " Nothing was committed. Fix: rename those columns in the source, or REPLACE"
                + " into a new dataset, which keeps such names through column mapping.",
            clip(String.valueOf(names)), datasetId));
  }

  public static ConflictException conflictLost(
      String datasetId, ChangeType type, String winners, int attempts, boolean exhausted) {
    return new ConflictException(
        String.format(
            "This %s lost a concurrent commit to dataset '%s' to %s, %s. Nothing was committed."
                + " Fix: check the dataset's changesets (list-changesets --dataset-id %s), then"
                + " create the changeset again if it is still wanted.",
            type,
            datasetId,
            winners,
            exhausted
                ? "and was applied again on the new snapshot " + attempts + " times in all"
                : "so the changeset it modifies was superseded and its rows can no longer be"
                    + " replaced",
            datasetId));
  }

  /**
   * A source read without a single column: an XML rowTag that matches no element, or records with
   * no fields.
   *
   * @param rowTag the XML rowTag, or null for other formats
   */
  public static ValidationException noColumns(String format, String source, String rowTag) {
    return new ValidationException(
        rowTag != null
            ? String.format(
                "The XML source %s has no columns: no element <%s> (formatParams.rowTag '%s')"
                    + " holds a record with values. Nothing was committed. Fix: set"
                    + " formatParams.rowTag to the element that holds one record, e.g. rowTag=trade"
                    + " for <trades><trade>...</trade></trades>.",
                clip(source), clip(rowTag), clip(rowTag))
            : String.format(
                "The %s source %s has no columns: its records hold no fields. Nothing was"
                    + " committed. Fix: check formatType and formatParams (e.g. jsonPath,"
                    + " multiLine, withHeader) against the files.",
                format, clip(source)));
  }

  public static ResourceNotFoundException datasetNotFound(String datasetId) {
    return new ResourceNotFoundException(
        String.format(
            "Dataset '%s' does not exist: it has no changesets. Fix: check datasetId, or create"
                + " the dataset with a first changeset (APPEND or REPLACE).",
            datasetId));
  }

  public static ResourceNotFoundException datasetHasNoData(String datasetId) {
    return new ResourceNotFoundException(
        String.format(
            "Dataset '%s' has no data: none of its changesets succeeded. Fix: see why with"
                + " list-changesets --dataset-id %s, then create a changeset that succeeds.",
            datasetId, datasetId));
  }

  public static ResourceNotFoundException changesetNotFound(String datasetId, String changesetId) {
    return new ResourceNotFoundException(
        String.format(
            "Changeset '%s' does not exist in dataset '%s'. Fix: check the ids with"
                + " list-changesets --dataset-id %s.",
            changesetId, datasetId, datasetId));
  }

  public static ConflictException clientTokenReused(String token, String changesetId) {
    return new ConflictException(
        String.format(
            "clientToken '%s' was already used by changeset '%s' with a different request. Fix:"
                + " use a new clientToken for a different request, or repeat the original request"
                + " exactly.",
            clip(token), changesetId));
  }

  public static ConflictException notStoppable(String changesetId, Object status) {
    return new ConflictException(
        String.format(
            "Changeset '%s' is %s; only a PENDING or RUNNING changeset can be stopped. Fix: nothing"
                + " to stop, it has ended (see get-changeset for its outcome); to change its rows,"
                + " create a MODIFY changeset with updatesChangesetId '%s'.",
            changesetId, status, changesetId));
  }

  /** A MODIFY of a changeset whose rows a later MODIFY ({@code by}) or REPLACE (null) took out. */
  public static ConflictException alreadySuperseded(String changesetId, String by) {
    return new ConflictException(
        "updatesChangesetId '"
            + changesetId
            + "' is already superseded"
            + (by != null ? " by MODIFY changeset '" + by + "'" : " by a later REPLACE")
            + ", so its rows are no longer in the dataset. Fix: modify the changeset that"
            + " replaced it, or use APPEND.");
  }

  /** A call on a SparkSession whose SparkContext has stopped. */
  public static ValidationException sessionStopped() {
    return new ValidationException(
        "The SparkSession's SparkContext has stopped, so Habanero cannot run on it. Fix: build a"
            + " new session (SparkSession.builder().getOrCreate()) and use that.");
  }

  /** A DataFrame save in Spark's default mode (errorifexists) onto a dataset that has data. */
  public static ConflictException datasetExistsForErrorIfExists(String datasetId) {
    return new ConflictException(
        "Dataset '"
            + datasetId
            + "' already exists and the save mode is errorifexists (Spark's default). Fix:"
            + " use mode(\"append\") to add rows, mode(\"overwrite\") to replace them, or set"
            + " option changeType.");
  }

  /** A DataFrame write whose changeset ended FAILED (recorded as such, with its errorInfo). */
  public static io.habanero.errors.ChangesetFailedException changesetFailed(
      String datasetId, String changesetId, io.habanero.model.ChangesetErrorInfo info) {
    return new io.habanero.errors.ChangesetFailedException(datasetId, changesetId, info);
  }

  public static ValidationException noRole(String environmentId) {
    return new ValidationException(
        String.format(
            "Environment '%s' has no IAM role, so it cannot issue programmatic credentials (a"
                + " local warehouse needs none). Fix: set %s to the role to assume, e.g."
                + " --conf %s=arn:aws:iam::123456789012:role/habanero.",
            environmentId,
            HabaneroSettings.Key.ROLE_ARN.confKey(),
            HabaneroSettings.Key.ROLE_ARN.confKey()));
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

  /** Turns any failure of an ingestion into the errorInfo recorded on the changeset. */
  public static ChangesetErrorInfo toErrorInfo(Throwable t) {
    HabaneroException h = classify(t);
    return new ChangesetErrorInfo(h.getMessage(), h.category());
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
          return new ValidationException(
              fitted(subject(t, source) + " was refused: ", c.getMessage(), ". Fix: " + fix + "."),
              t);
        }
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (isUndecompressable(c)) {
        return new ValidationException(
            fitted(
                subject(t, source) + " could not be decompressed: ",
                c.getMessage(),
                ". Nothing was committed. Fix: make each file hold what its name says (.gz is"
                    + " gzip, .bz2 bzip2, .zst zstd, and so on; a file without such an ending is"
                    + " read as it is), and upload again a file that was cut short."),
            t);
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String name = c.getClass().getName();
      String msg = String.valueOf(c.getMessage());
      if (c instanceof FileNotFoundException) {
        return new ResourceNotFoundException(
            "A source file disappeared during ingestion: "
                + oneLine(msg)
                + ". Fix: leave the source files in place until the changeset ends, then retry.",
            t);
      }
      if (c instanceof java.nio.file.AccessDeniedException
          || name.endsWith("AccessDeniedException")
          || msg.contains("403 Forbidden")) {
        return new AccessDeniedException(
            "Access denied: " + oneLine(msg) + ". Fix: grant read access to the source.", t);
      }
      if (msg.contains("503 Slow Down") || msg.contains("429") && msg.contains("Too Many")) {
        return new ThrottlingException(
            "The storage service is throttling: " + oneLine(msg) + ". Fix: retry later.", t);
      }
      if (c instanceof java.util.ConcurrentModificationException
          || name.startsWith("org.apache.spark.sql.delta.Concurrent")
          || name.contains("DeltaConcurrentModificationException")) {
        return new ConflictException(
            "Another changeset committed to the dataset at the same time and conflicts with this"
                + " one: "
                + oneLine(msg)
                + ". Fix: retry the changeset.",
            t);
      }
    }
    return new InternalServerException(
        "Internal error: "
            + t.getClass().getSimpleName()
            + ": "
            + oneLine(String.valueOf(t.getMessage()))
            + ". Fix: retry; if it persists, report it with the driver log.",
        t);
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
  private static final java.util.Set<String> LEGACY_PARQUET_TYPE_CLASSES =
      java.util.Set.of(
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
   * {@code head}, the foreign {@code cause} folded into one line, and {@code tail} (the fix): the
   * cause is clipped so that the whole stays within the model's 1000 characters, as the fix must
   * never be cut. A final period of the cause is dropped, as the tail starts a new sentence.
   */
  private static String fitted(String head, String cause, String tail) {
    String folded = clause(cause);
    int room = ChangesetErrorInfo.MAX_MESSAGE_LENGTH - head.length() - tail.length();
    return head + clip(folded, Math.max(room, 40)) + tail;
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
            return "Source file " + clip(file);
          }
        }
      }
    }
    return source != null ? source : "The data";
  }

  /**
   * A foreign message folded into one line: every run of whitespace, newlines included, becomes one
   * space, so a multi-line cause (Delta's messages put their fix on a later line) arrives whole,
   * never cut at its first line break; then clipped to {@value #CAUSE_LIMIT} characters so the fix
   * that Habanero's own message appends still fits the model's 1000.
   */
  public static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    String folded = s.replaceAll("\\s+", " ").strip();
    return folded.length() <= CAUSE_LIMIT ? folded : folded.substring(0, CAUSE_LIMIT - 3) + "...";
  }

  private static final int CAUSE_LIMIT = 600;

  /**
   * {@link #oneLine} without a final period, for a cause quoted inside a sentence of Habanero's
   * ("... precision 5. Nothing was committed", not "5.. Nothing").
   */
  public static String clause(String s) {
    String folded = oneLine(s);
    return folded.endsWith(".") && !folded.endsWith("...")
        ? folded.substring(0, folded.length() - 1)
        : folded;
  }

  static String clip(String s) {
    return clip(s, 300);
  }

  /** {@code s}, or its first {@code max - 3} characters and "..." when it is longer. */
  public static String clip(String s, int max) {
    if (s == null) {
      return "null";
    }
    return s.length() <= max ? s : s.substring(0, Math.max(0, max - 3)) + "...";
  }

  public static String join(List<String> parts) {
    return String.join("; ", parts);
  }

  public static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  public static ErrorCategory categoryOf(Throwable t) {
    return classify(t).category();
  }

  /**
   * An operation that Delta cannot run on a session without its extension: VALIDATION, naming both
   * settings and their values, and how to set them.
   *
   * @param operation what was refused, e.g. "MODIFY"
   * @param why why Delta needs its extension for it
   * @param cause Delta's own error, or null
   */
  public static ValidationException deltaExtensionRequired(
      String operation, String why, Throwable cause) {
    return new ValidationException(
        String.format(
            "%s needs Delta's SQL extension, which this SparkSession was built without: %s. Fix:"
                + " set %s=%s and %s=%s when the session is built, with"
                + " SparkSession.builder().config(key, value) or with --conf key=value for"
                + " spark-submit, pyspark and spark-shell (a running session cannot take them).",
            operation,
            why,
            DeltaSession.EXTENSIONS_KEY,
            DeltaSession.EXTENSION,
            DeltaSession.CATALOG_KEY,
            DeltaSession.CATALOG),
        cause);
  }
}
