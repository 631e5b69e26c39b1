package io.habanero.model;

/**
 * Output of CreateChangeset, in the seed's shape: {@code {"changeset": {...}}}.
 *
 * @param changeset the changeset in its final state
 */
public record CreateChangesetResponse(Changeset changeset) {}
