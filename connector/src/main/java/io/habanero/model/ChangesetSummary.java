package io.habanero.model;

import java.util.Map;

/**
 * A changeset in the later model's shape, as returned by GetChangeset and ListChangesets.
 * Timestamps are epoch milliseconds.
 *
 * @param changesetId the changeset id
 * @param changesetArn its ARN
 * @param datasetId the dataset it belongs to
 * @param changeType how it applies
 * @param sourceParams the source parameters as requested
 * @param formatParams the format parameters, including {@code formatType}
 * @param createTime when it was created
 * @param status its status
 * @param errorInfo why it failed, or null
 * @param activeUntilTimestamp when a later REPLACE or MODIFY retired its rows, or null
 * @param activeFromTimestamp when its rows became visible (its Delta commit), or null
 * @param updatesChangesetId the changeset this MODIFY replaced, or null
 * @param updatedByChangesetId the MODIFY that replaced this one, or null
 * @param quarantine the malformed records a QUARANTINE changeset kept, or null (Habanero's own)
 */
public record ChangesetSummary(
    String changesetId,
    String changesetArn,
    String datasetId,
    ChangeType changeType,
    Map<String, String> sourceParams,
    Map<String, String> formatParams,
    Long createTime,
    IngestionStatus status,
    ChangesetErrorInfo errorInfo,
    Long activeUntilTimestamp,
    Long activeFromTimestamp,
    String updatesChangesetId,
    String updatedByChangesetId,
    QuarantineInfo quarantine) {}
