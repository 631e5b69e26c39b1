package io.habanero.model;

/** How a changeset is applied to its dataset. */
public enum ChangeType {
  REPLACE,
  APPEND,
  MODIFY
}
