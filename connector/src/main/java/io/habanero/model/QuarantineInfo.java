package io.habanero.model;

/**
 * What a changeset created with {@code formatParams.mode=QUARANTINE} kept aside: a Habanero
 * addition to the model, present only on such changesets once they succeed.
 *
 * @param recordCount how many malformed records were kept instead of committed (0 for none)
 * @param location the directory that holds them as JSON lines ({@code file}, {@code record}, {@code
 *     parsed}), or null when there were none
 */
public record QuarantineInfo(long recordCount, String location) {}
