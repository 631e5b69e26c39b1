package io.habanero.model;

import java.util.Map;

/**
 * Input of UpdateChangeset: replaces the rows of changeset {@code changesetId} with the rows of a
 * new source. It is the same operation as CreateChangeset with MODIFY.
 *
 * @param clientToken optional idempotency token
 * @param datasetId required
 * @param changesetId required: the changeset to replace
 * @param sourceParams required
 * @param formatParams required, including {@code formatType}
 */
public record UpdateChangesetRequest(
    String clientToken,
    String datasetId,
    String changesetId,
    Map<String, String> sourceParams,
    Map<String, String> formatParams) {}
