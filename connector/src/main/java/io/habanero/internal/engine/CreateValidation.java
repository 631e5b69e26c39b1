package io.habanero.internal.engine;

import io.habanero.HabaneroSettings;
import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.Validation;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.delta.DeltaSession;
import io.habanero.internal.ingest.SourceFormat;
import io.habanero.internal.ingest.SourcePaths;
import io.habanero.internal.ingest.SourceSnapshot;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.internal.warehouse.WriterSafety;
import io.habanero.model.ChangeType;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import io.habanero.model.SourceType;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Validates create requests before any work: every member, the source (listed once, its files
 * fixed) and, for a MODIFY, the changeset it replaces. Nothing is recorded for a request that fails
 * here.
 */
final class CreateValidation {
  private final SparkSession spark;
  private final HabaneroSettings settings;
  private final Warehouse warehouse;
  private final ChangesetLog log;

  CreateValidation(
      SparkSession spark, HabaneroSettings settings, Warehouse warehouse, ChangesetLog log) {
    this.spark = spark;
    this.settings = settings;
    this.warehouse = warehouse;
    this.log = log;
  }

  /** A validated create request, with its source's files fixed. */
  record Accepted(
      CreateChangesetRequest request,
      FormatType formatType,
      SourceFormat format,
      SourceSnapshot snapshot) {}

  Accepted validate(CreateChangesetRequest req) {
    if (req == null) {
      throw Errors.missing("request", "pass a CreateChangesetRequest");
    }
    WriterSafety.check(spark, settings, warehouse);
    String datasetId = Ids.check("datasetId", req.datasetId());
    checkChangeType(datasetId, req.changeType(), req.updatesChangesetId());
    if (req.sourceType() != null && req.sourceType() != SourceType.S3) {
      throw Errors.invalid("sourceType", req.sourceType().name(), "only S3 is supported", "use S3");
    }
    Validation.checkMap("sourceParams", req.sourceParams());
    Validation.checkMap("formatParams", req.formatParams());
    Validation.checkMap("tags", req.tags());
    for (String k : req.sourceParams().keySet()) {
      if (!k.equals("s3SourcePath") && !k.equals("sourceType")) {
        throw Errors.unknownKeys(
            "sourceParams", List.of(k), "an S3 source", List.of("s3SourcePath", "sourceType"));
      }
    }
    String st = req.sourceParams().get("sourceType");
    if (st != null && !st.trim().equalsIgnoreCase("S3")) {
      throw Errors.invalid("sourceParams.sourceType", st, "only S3 is supported", "use S3");
    }
    String path = req.sourceParams().get("s3SourcePath");
    if (path == null || path.isBlank()) {
      throw Errors.missing(
          "sourceParams.s3SourcePath",
          "set it to the file or prefix to ingest, e.g. the s3Uri of a working location");
    }
    if (req.clientToken() != null) {
      Validation.checkClientToken(req.clientToken());
    }
    FormatType formatType = SourceFormat.resolveFormatType(req.formatType(), req.formatParams());
    SourceFormat format = SourceFormat.parse(formatType, req.formatParams());
    // The listing reads the canonical spelling that was checked, and its files are checked again.
    SourcePaths.Checked source = SourcePaths.check(path, settings, warehouse);
    SourceSnapshot snapshot =
        SourceSnapshot.list(source.path(), spark.sessionState().newHadoopConf());
    source.checkListed(snapshot);
    snapshot.checkCompression(
        format.compressionExtension(), req.formatParams().getOrDefault("compression", "none"));
    snapshot.checkLayout(formatType);
    return new Accepted(req, formatType, format, snapshot);
  }

  /** Validates a DataFrame write's members (its rows are checked while it runs). */
  void validateFrame(String datasetId, ChangeType changeType, String updatesChangesetId) {
    WriterSafety.check(spark, settings, warehouse);
    Ids.check("datasetId", datasetId);
    checkChangeType(datasetId, changeType, updatesChangesetId);
  }

  private void checkChangeType(String datasetId, ChangeType type, String updatesChangesetId) {
    if (type == null) {
      throw Errors.missing("changeType", "set changeType to APPEND, REPLACE or MODIFY");
    }
    if (type == ChangeType.MODIFY) {
      checkModifiable(datasetId, updatesChangesetId);
    } else if (updatesChangesetId != null) {
      throw Errors.notAllowed(
          "updatesChangesetId",
          "is only for MODIFY, but changeType is " + type,
          "drop updatesChangesetId, or use changeType MODIFY");
    }
  }

  /**
   * A MODIFY's target must be a SUCCESS changeset of the dataset whose rows are still there: two
   * record reads and two index reads, however many changesets the dataset has.
   */
  void checkModifiable(String datasetId, String target) {
    if (target == null || target.isBlank()) {
      throw Errors.missing(
          "updatesChangesetId",
          "MODIFY replaces the rows of one earlier changeset; name it in updatesChangesetId");
    }
    Ids.check("updatesChangesetId", target);
    DeltaSession.requireExtension(
        spark,
        "MODIFY",
        "Delta replaces the rows of changeset '"
            + target
            + "' with a replaceWhere on a data column, which it runs as a DELETE that only its"
            + " extension's analyzer rules can plan");
    if (!log.datasetExists(datasetId)) {
      throw Errors.datasetNotFound(datasetId);
    }
    ChangesetRecord t =
        log.find(datasetId, target).orElseThrow(() -> Errors.changesetNotFound(datasetId, target));
    if (t.status != IngestionStatus.SUCCESS) {
      throw Errors.notAllowed(
          "updatesChangesetId",
          "names changeset '"
              + target
              + "', which is "
              + t.status
              + "; only a SUCCESS changeset can be modified",
          "name a SUCCESS changeset (see list-changesets)");
    }
    ChangesetLog.Retirement r = log.retirement(t);
    if (r.retired()) {
      throw Errors.targetSuperseded(target, r.updatedByChangesetId());
    }
  }

  /**
   * After a lost commit race: a MODIFY may be applied again only while the changeset it modifies is
   * still active (not superseded by the winner); other change types always may.
   */
  boolean mayApplyAgain(ChangesetRecord r) {
    if (r.changeType != ChangeType.MODIFY) {
      return true;
    }
    try {
      checkModifiable(r.datasetId, r.updatesChangesetId);
      return true;
    } catch (io.habanero.errors.HabaneroException e) {
      return false;
    }
  }
}
