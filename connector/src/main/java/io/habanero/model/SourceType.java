package io.habanero.model;

/**
 * Where a changeset's files come from. S3 covers s3://, s3a:// and, on a local warehouse, local
 * paths.
 */
public enum SourceType {
  S3
}
