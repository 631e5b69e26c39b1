package io.habanero.jobs.rest;

import io.habanero.model.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The keys the endpoint accepts: the operator's key pair, and the temporary credentials it handed
 * out through GetProgrammaticAccessCredentials until they expire. Everything lives in this
 * process's memory only; nothing here is ever written, logged or printed.
 */
final class EndpointCredentials {
  /** At most this many issued credentials are kept; expired ones are dropped first. */
  static final int MAX_ISSUED = 10_000;

  private static final char[] KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

  private record Entry(String secret, String sessionToken, Instant expires) {
    @Override
    public String toString() {
      return "Entry[secret=***, sessionToken=***, expires=" + expires + "]";
    }
  }

  private final String operatorKeyId;
  private final String operatorSecret;
  private final Map<String, Entry> issued = new ConcurrentHashMap<>();
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  EndpointCredentials(String operatorKeyId, String operatorSecret, Clock clock) {
    this.operatorKeyId = operatorKeyId;
    this.operatorSecret = operatorSecret;
    this.clock = clock;
  }

  /**
   * The identity that signed a request with {@code accessKeyId} (and {@code sessionToken}, which
   * issued credentials need and the operator's key must not carry).
   *
   * @throws WireError UnrecognizedClientException or ExpiredTokenException
   */
  AwsCredentialsIdentity identity(String accessKeyId, String sessionToken) {
    if (accessKeyId.equals(operatorKeyId)) {
      if (sessionToken != null) {
        throw WireError.unrecognizedClient();
      }
      return AwsCredentialsIdentity.create(operatorKeyId, operatorSecret);
    }
    Entry e = issued.get(accessKeyId);
    if (e == null || sessionToken == null || !constantTimeEquals(e.sessionToken, sessionToken)) {
      throw WireError.unrecognizedClient();
    }
    if (!clock.instant().isBefore(e.expires)) {
      issued.remove(accessKeyId, e);
      throw WireError.expiredToken();
    }
    return AwsSessionCredentialsIdentity.create(accessKeyId, e.secret, e.sessionToken);
  }

  /** New random temporary credentials, good for this endpoint for {@code lifetime}. */
  Credentials issue(Duration lifetime) {
    String keyId = "ASIA" + randomKeyChars(16);
    String secret = randomBase64(30); // 40 characters, as AWS secrets
    String token = randomBase64(180);
    remember(new Credentials(keyId, secret, token), clock.instant().plus(lifetime));
    return new Credentials(keyId, secret, token);
  }

  /** Accepts {@code credentials} (e.g. from STS) until {@code expires}. */
  void remember(Credentials credentials, Instant expires) {
    dropExpired();
    if (issued.size() >= MAX_ISSUED) {
      throw WireError.throttledCredentials(MAX_ISSUED);
    }
    issued.put(
        credentials.accessKeyId(),
        new Entry(credentials.secretAccessKey(), credentials.sessionToken(), expires));
  }

  private void dropExpired() {
    Instant now = clock.instant();
    issued.values().removeIf(e -> !now.isBefore(e.expires));
  }

  private String randomKeyChars(int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(KEY_ALPHABET[random.nextInt(KEY_ALPHABET.length)]);
    }
    return b.toString();
  }

  private String randomBase64(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return Base64.getEncoder().withoutPadding().encodeToString(b);
  }

  static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "EndpointCredentials[operatorKeyId=" + operatorKeyId + ", issued=" + issued.size() + "]";
  }
}
