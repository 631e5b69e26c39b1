package io.habanero.model;

import java.util.List;

/**
 * Output of ListChangesets: changesets oldest first.
 *
 * @param changesets this page
 * @param nextToken the token for the next page, or null on the last page
 */
public record ListChangesetsResponse(List<ChangesetSummary> changesets, String nextToken) {}
