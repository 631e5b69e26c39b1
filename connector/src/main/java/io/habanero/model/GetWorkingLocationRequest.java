package io.habanero.model;

/**
 * Input of GetWorkingLocation.
 *
 * @param locationType INGESTION or SAGEMAKER; null means INGESTION
 */
public record GetWorkingLocationRequest(LocationType locationType) {}
