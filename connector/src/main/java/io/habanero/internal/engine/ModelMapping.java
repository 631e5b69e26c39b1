package io.habanero.internal.engine;

import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.IngestionStatus;
import io.habanero.model.QuarantineInfo;
import io.habanero.model.SourceType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps changeset records to the model's shapes: the seed's {@link Changeset} and the later model's
 * {@link ChangesetSummary}. The derived members (visible status, retirement) cost a constant number
 * of reads per record.
 */
final class ModelMapping {
  private final String region;
  private final String environmentId;
  private final ChangesetLog log;

  ModelMapping(String region, String environmentId, ChangesetLog log) {
    this.region = region;
    this.environmentId = environmentId;
    this.log = log;
  }

  String arn(String datasetId, String changesetId) {
    return String.format(
        "arn:habanero:finspace:%s:%s:dataset/%s/changeset/%s",
        region, environmentId, datasetId, changesetId);
  }

  ChangesetSummary toSummary(ChangesetRecord r) {
    ChangesetLog.Retirement ret = log.retirement(r);
    Map<String, String> fp = new LinkedHashMap<>(r.formatParams);
    if (r.formatType != null) {
      fp.putIfAbsent("formatType", r.formatType.name());
    }
    return new ChangesetSummary(
        r.changesetId,
        arn(r.datasetId, r.changesetId),
        r.datasetId,
        r.changeType,
        Map.copyOf(r.sourceParams),
        Map.copyOf(fp),
        r.createTime,
        log.visibleStatus(r),
        r.errorInfo,
        ret.activeUntilTimestamp(),
        r.status == IngestionStatus.SUCCESS ? r.commitTime : null,
        r.updatesChangesetId,
        ret.updatedByChangesetId(),
        quarantine(r));
  }

  Changeset toChangeset(ChangesetRecord r) {
    ChangesetLog.Retirement ret = log.retirement(r);
    return new Changeset(
        r.changesetId,
        arn(r.datasetId, r.changesetId),
        r.datasetId,
        r.changeType,
        r.formatType == null ? null : SourceType.S3,
        Map.copyOf(r.sourceParams),
        r.formatType,
        Map.copyOf(r.formatParams),
        Instant.ofEpochMilli(r.createTime),
        log.visibleStatus(r),
        r.errorInfo,
        Map.copyOf(r.tags),
        r.updatesChangesetId,
        ret.updatedByChangesetId(),
        quarantine(r));
  }

  private static QuarantineInfo quarantine(ChangesetRecord r) {
    return r.status == IngestionStatus.SUCCESS && r.quarantinedRecords != null
        ? new QuarantineInfo(r.quarantinedRecords, r.quarantineLocation)
        : null;
  }
}
