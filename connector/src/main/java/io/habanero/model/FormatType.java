package io.habanero.model;

/** Format of a changeset's source files. */
public enum FormatType {
  CSV,
  JSON,
  PARQUET,
  XML
}
