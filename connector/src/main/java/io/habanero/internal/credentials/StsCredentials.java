package io.habanero.internal.credentials;

import io.habanero.HabaneroSettings;
import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.InternalServerException;
import io.habanero.errors.ThrottlingException;
import io.habanero.errors.ValidationException;
import io.habanero.model.Credentials;
import java.net.URI;
import java.time.Instant;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.StsException;

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
    } catch (StsException e) {
      throw map(e, roleArn);
    } catch (SdkException e) {
      throw new InternalServerException(
          "STS could not be reached for role "
              + roleArn
              + ": "
              + e.getClass().getSimpleName()
              + ". Fix: check "
              + HabaneroSettings.Key.STS_ENDPOINT.confKey()
              + " and the network.",
          e);
    }
  }

  private static HabaneroException map(StsException e, String roleArn) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String what =
        "STS AssumeRole of " + roleArn + " failed with " + code + " (HTTP " + e.statusCode() + ")";
    if (e.statusCode() == 403 || "AccessDenied".equals(code)) {
      return new AccessDeniedException(what + ". Fix: allow this principal to assume the role.", e);
    }
    if (e.statusCode() == 429 || "Throttling".equals(code) || e.isThrottlingException()) {
      return new ThrottlingException(what + ". Fix: retry later.", e);
    }
    if (e.statusCode() == 400) {
      return new ValidationException(
          what
              + ". Fix: check the role ARN and that durationInMinutes is within the role's maximum session duration.",
          e);
    }
    return new InternalServerException(what + ". Fix: retry later.", e);
  }
}
