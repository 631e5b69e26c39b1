package io.habanero.internal;

import io.habanero.HabaneroSettings;
import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.ConflictException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.InternalServerException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ThrottlingException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import java.io.FileNotFoundException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

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
            "Changeset '%s' is %s; only a PENDING or RUNNING changeset can be stopped.",
            changesetId, status));
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
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HabaneroException h) {
        return h;
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String name = c.getClass().getName();
      String msg = String.valueOf(c.getMessage());
      if (c instanceof FileNotFoundException) {
        return new ResourceNotFoundException(
            "A source file disappeared during ingestion: "
                + firstLine(msg)
                + ". Fix: leave the source files in place until the changeset ends, then retry.",
            t);
      }
      if (c instanceof java.nio.file.AccessDeniedException
          || name.endsWith("AccessDeniedException")
          || msg.contains("403 Forbidden")) {
        return new AccessDeniedException(
            "Access denied: " + firstLine(msg) + ". Fix: grant read access to the source.", t);
      }
      if (msg.contains("503 Slow Down") || msg.contains("429") && msg.contains("Too Many")) {
        return new ThrottlingException(
            "The storage service is throttling: " + firstLine(msg) + ". Fix: retry later.", t);
      }
      if (c instanceof java.util.ConcurrentModificationException
          || name.startsWith("org.apache.spark.sql.delta.Concurrent")
          || name.contains("DeltaConcurrentModificationException")) {
        return new ConflictException(
            "Another changeset committed to the dataset at the same time and conflicts with this"
                + " one: "
                + firstLine(msg)
                + ". Fix: retry the changeset.",
            t);
      }
    }
    return new InternalServerException(
        "Internal error: "
            + t.getClass().getSimpleName()
            + ": "
            + firstLine(String.valueOf(t.getMessage()))
            + ". Fix: retry; if it persists, report it with the driver log.",
        t);
  }

  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return clip(nl < 0 ? s : s.substring(0, nl));
  }

  static String clip(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 300 ? s : s.substring(0, 297) + "...";
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
