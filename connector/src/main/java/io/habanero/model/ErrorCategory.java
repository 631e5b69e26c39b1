package io.habanero.model;

/**
 * The category of a failed changeset or a failed call, with the short names of the FinSpace model.
 */
public enum ErrorCategory {
  /** The inputs to the request are invalid: bad parameters, malformed records, schema mismatch. */
  VALIDATION,
  /** A service quota was exceeded. */
  SERVICE_QUOTA_EXCEEDED,
  /** Missing permission, or a denied path. */
  ACCESS_DENIED,
  /** A source path, dataset or changeset was not found. */
  RESOURCE_NOT_FOUND,
  /** The system temporarily lacks resources (HTTP 429/503); retry later. */
  THROTTLING,
  /** An internal error occurred. */
  INTERNAL_SERVICE_EXCEPTION,
  /** The changeset was stopped on request. */
  CANCELLED,
  /** A user-recoverable error, such as a conflicting request. */
  USER_RECOVERABLE
}
