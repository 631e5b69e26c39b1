package io.habanero.internal.warehouse;

import com.google.common.annotations.VisibleForTesting;
import io.habanero.HabaneroSettings;
import io.habanero.s3.HabaneroCredentialsProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Turns the environment's settings into S3A configuration in the session, where Spark's Hadoop
 * configuration (and so every executor's) picks it up:
 *
 * <ul>
 *   <li>{@code s3.endpoint} → {@code fs.s3a.endpoint} (and plain HTTP when the endpoint is {@code
 *       http://}); {@code s3.path-style-access} → {@code fs.s3a.path.style.access}; {@code region}
 *       → {@code fs.s3a.endpoint.region}.
 *   <li>With a {@code role-arn}: S3A's credentials come from {@link HabaneroCredentialsProvider},
 *       which assumes the role through STS and refreshes before expiry. Only the role, region, STS
 *       endpoint and environment go into the configuration, never a secret.
 * </ul>
 *
 * Keys the user already set in the session are left alone, so explicit S3A configuration wins.
 */
public final class S3aSettings {
  private S3aSettings() {}

  /** The S3A keys for {@code settings}. */
  @VisibleForTesting
  public static Map<String, String> of(HabaneroSettings settings) {
    Map<String, String> conf = new LinkedHashMap<>();
    boolean s3 =
        settings.warehouse().startsWith("s3")
            || settings.s3Endpoint().isPresent()
            || settings.roleArn().isPresent();
    if (!s3) {
      return conf; // a local environment: nothing to configure
    }
    settings
        .s3Endpoint()
        .ifPresent(
            e -> {
              conf.put("fs.s3a.endpoint", e);
              if (e.startsWith("http://")) {
                conf.put("fs.s3a.connection.ssl.enabled", "false");
              }
            });
    if (settings.s3PathStyleAccess()) {
      conf.put("fs.s3a.path.style.access", "true");
    }
    conf.put("fs.s3a.endpoint.region", settings.region());
    // Keep directory markers: no bulk delete of parent markers after every write (faster, and
    // S3-compatible stores without multi-object delete keep working).
    conf.put("fs.s3a.directory.marker.retention", "keep");
    settings
        .roleArn()
        .ifPresent(
            role -> {
              conf.put(
                  "fs.s3a.aws.credentials.provider", HabaneroCredentialsProvider.class.getName());
              conf.put(HabaneroCredentialsProvider.ROLE_ARN, role);
              conf.put(HabaneroCredentialsProvider.REGION, settings.region());
              conf.put(HabaneroCredentialsProvider.ENVIRONMENT_ID, settings.environmentId());
              settings
                  .stsEndpoint()
                  .ifPresent(s -> conf.put(HabaneroCredentialsProvider.STS_ENDPOINT, s));
            });
    return conf;
  }

  /** Sets the S3A keys of {@code settings} in the session, unless already set there. */
  public static void apply(SparkSession spark, HabaneroSettings settings) {
    for (Map.Entry<String, String> e : of(settings).entrySet()) {
      if (spark.conf().getOption(e.getKey()).isEmpty()
          && spark.conf().getOption("spark.hadoop." + e.getKey()).isEmpty()) {
        spark.conf().set(e.getKey(), e.getValue());
      }
    }
  }
}
