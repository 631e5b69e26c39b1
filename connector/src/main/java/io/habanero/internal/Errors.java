package io.habanero.internal;

import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.ChangesetFailedException;
import io.habanero.errors.ConflictException;
import io.habanero.errors.InternalServerException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ThrottlingException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.ChangesetErrorInfo;
import java.util.Collection;
import java.util.List;

/**
 * Builds every error Habanero raises, so that messages are consistent: each names the field, the
 * problem and the fix. Messages never include secrets.
 */
public final class Errors {
  private Errors() {}

  /**
   * A Habanero setting with a value it cannot use.
   *
   * @param confKey the setting's Spark conf name, e.g. {@code spark.habanero.warehouse}
   * @param option its option name, e.g. {@code warehouse}
   */
  public static ValidationException invalidSetting(
      String confKey, String option, String value, String problem, String fix) {
    return new ValidationException(
        String.format(
            "Setting %s (option '%s') is invalid: '%s' %s. Fix: %s.",
            confKey, option, value, problem, fix));
  }

  public static ValidationException missing(String field, String fix) {
    return new ValidationException(
        String.format("%s is required but was missing or blank. Fix: %s.", field, fix));
  }

  public static ValidationException invalid(
      String field, String value, String problem, String fix) {
    return new ValidationException(
        String.format(
            "%s '%s' is invalid: %s. Fix: %s.", field, Messages.clip(value), problem, fix));
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
            Messages.clip(path)));
  }

  public static ValidationException emptySource(String path) {
    return new ValidationException(
        String.format(
            "sourceParams.s3SourcePath '%s' holds no data files (hidden files starting with '_' or"
                + " '.' and empty files are skipped). Fix: upload the files, or point at the right"
                + " prefix.",
            Messages.clip(path)));
  }

  public static ValidationException mixedPartitionLayout(String file, String problem) {
    return new ValidationException(
        String.format(
            "Source file %s %s, so its partition columns are ambiguous. Fix: give every file the"
                + " same partition folders (name=value/, as Spark's partitionBy writes them), or"
                + " create one changeset per folder.",
            Messages.clip(file), problem));
  }

  public static ValidationException xmlPartitionFolders(String directory, List<String> columns) {
    return new ValidationException(
        String.format(
            "sourceParams.s3SourcePath '%s' holds XML files in partition folders for %s, which"
                + " spark-xml cannot read as columns, so their values would be lost. Fix: create"
                + " one changeset per folder with the value as an element of each record, or"
                + " convert the files to a format read with partition columns (CSV, JSON,"
                + " Parquet).",
            Messages.clip(directory), columns));
  }

  public static ValidationException undecodableNames(
      String format, String encoding, List<String> names) {
    return new ValidationException(
        String.format(
            "The %s source's column names %s hold bytes that are not valid %s (the declared"
                + " encoding), so they cannot be read faithfully. Nothing was committed. Fix:"
                + " declare the files' encoding with formatParams.encoding (e.g. ISO-8859-1 or"
                + " windows-1252), or re-export them as UTF-8.",
            format, Messages.clip(String.valueOf(names)), encoding));
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
            Messages.clip(file), documents));
  }

  public static ValidationException emptyReplace(String source, String datasetId, ChangeType type) {
    return new ValidationException(
        String.format(
            "The source %s has no data rows, so this %s would %s. Nothing was committed. Fix: check"
                + " that the source holds the rows, or opt in with formatParams.allowEmpty=true"
                + " (the DataFrame option allowEmpty) if emptying it is intended.",
            Messages.clip(source),
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
            Messages.clip(source), datasetId));
  }

  public static ValidationException namesDeltaCannotStore(String datasetId, List<String> names) {
    return new ValidationException(
        String.format(
            "Column name(s) %s hold characters (space or any of ,;{}()= or a tab or newline) that"
                + " dataset '%s' cannot store: it was created without Delta column mapping."
                + " Nothing was committed. Fix: rename those columns in the source, or REPLACE"
                + " into a new dataset, which keeps such names through column mapping.",
            Messages.clip(String.valueOf(names)), datasetId));
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
                Messages.clip(source), Messages.clip(rowTag), Messages.clip(rowTag))
            : String.format(
                "The %s source %s has no columns: its records hold no fields. Nothing was"
                    + " committed. Fix: check formatType and formatParams (e.g. jsonPath,"
                    + " multiLine, withHeader) against the files.",
                format, Messages.clip(source)));
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
            Messages.clip(token), changesetId));
  }

  public static ConflictException notStoppable(String changesetId, Object status) {
    return new ConflictException(
        String.format(
            "Changeset '%s' is %s; only a PENDING or RUNNING changeset can be stopped. Fix: nothing"
                + " to stop, it has ended (see get-changeset for its outcome); to change its rows,"
                + " create a MODIFY changeset with updatesChangesetId '%s'.",
            changesetId, status, changesetId));
  }

  /** A call on a SparkSession whose SparkContext has stopped. */
  public static ValidationException sessionStopped() {
    return new ValidationException(
        "The SparkSession's SparkContext has stopped, so Habanero cannot run on it. Fix: build a"
            + " new session (SparkSession.builder().getOrCreate()) and use that.");
  }

  /**
   * @param roleArnKey the setting that names the role, e.g. {@code spark.habanero.role-arn}
   */
  public static ValidationException noRole(String environmentId, String roleArnKey) {
    return new ValidationException(
        String.format(
            "Environment '%s' has no IAM role, so it cannot issue programmatic credentials (a"
                + " local warehouse needs none). Fix: set %s to the role to assume, e.g."
                + " --conf %s=arn:aws:iam::123456789012:role/habanero.",
            environmentId, roleArnKey, roleArnKey));
  }

  /**
   * An operation that Delta cannot run on a session without its extension: VALIDATION, naming both
   * settings and their values, and how to set them.
   *
   * @param operation what was refused, e.g. "MODIFY"
   * @param why why Delta needs its extension for it
   * @param extensionsKey Spark's setting for session extensions, and {@code extension} Delta's
   * @param catalogKey Spark's setting for the session catalog, and {@code catalog} Delta's
   * @param cause Delta's own error, or null
   */
  public static ValidationException deltaExtensionRequired(
      String operation,
      String why,
      String extensionsKey,
      String extension,
      String catalogKey,
      String catalog,
      Throwable cause) {
    return new ValidationException(
        String.format(
            "%s needs Delta's SQL extension, which this SparkSession was built without: %s. Fix:"
                + " set %s=%s and %s=%s when the session is built, with"
                + " SparkSession.builder().config(key, value) or with --conf key=value for"
                + " spark-submit, pyspark and spark-shell (a running session cannot take them).",
            operation, why, extensionsKey, extension, catalogKey, catalog),
        cause);
  }

  /**
   * The wait for a changeset was interrupted; the changeset itself goes on.
   *
   * @param cause the interruption
   */
  public static InternalServerException interrupted(
      String changesetId, InterruptedException cause) {
    return new InternalServerException(
        "Interrupted while waiting for changeset '"
            + changesetId
            + "' to end; the changeset goes on. Fix: wait again, or see its outcome with"
            + " get-changeset.",
        cause);
  }

  /**
   * The warehouse's bucket does not exist.
   *
   * @param warehouse the warehouse setting as given
   * @param warehouseKey the setting that names it, e.g. {@code spark.habanero.warehouse}
   */
  public static ResourceNotFoundException warehouseBucketMissing(
      String warehouse, String warehouseKey, Throwable cause) {
    return new ResourceNotFoundException(
        "The warehouse bucket of "
            + warehouse
            + " does not exist. Fix: create the bucket, or correct "
            + warehouseKey
            + ".",
        cause);
  }

  /**
   * Delta's log store setting names a class that cannot be loaded.
   *
   * @param key the setting, e.g. {@code spark.delta.logStore.s3a.impl}
   * @param logStore the class it names
   * @param root the warehouse root
   * @param artifact the artifact that holds the class
   */
  public static ValidationException logStoreNotLoadable(
      String key, String logStore, String root, String artifact) {
    return new ValidationException(
        key
            + " names "
            + logStore
            + ", but that class is not on the classpath, so Delta could not commit to "
            + root
            + ". Fix: add "
            + artifact
            + " (the same version as delta-spark) to every writer, e.g. with --packages, or"
            + " remove the setting.");
  }

  /**
   * An S3 warehouse without a log store that is safe for several writers, and no acknowledgement of
   * a single writer.
   *
   * @param why what the session's log store settings say, e.g. " (key names X, ...)", or ""
   * @param schemeKey the log store setting for the warehouse's scheme
   * @param logStore Delta's multi-cluster log store class
   * @param artifact the artifact that holds it
   * @param ddbPrefix the prefix of its DynamoDB settings
   * @param singleWriterKey the setting that acknowledges a single writer
   */
  public static ValidationException noSafeLogStore(
      String root,
      String why,
      String schemeKey,
      String logStore,
      String artifact,
      String ddbPrefix,
      String singleWriterKey) {
    return new ValidationException(
        "The S3 warehouse "
            + root
            + " has no log store that is safe for several writers"
            + why
            + ": Delta's default S3 log store guarantees transactions only to one Spark driver, so"
            + " two writers could lose a commit without an error. Nothing was recorded. Fix:"
            + " configure Delta's multi-cluster log store in every writer ("
            + schemeKey
            + "="
            + logStore
            + " with "
            + artifact
            + " on the classpath and the same "
            + ddbPrefix
            + "tableName and "
            + ddbPrefix
            + "region everywhere), or, if this Spark driver is the only writer, acknowledge it with "
            + singleWriterKey
            + "=true.");
  }

  /** The field that names a changeset's source path. */
  private static final String SOURCE_PATH = "sourceParams.s3SourcePath";

  /** A source path of a scheme or form the warehouse does not read. */
  public static ValidationException sourcePathInvalid(String path, String problem, String fix) {
    return new ValidationException(
        SOURCE_PATH + " '" + Messages.printable(path) + "' " + problem + ". Fix: " + fix + ".");
  }

  /**
   * A source path whose syntax could leave the allowed roots, or that lies outside them; never says
   * whether the path exists.
   */
  public static AccessDeniedException sourcePathDenied(String path, String problem, String fix) {
    return new AccessDeniedException(
        SOURCE_PATH + " '" + Messages.printable(path) + "' " + problem + ". Fix: " + fix + ".");
  }

  /** The source has a column of the name Habanero reserves for lineage. */
  public static ValidationException reservedColumn(String column) {
    return new ValidationException(
        "The source has a column named "
            + column
            + ", which Habanero reserves for lineage. Fix: rename that column in the source.");
  }

  /**
   * The source's columns or types differ from the dataset's.
   *
   * @param problems one entry per column
   * @param hadNewColumns whether some are new columns, which mergeSchema=true would add
   */
  public static ValidationException schemaConflict(
      String datasetId, List<String> problems, boolean hadNewColumns) {
    return new ValidationException(
        "The source's schema conflicts with dataset '"
            + datasetId
            + "': "
            + String.join("; ", problems)
            + ". Fix: make the source match the dataset's columns and types (declare them with"
            + " formatParams.schema if inference differs)"
            + (hadNewColumns
                ? ", or opt in to adding the new columns as nullable ones with mergeSchema=true"
                    + " (formatParams.mergeSchema, or the DataFrame option mergeSchema)"
                : "")
            + ", or REPLACE into a new dataset.");
  }

  /**
   * Records of a source that do not parse.
   *
   * @param format the source's format, e.g. CSV
   * @param count how many records do not parse, or 0 or less when they could not be counted
   * @param examples the first few, each "file: record"
   * @param detail the parser's reason
   * @param source the source, for a message without a count
   * @param jsonWithoutMultiLine whether the source is JSON read without multiLine
   * @param cause the parser's failure
   */
  public static ValidationException malformedRecords(
      String format,
      long count,
      List<String> examples,
      String detail,
      String source,
      boolean jsonWithoutMultiLine,
      Throwable cause) {
    StringBuilder tail = new StringBuilder();
    tail.append(
        ". Nothing was committed. Fix: correct the records (or formatParams such as separator,"
            + " quoteChar, comment, encoding, multiLine, rowTag, schema, dateFormat,"
            + " timestampFormat) and create the changeset again.");
    if (jsonWithoutMultiLine) {
      tail.append(
          " A record split over several lines (pretty-printed JSON) needs multiLine=true, which"
              + " reads each file as one document or array.");
    }
    StringBuilder sb = new StringBuilder();
    if (count > 0) {
      sb.append(count)
          .append(" malformed record(s) in the ")
          .append(format)
          .append(" source; first: ");
      // The parser's reason (e.g. a timestampFormat Spark cannot use) names the problem; it is
      // short, and examples are left out rather than letting the model's 1000 cut the fix.
      String reason = "; reason: " + Messages.clip(detail, 160);
      int room =
          ChangesetErrorInfo.MAX_MESSAGE_LENGTH - sb.length() - reason.length() - tail.length();
      for (int i = 0; i < examples.size(); i++) {
        String next = (i == 0 ? "" : " | ") + examples.get(i);
        if (i > 0 && next.length() > room) {
          break;
        }
        sb.append(next);
        room -= next.length();
      }
      sb.append(reason);
    } else {
      sb.append("The ")
          .append(format)
          .append(" source ")
          .append(Messages.clip(source, 200))
          .append(" could not be parsed: ");
      sb.append(
          Messages.clip(
              detail, ChangesetErrorInfo.MAX_MESSAGE_LENGTH - sb.length() - tail.length()));
    }
    return new ValidationException(sb.append(tail).toString(), cause);
  }

  /**
   * A Parquet source that cannot be read.
   *
   * @param source the source, or null when {@code detail} names the file already
   * @param detail why, one clause
   */
  public static ValidationException unreadableParquet(
      String source, String detail, Throwable cause) {
    return new ValidationException(
        "The Parquet source "
            + (source == null ? "" : Messages.clip(source, 200) + " ")
            + "could not be read: "
            + detail
            + ". Nothing was committed. Fix: make every file valid Parquet with the dataset's"
            + " column types.",
        cause);
  }

  /** A DataFrame written without a single column. */
  public static ValidationException frameWithoutColumns() {
    return new ValidationException(
        "The DataFrame has no columns. Fix: write a DataFrame with the dataset's columns.");
  }

  /** A recorded source file that is gone when the ingestion checks its files again. */
  public static ResourceNotFoundException sourceFileGone(String path) {
    return new ResourceNotFoundException(
        "Source file "
            + path
            + " disappeared during ingestion; nothing was committed. Fix: leave source files"
            + " in place until the changeset ends, then create it again.");
  }

  /** A recorded source file whose size or time changed before the commit. */
  public static ConflictException sourceFileChanged(String path, long length, long nowLength) {
    return new ConflictException(
        "Source file "
            + path
            + " changed during ingestion (size "
            + length
            + " -> "
            + nowLength
            + "); nothing was committed. Fix: finish uploading before creating the"
            + " changeset, then create it again.");
  }

  /**
   * A changeset stopped on request before its commit. It ends FAILED with category CANCELLED, which
   * replaces this error in its record.
   */
  public static ConflictException stoppedOnRequest(String changesetId) {
    return new ConflictException(
        "Changeset '"
            + changesetId
            + "' was stopped on request before committing. Fix: create the changeset again if it"
            + " is still wanted.");
  }

  /**
   * A MODIFY of a changeset whose rows a later MODIFY or REPLACE already retired.
   *
   * @param updatedByChangesetId the MODIFY that retired it, or null for a later REPLACE
   */
  public static ConflictException targetSuperseded(String target, String updatedByChangesetId) {
    return new ConflictException(
        "updatesChangesetId '"
            + target
            + "' is already superseded"
            + (updatedByChangesetId != null
                ? " by MODIFY changeset '" + updatedByChangesetId + "'"
                : " by a later REPLACE")
            + ", so its rows are no longer in the dataset. Fix: modify the changeset that"
            + " replaced it, or use APPEND.");
  }

  /** A DataFrame write in save mode errorifexists to a dataset that has data. */
  public static ConflictException datasetExists(String datasetId) {
    return new ConflictException(
        "Dataset '"
            + datasetId
            + "' already exists and the save mode is errorifexists (Spark's default). Fix:"
            + " use mode(\"append\") to add rows, mode(\"overwrite\") to replace them, or set"
            + " option changeType.");
  }

  /** A changeset of a DataFrame write or SQL INSERT that ended FAILED, in its category. */
  public static ChangesetFailedException changesetFailed(
      String datasetId, String changesetId, ChangesetErrorInfo info) {
    return new ChangesetFailedException(datasetId, changesetId, info);
  }

  // ---------------------------------------------------------------------------------------------
  // Foreign failures. ErrorClassifier decides which of these applies; each keeps the foreign
  // failure as its cause and quotes its message on one line.
  // ---------------------------------------------------------------------------------------------

  /** Spark or Delta refused the data: an error class of the data's fault. */
  static ValidationException dataRefused(
      String subject, String message, String fix, Throwable cause) {
    return new ValidationException(
        fitted(subject + " was refused: ", message, ". Fix: " + fix + "."), cause);
  }

  /** A compressed source file whose bytes are not in its codec's format. */
  static ValidationException undecompressable(String subject, String message, Throwable cause) {
    return new ValidationException(
        fitted(
            subject + " could not be decompressed: ",
            message,
            ". Nothing was committed. Fix: make each file hold what its name says (.gz is"
                + " gzip, .bz2 bzip2, .zst zstd, and so on; a file without such an ending is"
                + " read as it is), and upload again a file that was cut short."),
        cause);
  }

  /** A file that Spark or Hadoop no longer found while reading. */
  static ResourceNotFoundException fileDisappeared(String message, Throwable cause) {
    return new ResourceNotFoundException(
        "A source file disappeared during ingestion: "
            + Messages.oneLine(message)
            + ". Fix: leave the source files in place until the changeset ends, then retry.",
        cause);
  }

  /** The storage refused access. */
  static AccessDeniedException storageAccessDenied(String message, Throwable cause) {
    return new AccessDeniedException(
        "Access denied: " + Messages.oneLine(message) + ". Fix: grant read access to the source.",
        cause);
  }

  /** The storage is throttling. */
  static ThrottlingException storageThrottling(String message, Throwable cause) {
    return new ThrottlingException(
        "The storage service is throttling: " + Messages.oneLine(message) + ". Fix: retry later.",
        cause);
  }

  /** Delta found a concurrent commit that conflicts. */
  static ConflictException concurrentCommit(String message, Throwable cause) {
    return new ConflictException(
        "Another changeset committed to the dataset at the same time and conflicts with this"
            + " one: "
            + Messages.oneLine(message)
            + ". Fix: retry the changeset.",
        cause);
  }

  /** Any other failure: Habanero's own, or transient infrastructure. */
  static InternalServerException internalError(Throwable cause) {
    return new InternalServerException(
        "Internal error: "
            + cause.getClass().getSimpleName()
            + ": "
            + Messages.oneLine(String.valueOf(cause.getMessage()))
            + ". Fix: retry; if it persists, report it with the driver log.",
        cause);
  }

  /**
   * STS gave no answer.
   *
   * @param failure the SDK exception's simple class name
   * @param stsEndpointKey the setting that overrides the STS endpoint
   */
  static InternalServerException stsUnreachable(
      String roleArn, String failure, String stsEndpointKey, Throwable cause) {
    return new InternalServerException(
        "STS could not be reached for role "
            + roleArn
            + ": "
            + failure
            + ". Fix: check "
            + stsEndpointKey
            + " and the network.",
        cause);
  }

  /**
   * STS refused AssumeRole for this principal.
   *
   * @param what "STS AssumeRole of ROLE failed with CODE (HTTP STATUS)"
   */
  static AccessDeniedException assumeRoleDenied(String what, Throwable cause) {
    return new AccessDeniedException(
        what + ". Fix: allow this principal to assume the role.", cause);
  }

  /** STS throttled AssumeRole. */
  static ThrottlingException assumeRoleThrottled(String what, Throwable cause) {
    return new ThrottlingException(what + ". Fix: retry later.", cause);
  }

  /** STS refused the AssumeRole request itself (HTTP 400). */
  static ValidationException assumeRoleRefused(String what, Throwable cause) {
    return new ValidationException(
        what
            + ". Fix: check the role ARN and that durationInMinutes is within the role's maximum"
            + " session duration.",
        cause);
  }

  /** STS failed otherwise. */
  static InternalServerException assumeRoleFailed(String what, Throwable cause) {
    return new InternalServerException(what + ". Fix: retry later.", cause);
  }

  /**
   * {@code head}, the foreign {@code cause} folded into one line, and {@code tail} (the fix): the
   * cause is clipped so that the whole stays within the model's 1000 characters, as the fix must
   * never be cut. A final period of the cause is dropped, as the tail starts a new sentence.
   */
  private static String fitted(String head, String cause, String tail) {
    String folded = Messages.clause(cause);
    int room = ChangesetErrorInfo.MAX_MESSAGE_LENGTH - head.length() - tail.length();
    return head + Messages.clip(folded, Math.max(room, 40)) + tail;
  }
}
