package io.habanero.model;

/**
 * Input of GetChangeset.
 *
 * @param datasetId required
 * @param changesetId required
 */
public record GetChangesetRequest(String datasetId, String changesetId) {}
