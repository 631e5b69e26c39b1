package io.habanero.jobs.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.testkit.StsStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.AccessDeniedException;
import software.amazon.awssdk.services.finspacedata.model.FinspaceDataException;

/**
 * An environment with a {@code role-arn}: GetProgrammaticAccessCredentials through the endpoint
 * assumes the role through STS (the real awssdk-sts client against a loopback STS stub), and the
 * endpoint then accepts those STS credentials, until they expire.
 */
class RestEndpointStsTest {
  private static final String ROLE = "arn:aws:iam::123456789012:role/finspace-users";
  @TempDir static Path tmp;
  private static StsStub sts;
  private static EndpointFixture f;

  @BeforeAll
  static void start() throws Exception {
    // The base identity that calls STS: the SDK's default chain reads these system properties.
    System.setProperty("aws.accessKeyId", "base-identity");
    System.setProperty("aws.secretAccessKey", "base-identity-secret");
    sts = StsStub.start(tmp.resolve("tokens"));
    f =
        new EndpointFixture(
            tmp.resolve("wh"),
            EndpointFixture.config(),
            Map.of("role-arn", ROLE, "sts.endpoint", sts.endpoint().toString()));
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
    if (sts != null) {
      sts.close();
    }
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void stsCredentialsFromTheEndpointAreAcceptedByItUntilTheyExpire() {
    try (FinspaceDataClient ops = f.client()) {
      var r =
          ops.getProgrammaticAccessCredentials(
              g -> g.environmentId("local").durationInMinutes(90L));
      var c = r.credentials();
      // STS's own credentials, for the role, for the requested duration.
      assertThat(c.accessKeyId()).isEqualTo(sts.accessKeyId());
      assertThat(r.durationInMinutes()).isEqualTo(90L);
      assertThat(sts.lastRoleArn()).contains(ROLE);
      assertThat(sts.lastDurationSeconds().getAsInt()).isEqualTo(90 * 60);

      try (FinspaceDataClient user =
          f.client(
              EndpointFixture.session(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()),
              false)) {
        assertThat(user.getWorkingLocation(g -> {}).s3Uri()).isNotBlank();
        f.clock.advance(Duration.ofMinutes(91));
        try {
          assertThatThrownBy(() -> user.getWorkingLocation(g -> {}))
              .isInstanceOfSatisfying(
                  FinspaceDataException.class,
                  e ->
                      assertThat(e.awsErrorDetails().errorCode())
                          .isEqualTo("ExpiredTokenException"));
        } finally {
          f.clock.reset();
        }
      }

      // A role STS refuses is the model's AccessDeniedException, through the endpoint too.
      sts.denyRole(ROLE);
      try {
        assertThatThrownBy(
                () -> ops.getProgrammaticAccessCredentials(g -> g.environmentId("local")))
            .isInstanceOf(AccessDeniedException.class)
            .hasMessageContaining(ROLE);
      } finally {
        sts.allowRole(ROLE);
      }
    }
  }
}
