package io.habanero.model;

/** Which point in a dataset's history to read. */
public sealed interface TimeTravel {
  /** The latest version. */
  record Latest() implements TimeTravel {}

  /** Right after a SUCCESS changeset. */
  record AtChangeset(String changesetId) implements TimeTravel {}

  /** A Delta version. */
  record AtVersion(long version) implements TimeTravel {}

  /** The latest version committed at or before a timestamp (Delta's rule). */
  record AtTimestamp(String timestamp) implements TimeTravel {}
}
