package io.habanero.model;

/** Status of a changeset. */
public enum IngestionStatus {
  PENDING,
  FAILED,
  SUCCESS,
  RUNNING,
  STOP_REQUESTED
}
