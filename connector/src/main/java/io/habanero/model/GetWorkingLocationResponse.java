package io.habanero.model;

/**
 * Output of GetWorkingLocation. On S3: {@code s3Uri} is {@code s3://bucket/key/}, {@code s3Path} is
 * {@code bucket/key/} and {@code s3Bucket} is {@code bucket}. On a local warehouse: {@code s3Uri}
 * is a {@code file:} URI of the directory, {@code s3Path} is its absolute filesystem path, and
 * {@code s3Bucket} is the name of the warehouse root directory. In both cases {@code s3Uri} is
 * accepted as {@code sourceParams.s3SourcePath}.
 */
public record GetWorkingLocationResponse(String s3Uri, String s3Path, String s3Bucket) {}
