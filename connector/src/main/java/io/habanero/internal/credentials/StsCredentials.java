package io.habanero.internal.credentials;

import io.habanero.HabaneroSettings;
import io.habanero.internal.ErrorClassifier;
import io.habanero.model.Credentials;
import java.net.URI;
import java.time.Instant;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;

/** GetProgrammaticAccessCredentials through STS AssumeRole of the environment's role. */
public final class StsCredentials {
  private StsCredentials() {}

  /**
   * Assumes {@code roleArn} for {@code minutes}. The session name identifies Habanero and the
   * environment. STS errors map to the model's exceptions; messages never include secrets.
   */
  public static Credentials assume(HabaneroSettings settings, String roleArn, long minutes) {
    return assumeWithExpiry(settings, roleArn, minutes).credentials();
  }

  /** Credentials and the expiry STS gave them. */
  public record Issued(Credentials credentials, Instant expiration) {}

  /** As {@link #assume}, with the expiry STS reported. */
  public static Issued assumeWithExpiry(HabaneroSettings settings, String roleArn, long minutes) {
    SecretSafeLogging.apply();
    StsClientBuilder builder = StsClient.builder().region(Region.of(settings.region()));
    settings.stsEndpoint().ifPresent(e -> builder.endpointOverride(URI.create(e)));
    try (StsClient sts = builder.build()) {
      AssumeRoleResponse resp =
          sts.assumeRole(
              AssumeRoleRequest.builder()
                  .roleArn(roleArn)
                  .roleSessionName("habanero-" + settings.environmentId())
                  .durationSeconds((int) (minutes * 60))
                  .build());
      return new Issued(
          new Credentials(
              resp.credentials().accessKeyId(),
              resp.credentials().secretAccessKey(),
              resp.credentials().sessionToken()),
          resp.credentials().expiration());
    } catch (SdkException e) {
      // STS's refusals (StsException) by status and code; no answer at all as unreachable.
      throw ErrorClassifier.classifySts(e, roleArn, HabaneroSettings.Key.STS_ENDPOINT.confKey());
    }
  }
}
