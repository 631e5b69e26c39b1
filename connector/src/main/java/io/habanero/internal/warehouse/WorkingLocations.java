package io.habanero.internal.warehouse;

import io.habanero.internal.Ids;
import io.habanero.model.GetWorkingLocationResponse;
import io.habanero.model.LocationType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Locale;
import org.apache.hadoop.fs.Path;

/** Creates fresh, unique working locations under {@code <warehouse>/working/<type>/}. */
public final class WorkingLocations {
  private final Warehouse warehouse;

  public WorkingLocations(Warehouse warehouse) {
    this.warehouse = warehouse;
  }

  /**
   * Creates a new, empty location and describes it in the model's three fields.
   *
   * @param type INGESTION or SAGEMAKER
   * @return {@code s3Uri} (usable as {@code s3SourcePath}), {@code s3Path} and {@code s3Bucket}
   */
  public GetWorkingLocationResponse create(LocationType type) {
    Path dir =
        new Path(
            new Path(warehouse.workingRoot(), type.name().toLowerCase(Locale.ROOT)),
            Ids.newId().toLowerCase(Locale.ROOT));
    try {
      warehouse.fs().mkdirs(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create working location " + dir, e);
    }
    URI uri = dir.toUri();
    if (warehouse.isLocal()) {
      String abs = uri.getPath() + "/";
      String bucket = new Path(warehouse.root().toUri()).getName();
      return new GetWorkingLocationResponse(
          "file://" + abs, abs, bucket.isEmpty() ? "local" : clip(bucket, 63));
    }
    String bucket = uri.getAuthority();
    String key = uri.getPath().replaceFirst("^/", "") + "/";
    if (!"s3a".equals(uri.getScheme())) {
      // A Hadoop file system of another kind (HDFS, a test's own): its URI as it is.
      String name = bucket == null ? new Path(warehouse.root().toUri()).getName() : bucket;
      return new GetWorkingLocationResponse(dir + "/", uri.getPath() + "/", clip(name, 63));
    }
    return new GetWorkingLocationResponse("s3://" + bucket + "/" + key, bucket + "/" + key, bucket);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
