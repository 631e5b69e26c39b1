package io.habanero.s3;

import com.amazonaws.auth.AWSCredentials;
import com.amazonaws.auth.AWSCredentialsProvider;
import com.amazonaws.auth.BasicSessionCredentials;
import com.google.common.annotations.VisibleForTesting;
import io.habanero.HabaneroSettings;
import io.habanero.errors.HabaneroException;
import io.habanero.internal.credentials.StsCredentials;
import io.habanero.model.Credentials;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.s3a.auth.NoAuthWithAWSException;

/**
 * S3A credentials from STS AssumeRole of the environment's role, refreshed before they expire, on
 * the driver and on every executor.
 *
 * <p>{@link S3aSettings} names this class in {@code fs.s3a.aws.credentials.provider} and puts the
 * role, region, STS endpoint and session length (never a secret) in the Hadoop configuration that
 * Spark ships to executors. Each JVM then assumes the role itself and keeps one current set of
 * credentials per role: {@link #getCredentials()} returns it while more than a quarter of its
 * lifetime (at most 5 minutes) remains, and otherwise assumes the role again, so no JVM keeps using
 * stale credentials. The base identity for calling STS is the AWS SDK's default chain (instance
 * profile, environment, ...).
 *
 * <p>If a refresh fails, S3A gets a {@link NoAuthWithAWSException} that says why, which it does not
 * retry; the S3 request, and so the changeset, fails at once, before its commit. Neither the secret
 * key nor the session token appears in any message or {@code toString()}.
 */
public final class HabaneroCredentialsProvider implements AWSCredentialsProvider {
  /** Hadoop keys read by this provider. */
  public static final String ROLE_ARN = "fs.s3a.habanero.role-arn";

  public static final String REGION = "fs.s3a.habanero.region";
  public static final String STS_ENDPOINT = "fs.s3a.habanero.sts-endpoint";
  public static final String ENVIRONMENT_ID = "fs.s3a.habanero.environment-id";
  public static final String SESSION_MINUTES = "fs.s3a.habanero.session-minutes";

  private static final Duration MAX_MARGIN = Duration.ofMinutes(5);
  private static final Map<String, Current> CURRENT = new ConcurrentHashMap<>();

  private final String roleArn;
  private final HabaneroSettings settings;
  private final long minutes;

  /** A set of credentials and when it was issued and expires. */
  private record Current(Credentials credentials, Instant issued, Instant expires) {
    boolean fresh(Instant now) {
      Duration life = Duration.between(issued, expires);
      Duration margin =
          life.dividedBy(4).compareTo(MAX_MARGIN) < 0 ? life.dividedBy(4) : MAX_MARGIN;
      return now.plus(margin).isBefore(expires);
    }
  }

  /** The constructor S3A calls. */
  public HabaneroCredentialsProvider(URI uri, Configuration conf) {
    io.habanero.internal.credentials.SecretSafeLogging.apply();
    this.roleArn = conf.getTrimmed(ROLE_ARN, "");
    if (roleArn.isEmpty()) {
      throw new IllegalArgumentException(
          ROLE_ARN
              + " is not set, so Habanero cannot assume a role for S3. Fix: set"
              + " spark.habanero.role-arn (or remove this provider from"
              + " fs.s3a.aws.credentials.provider).");
    }
    Map<String, String> options = new java.util.LinkedHashMap<>();
    options.put(HabaneroSettings.Key.ROLE_ARN.key(), roleArn);
    options.put(HabaneroSettings.Key.REGION.key(), conf.getTrimmed(REGION, "us-east-1"));
    options.put(
        HabaneroSettings.Key.ENVIRONMENT_ID.key(), conf.getTrimmed(ENVIRONMENT_ID, "local"));
    String sts = conf.getTrimmed(STS_ENDPOINT, "");
    if (!sts.isEmpty()) {
      options.put(HabaneroSettings.Key.STS_ENDPOINT.key(), sts);
    }
    this.settings = HabaneroSettings.of(options);
    this.minutes = conf.getLong(SESSION_MINUTES, 60);
  }

  private String key() {
    return roleArn + "|" + settings.stsEndpoint().orElse("") + "|" + settings.environmentId();
  }

  @Override
  public AWSCredentials getCredentials() {
    Current c = CURRENT.get(key());
    if (c == null || !c.fresh(Instant.now())) {
      c = refresh(c);
    }
    Credentials k = c.credentials();
    return new BasicSessionCredentials(k.accessKeyId(), k.secretAccessKey(), k.sessionToken());
  }

  private synchronized Current refresh(Current seen) {
    Current now = CURRENT.get(key());
    if (now != null && now != seen && now.fresh(Instant.now())) {
      return now; // another thread refreshed meanwhile
    }
    try {
      Instant issued = Instant.now();
      StsCredentials.Issued i = StsCredentials.assumeWithExpiry(settings, roleArn, minutes);
      Current fresh = new Current(i.credentials(), issued, i.expiration());
      CURRENT.put(key(), fresh);
      return fresh;
    } catch (HabaneroException e) {
      // S3A's "no credentials" failure: not retried, so the job fails at once.
      throw new NoAuthWithAWSException(
          "Habanero could not refresh the temporary S3 credentials of role "
              + roleArn
              + ": "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void refresh() {
    CURRENT.remove(key());
  }

  /** Forgets every cached credential of this JVM (tests). */
  @VisibleForTesting
  public static void forgetAll() {
    CURRENT.clear();
  }

  @Override
  public String toString() {
    return "HabaneroCredentialsProvider[role=" + roleArn + "]";
  }
}
