package io.habanero.model;

/** Purpose of a working location. */
public enum LocationType {
  INGESTION,
  SAGEMAKER
}
