package io.habanero.jobs.rest;

import io.habanero.Habanero;
import io.habanero.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;

/**
 * A REST endpoint in this JVM on the shared SparkSession, with its own warehouse, the operator's
 * keys below, and a clock the test can move (credential expiry; signatures use the real time).
 */
final class EndpointFixture implements AutoCloseable {
  static final String KEY = "AKIDHABANEROTEST0001";
  static final String SECRET = "operator-secret-" + "x".repeat(24);

  /** A clock that starts at the real time and can be moved forward. */
  static final class MovableClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    void advance(Duration d) {
      offset = offset.plus(d);
    }

    void reset() {
      offset = Duration.ZERO;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }

  final Path warehouse;
  final Habanero habanero;
  final RestEndpoint endpoint;
  final MovableClock clock = new MovableClock();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  EndpointFixture(Path warehouse, RestEndpoint.Config config) throws java.io.IOException {
    this(warehouse, config, Map.of());
  }

  /** With Habanero settings beyond the warehouse, e.g. {@code role-arn}. */
  EndpointFixture(Path warehouse, RestEndpoint.Config config, Map<String, String> settings)
      throws java.io.IOException {
    this.warehouse = warehouse;
    Map<String, String> all = new java.util.HashMap<>(settings);
    all.put("warehouse", warehouse.toString());
    this.habanero = Habanero.forSession(SharedSpark.get(), io.habanero.HabaneroSettings.of(all));
    PrintStream err = new PrintStream(new TeeStream(log, System.err), true, StandardCharsets.UTF_8);
    this.endpoint = RestEndpoint.start(config, habanero, clock, err);
  }

  static RestEndpoint.Config config() {
    return RestEndpoint.Config.defaults(KEY, SECRET).withAddress("127.0.0.1", 0);
  }

  URI uri() {
    return endpoint.uri();
  }

  /** What the endpoint logged so far. */
  String log() {
    return log.toString(StandardCharsets.UTF_8);
  }

  FinspaceDataClient client() {
    return client(AwsBasicCredentials.create(KEY, SECRET), false);
  }

  FinspaceDataClient client(AwsCredentials credentials, boolean retries) {
    return FinspaceDataClient.builder()
        .endpointOverride(uri())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(credentials))
        .httpClient(ApacheHttpClient.builder().build())
        .overrideConfiguration(
            o -> o.retryPolicy(retries ? RetryPolicy.defaultRetryPolicy() : RetryPolicy.none()))
        .build();
  }

  static AwsCredentials session(String key, String secret, String token) {
    return AwsSessionCredentials.create(key, secret, token);
  }

  @Override
  public void close() {
    endpoint.close();
  }

  /** Copies what is written to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
