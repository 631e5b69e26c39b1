package io.habanero.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

/** The STS stub and the S3 server, driven by the real AWS SDK v2 clients. */
@Timeout(120)
class S3ServerAndStsStubTest {
  private static final String ROLE = "arn:aws:iam::123456789012:role/habanero-reader";
  private static final Region REGION = Region.US_EAST_1;

  @TempDir static Path tmp;
  private static StsStub sts;
  private static S3Server s3;

  @BeforeAll
  static void startServers() throws IOException {
    sts = StsStub.start(tmp.resolve("tokens"));
    s3 = S3Server.start(sts, tmp.resolve("data"));
    System.out.println("S3 server started in " + s3.startupTime().toMillis() + " ms");
  }

  @AfterAll
  static void stopServers() {
    if (s3 != null) {
      System.out.println("S3 server log tail:\n" + s3.logTail());
      s3.close();
      assertThat(s3.isAlive()).isFalse();
    }
    if (sts != null) {
      sts.close();
    }
  }

  @BeforeEach
  void resetStub() {
    sts.setCredentialLifetime(null);
    sts.setThrottling(false);
  }

  @Test
  void serversListenOnLoopbackOnly() {
    assertThat(s3.endpoint().getHost()).isEqualTo("127.0.0.1");
    assertThat(sts.endpoint().getHost()).isEqualTo("127.0.0.1");
    assertThat(s3.isAlive()).isTrue();
    assertThat(s3.startupTime()).isLessThan(S3Server.DEFAULT_STARTUP_TIMEOUT);
  }

  @Test
  void aChildThatCannotStartFailsFastWithItsStderr() {
    String saved = System.getProperty(S3Server.CLASSPATH_PROPERTY);
    System.setProperty(S3Server.CLASSPATH_PROPERTY, tmp.resolve("no-such.jar").toString());
    try {
      assertThatThrownBy(
              () ->
                  S3Server.builder()
                      .dataDirectory(tmp.resolve("never"))
                      .startupTimeout(Duration.ofSeconds(30))
                      .start())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("before READY")
          .hasMessageContaining("S3ProxyMain");
    } finally {
      if (saved == null) {
        System.clearProperty(S3Server.CLASSPATH_PROPERTY);
      } else {
        System.setProperty(S3Server.CLASSPATH_PROPERTY, saved);
      }
    }
  }

  @Test
  void temporaryCredentialsCreateABucketAndPutAndGetAnObject() {
    sts.setCredentialLifetime(Duration.ofSeconds(60));
    int callsBefore = sts.assumeRoleCount();
    Instant before = Instant.now();

    Credentials creds = assumeRole("put-get", 3600).credentials();

    assertThat(sts.assumeRoleCount()).isEqualTo(callsBefore + 1);
    assertThat(sts.lastRoleSessionName()).contains("put-get");
    assertThat(sts.lastDurationSeconds()).hasValue(3600);
    assertThat(sts.lastRoleArn()).contains(ROLE);
    assertThat(creds.accessKeyId()).isEqualTo(sts.accessKeyId());
    assertThat(creds.secretAccessKey()).isEqualTo(sts.secretAccessKey());
    assertThat(creds.sessionToken()).isNotBlank().isEqualTo(sts.lastSessionToken().orElseThrow());
    // The configured 60 s lifetime wins over the 3600 s asked for.
    assertThat(creds.expiration()).isBetween(before.plusSeconds(58), Instant.now().plusSeconds(61));

    try (S3Client client = s3Client(session(creds))) {
      client.createBucket(b -> b.bucket("put-get"));
      client.putObject(
          r -> r.bucket("put-get").key("dir/hello.txt"), RequestBody.fromString("hello, S3"));

      String body =
          client.getObjectAsBytes(r -> r.bucket("put-get").key("dir/hello.txt")).asUtf8String();
      assertThat(body).isEqualTo("hello, S3");
      assertThat(client.listObjectsV2(r -> r.bucket("put-get").prefix("dir/")).contents())
          .extracting(S3Object::key)
          .containsExactly("dir/hello.txt");
      assertThat(client.listBuckets().buckets()).anyMatch(b -> b.name().equals("put-get"));
    }
  }

  @Test
  void aBucketMadeWithTheHelperIsUsableAndPrivate() throws Exception {
    s3.createBucket("helper-made");
    sts.setCredentialLifetime(Duration.ofSeconds(60));
    Credentials creds = assumeRole("helper", 900).credentials();
    try (S3Client client = s3Client(session(creds))) {
      client.putObject(r -> r.bucket("helper-made").key("k"), RequestBody.fromString("v"));
      assertThat(client.getObjectAsBytes(r -> r.bucket("helper-made").key("k")).asUtf8String())
          .isEqualTo("v");
    }
    // A valid token but no signature: S3Proxy's anonymous access must not expose the bucket.
    assertThat(
            httpGet(s3.endpoint() + "/helper-made/k?X-Amz-Security-Token=" + creds.sessionToken())
                .status)
        .isEqualTo(403);
  }

  @Test
  void aWrongSecretIsRejectedWithSignatureDoesNotMatch() {
    sts.setCredentialLifetime(Duration.ofSeconds(60));
    Credentials creds = assumeRole("wrong-secret", 900).credentials();
    s3Bucket(creds, "wrong-secret");
    AwsSessionCredentials wrong =
        AwsSessionCredentials.create(
            creds.accessKeyId(), creds.secretAccessKey() + "x", creds.sessionToken());

    try (S3Client client = s3Client(StaticCredentialsProvider.create(wrong))) {
      assertThatThrownBy(() -> client.listObjectsV2(r -> r.bucket("wrong-secret")))
          .isInstanceOfSatisfying(
              S3Exception.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
              });
    }
  }

  @Test
  void requestsFailWithExpiredTokenOnceTheCredentialsExpire() throws Exception {
    sts.setCredentialLifetime(Duration.ofSeconds(3));
    Credentials creds = assumeRole("expiring", 3600).credentials();
    assertThat(creds.expiration()).isBefore(Instant.now().plusSeconds(4));

    try (S3Client client = s3Client(session(creds))) {
      client.createBucket(b -> b.bucket("expiring"));
      client.putObject(r -> r.bucket("expiring").key("a"), RequestBody.fromString("a"));

      // Bounded wait: until just past the Expiration STS returned (at most 10 s).
      Instant deadline = Instant.now().plusSeconds(10);
      while (!Instant.now().isAfter(creds.expiration()) && Instant.now().isBefore(deadline)) {
        Thread.sleep(100);
      }
      assertThat(Instant.now()).isAfter(creds.expiration());

      assertThatThrownBy(() -> client.getObjectAsBytes(r -> r.bucket("expiring").key("a")))
          .isInstanceOfSatisfying(
              S3Exception.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredToken");
              });
    }
  }

  @Test
  void expireAllCredentialsTakesEffectAtOnce() throws Exception {
    sts.setCredentialLifetime(Duration.ofSeconds(60));
    Credentials creds = assumeRole("revoked", 900).credentials();
    try (S3Client client = s3Client(session(creds))) {
      client.createBucket(b -> b.bucket("revoked"));
      assertThat(sts.expireAllCredentials()).isPositive();
      assertThatThrownBy(() -> client.listObjectsV2(r -> r.bucket("revoked")))
          .isInstanceOfSatisfying(
              S3Exception.class,
              e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredToken"));
    }
  }

  @Test
  void unknownOrMissingSessionTokensAreRejectedWithInvalidToken() {
    AwsCredentials unknown =
        AwsSessionCredentials.create(sts.accessKeyId(), sts.secretAccessKey(), "not-issued");
    AwsCredentials none = AwsBasicCredentials.create(sts.accessKeyId(), sts.secretAccessKey());
    for (AwsCredentials c : new AwsCredentials[] {unknown, none}) {
      try (S3Client client = s3Client(StaticCredentialsProvider.create(c))) {
        assertThatThrownBy(client::listBuckets)
            .isInstanceOfSatisfying(
                S3Exception.class,
                e -> {
                  assertThat(e.statusCode()).isEqualTo(403);
                  assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidToken");
                });
      }
    }
  }

  @Test
  void presignedUrlsCarryTheTokenInTheQueryAndExpireWithIt() throws Exception {
    sts.setCredentialLifetime(Duration.ofSeconds(60));
    Credentials creds = assumeRole("presign", 900).credentials();
    s3Bucket(creds, "presign");
    try (S3Client client = s3Client(session(creds))) {
      client.putObject(r -> r.bucket("presign").key("p.txt"), RequestBody.fromString("signed"));
    }
    String url;
    try (S3Presigner presigner =
        S3Presigner.builder()
            .endpointOverride(s3.endpoint())
            .region(REGION)
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .credentialsProvider(session(creds))
            .build()) {
      url =
          presigner
              .presignGetObject(
                  p ->
                      p.signatureDuration(Duration.ofMinutes(5))
                          .getObjectRequest(
                              GetObjectRequest.builder().bucket("presign").key("p.txt").build()))
              .url()
              .toString();
    }
    assertThat(url).contains("X-Amz-Security-Token=");

    Http ok = httpGet(url);
    assertThat(ok.status).isEqualTo(200);
    assertThat(ok.body).isEqualTo("signed");

    sts.expireAllCredentials();
    Http expired = httpGet(url);
    assertThat(expired.status).isEqualTo(403);
    assertThat(expired.body).contains("<Code>ExpiredToken</Code>");
  }

  @Test
  void aDeniedRoleGivesAccessDenied() {
    String denied = "arn:aws:iam::123456789012:role/not-for-you";
    sts.denyRole(denied);
    try (StsClient client = stsClient()) {
      assertThatThrownBy(
              () ->
                  client.assumeRole(
                      r -> r.roleArn(denied).roleSessionName("denied").durationSeconds(900)))
          .isInstanceOfSatisfying(
              StsException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                assertThat(e.awsErrorDetails().errorMessage()).contains(denied);
              });
    } finally {
      sts.allowRole(denied);
    }
  }

  @Test
  void throttlingGivesAThrottlingError() {
    sts.setThrottling(true);
    int before = sts.assumeRoleCount();
    try (StsClient client = stsClient()) {
      assertThatThrownBy(() -> client.assumeRole(r -> r.roleArn(ROLE).roleSessionName("t")))
          .isInstanceOfSatisfying(
              StsException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(400);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("Throttling");
              });
    }
    assertThat(sts.assumeRoleCount()).isEqualTo(before + 1);
    assertThat(sts.lastDurationSeconds()).isEmpty();
  }

  @Test
  void theSdksRefreshingProviderOutlivesShortCredentials() throws Exception {
    sts.setCredentialLifetime(Duration.ofSeconds(2));
    int before = sts.assumeRoleCount();
    try (StsClient stsClient = stsClient();
        StsAssumeRoleCredentialsProvider provider =
            StsAssumeRoleCredentialsProvider.builder()
                .stsClient(stsClient)
                .refreshRequest(r -> r.roleArn(ROLE).roleSessionName("refreshing"))
                .asyncCredentialUpdateEnabled(false)
                .build();
        S3Client client = s3Client(provider)) {
      client.createBucket(b -> b.bucket("refreshing"));
      Thread.sleep(2500); // past the first credentials' expiry
      client.putObject(r -> r.bucket("refreshing").key("x"), RequestBody.fromString("x"));
    }
    assertThat(sts.assumeRoleCount()).isGreaterThanOrEqualTo(before + 2);
  }

  private static AssumeRoleResponse assumeRole(String sessionName, int durationSeconds) {
    try (StsClient client = stsClient()) {
      return client.assumeRole(
          AssumeRoleRequest.builder()
              .roleArn(ROLE)
              .roleSessionName(sessionName)
              .durationSeconds(durationSeconds)
              .build());
    }
  }

  private static void s3Bucket(Credentials creds, String bucket) {
    try (S3Client client = s3Client(session(creds))) {
      client.createBucket(b -> b.bucket(bucket));
    }
  }

  private static StsClient stsClient() {
    return StsClient.builder()
        .endpointOverride(sts.endpoint())
        .region(REGION)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIACALLER0000000000", "caller-secret")))
        .httpClientBuilder(ApacheHttpClient.builder())
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  private static S3Client s3Client(AwsCredentialsProvider credentials) {
    return S3Client.builder()
        .endpointOverride(s3.endpoint())
        .region(REGION)
        .forcePathStyle(true)
        .credentialsProvider(credentials)
        .httpClientBuilder(ApacheHttpClient.builder())
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  private static AwsCredentialsProvider session(Credentials c) {
    return StaticCredentialsProvider.create(
        AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()));
  }

  private record Http(int status, String body) {}

  private static Http httpGet(String url) throws IOException {
    HttpURLConnection conn = (HttpURLConnection) new URL(url).openConnection();
    conn.setConnectTimeout(5000);
    conn.setReadTimeout(10000);
    try {
      int status = conn.getResponseCode();
      InputStream in = status < 400 ? conn.getInputStream() : conn.getErrorStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Http(status, body);
    } finally {
      conn.disconnect();
    }
  }
}
