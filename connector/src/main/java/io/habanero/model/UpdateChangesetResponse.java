package io.habanero.model;

/**
 * Output of UpdateChangeset.
 *
 * @param changesetId the id of the new MODIFY changeset that replaced the requested one
 * @param datasetId the dataset
 */
public record UpdateChangesetResponse(String changesetId, String datasetId) {}
