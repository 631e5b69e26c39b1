package io.habanero.model;

/**
 * Input of ListChangesets.
 *
 * @param datasetId required
 * @param maxResults 1..100; null for 100
 * @param nextToken the token from a previous page, or null for the first page
 */
public record ListChangesetsRequest(String datasetId, Integer maxResults, String nextToken) {}
