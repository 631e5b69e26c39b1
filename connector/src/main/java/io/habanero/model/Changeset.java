package io.habanero.model;

import java.time.Instant;
import java.util.Map;

/**
 * A changeset in the seed's CreateChangeset response shape.
 *
 * @param id the changeset id
 * @param changesetArn its ARN
 * @param datasetId the dataset it belongs to
 * @param changeType how it applies
 * @param sourceType always S3
 * @param sourceParams the source parameters as requested
 * @param formatType the format of its source files
 * @param formatParams the format parameters as requested
 * @param createTimestamp when it was created
 * @param status its status
 * @param errorInfo why it failed, or null
 * @param changesetLabels the request's tags
 * @param updatesChangesetId the changeset this MODIFY replaced, or null
 * @param updatedByChangesetId the MODIFY that replaced this one, or null
 * @param quarantine the malformed records a QUARANTINE changeset kept, or null (Habanero's own)
 */
public record Changeset(
    String id,
    String changesetArn,
    String datasetId,
    ChangeType changeType,
    SourceType sourceType,
    Map<String, String> sourceParams,
    FormatType formatType,
    Map<String, String> formatParams,
    Instant createTimestamp,
    IngestionStatus status,
    ChangesetErrorInfo errorInfo,
    Map<String, String> changesetLabels,
    String updatesChangesetId,
    String updatedByChangesetId,
    QuarantineInfo quarantine) {}
