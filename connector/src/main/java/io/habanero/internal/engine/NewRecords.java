package io.habanero.internal.engine;

import io.habanero.internal.Json;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.model.ChangeType;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.IngestionStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the PENDING record of a new changeset, and the fingerprint of a create request. */
final class NewRecords {
  /** The formatParams key that records a DataFrame write's mergeSchema opt-in. */
  static final String MERGE_SCHEMA_KEY = "mergeSchema";

  /** The formatParams key that records a DataFrame write's allowEmpty opt-in. */
  static final String ALLOW_EMPTY_KEY = "allowEmpty";

  /** The sourceParams entry that marks a changeset written from a DataFrame. */
  static final String FRAME_SOURCE_KEY = "source";

  static final String FRAME_SOURCE_VALUE = "DataFrame";

  private NewRecords() {}

  /** The record of a changeset from files. */
  static ChangesetRecord fromRequest(
      String changesetId,
      CreateChangesetRequest req,
      FormatType formatType,
      String fingerprint,
      List<ChangesetRecord.SourceFile> files) {
    ChangesetRecord r =
        pending(changesetId, req.datasetId(), req.changeType(), req.updatesChangesetId());
    r.formatType = formatType;
    r.sourceParams = new LinkedHashMap<>(req.sourceParams());
    r.formatParams = new LinkedHashMap<>(req.formatParams());
    r.tags = new LinkedHashMap<>(req.tags());
    r.requestFingerprint = fingerprint;
    r.sourceFiles = new ArrayList<>(files);
    return r;
  }

  /**
   * The record of a changeset whose rows are a DataFrame: {@code sourceParams} names the DataFrame
   * as its source, there is no formatType, and the write's opt-ins are part of the record.
   */
  static ChangesetRecord fromFrame(
      String changesetId,
      String datasetId,
      ChangeType type,
      String updatesChangesetId,
      boolean mergeSchema,
      boolean allowEmpty) {
    ChangesetRecord r = pending(changesetId, datasetId, type, updatesChangesetId);
    r.sourceParams = new LinkedHashMap<>(Map.of(FRAME_SOURCE_KEY, FRAME_SOURCE_VALUE));
    if (mergeSchema) {
      r.formatParams.put(MERGE_SCHEMA_KEY, "true");
    }
    if (allowEmpty) {
      r.formatParams.put(ALLOW_EMPTY_KEY, "true");
    }
    return r;
  }

  private static ChangesetRecord pending(
      String changesetId, String datasetId, ChangeType type, String updatesChangesetId) {
    ChangesetRecord r = new ChangesetRecord();
    r.changesetId = changesetId;
    r.datasetId = datasetId;
    r.changeType = type;
    r.updatesChangesetId = updatesChangesetId;
    r.createTime = System.currentTimeMillis();
    r.status = IngestionStatus.PENDING;
    r.owner = ChangesetRecord.Owner.current();
    r.heartbeatTime = r.createTime;
    return r;
  }

  /** What makes two create requests the same request, for clientToken retries. */
  static String fingerprint(CreateChangesetRequest req, FormatType formatType) {
    Map<String, Object> canon = new TreeMap<>();
    canon.put("datasetId", req.datasetId());
    canon.put("changeType", req.changeType().name());
    canon.put("sourceParams", new TreeMap<>(req.sourceParams()));
    canon.put("formatType", formatType.name());
    Map<String, String> fp = new TreeMap<>(req.formatParams());
    fp.remove("formatType");
    canon.put("formatParams", fp);
    canon.put("tags", new TreeMap<>(req.tags()));
    canon.put("updatesChangesetId", String.valueOf(req.updatesChangesetId()));
    return ChangesetLog.sha256(Json.writeString(canon));
  }
}
