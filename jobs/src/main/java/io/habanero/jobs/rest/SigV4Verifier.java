package io.habanero.jobs.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.CredentialUtils;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;

/**
 * Checks a request's AWS Signature Version 4 for the service name {@value #SERVICE}. The signature
 * is recomputed with the AWS SDK's own signer ({@link Aws4Signer}) over the request as it arrived
 * (method, encoded path, query, the headers the client signed, the body), at the request's own
 * {@code X-Amz-Date}, and compared in constant time.
 *
 * <p>{@link Aws4Signer} signs exactly the headers it is given, as the signature's definition does.
 * The SDK's newer {@code AwsV4HttpSigner} always adds and signs {@code x-amz-content-sha256}, so
 * with it the request of any client that does not sign that header (the AWS SDK for Java before its
 * 2.2x signer, such as finspacedata 2.16.59, and botocore outside S3) could never verify. A request
 * more than {@link #MAX_SKEW} from this endpoint's clock is refused, and so is a body whose hash
 * differs from a declared {@code x-amz-content-sha256}.
 */
final class SigV4Verifier {
  static final String SERVICE = "finspace-api";
  static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);

  private final EndpointCredentials credentials;
  private final Clock clock;

  @SuppressWarnings("deprecation") // see the class comment: the newer signer adds a header
  private final Aws4Signer signer = Aws4Signer.create();

  SigV4Verifier(EndpointCredentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
  }

  /**
   * Verifies {@code req}'s signature.
   *
   * @return the access key id that signed it
   * @throws WireError a 403 with the AWS error type of the failure
   */
  String verify(WireRequest req) {
    String auth = req.header("authorization");
    if (auth == null || auth.isBlank()) {
      throw WireError.missingAuthentication();
    }
    if (!auth.startsWith(ALGORITHM + " ")) {
      throw WireError.incompleteSignature(
          "the Authorization header does not start with '" + ALGORITHM + "'");
    }
    Map<String, String> parts = parts(auth.substring(ALGORITHM.length() + 1));
    String credential = require(parts, "Credential");
    String signedHeaders = require(parts, "SignedHeaders");
    String signature = require(parts, "Signature");
    String[] scope = credential.split("/", -1);
    if (scope.length != 5 || scope[0].isEmpty()) {
      throw WireError.incompleteSignature(
          "Credential must be <access key id>/<date>/<region>/<service>/aws4_request");
    }
    String accessKeyId = scope[0];
    String region = scope[2];
    if (region.isBlank()) {
      throw WireError.incompleteSignature("the credential scope names no region");
    }
    if (!SERVICE.equals(scope[3]) || !"aws4_request".equals(scope[4])) {
      throw WireError.invalidSignature(
          "the credential scope names service '"
              + WireError.clip(scope[3])
              + "'; this endpoint is '"
              + SERVICE
              + "'");
    }
    String amzDate = req.header("x-amz-date");
    if (amzDate == null) {
      throw WireError.incompleteSignature("the X-Amz-Date header is missing");
    }
    Instant signedAt;
    try {
      signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw WireError.incompleteSignature("X-Amz-Date is not of the form yyyyMMddTHHmmssZ");
    }
    if (!amzDate.startsWith(scope[1])) {
      throw WireError.invalidSignature("the credential scope's date is not X-Amz-Date's date");
    }
    if (Duration.between(signedAt, clock.instant()).abs().compareTo(MAX_SKEW) > 0) {
      throw WireError.signatureExpired(amzDate, MAX_SKEW.toMinutes());
    }
    List<String> signed = Arrays.asList(signedHeaders.split(";", -1));
    if (!signed.contains("host")) {
      throw WireError.incompleteSignature("SignedHeaders must include host");
    }
    String payloadHash = sha256Hex(req.body());
    String declared = req.header("x-amz-content-sha256");
    if (declared != null && !declared.equalsIgnoreCase(payloadHash)) {
      throw WireError.invalidSignature(
          "the body's SHA-256 is not the x-amz-content-sha256 header's value");
    }
    // Unknown keys and expired issued credentials are refused before any signing work.
    AwsCredentialsIdentity identity =
        credentials.identity(accessKeyId, req.header("x-amz-security-token"));

    @SuppressWarnings("deprecation")
    SdkHttpFullRequest expected =
        signer.sign(
            canonicalRequest(req, signed),
            Aws4SignerParams.builder()
                .awsCredentials(CredentialUtils.toCredentials(identity))
                .signingName(SERVICE)
                .signingRegion(Region.of(region))
                .signingClockOverride(Clock.fixed(signedAt, ZoneOffset.UTC))
                .build());
    Map<String, String> ours =
        parts(
            expected
                .firstMatchingHeader("Authorization")
                .orElseThrow()
                .substring(ALGORITHM.length() + 1));
    if (!signedHeaders.equals(ours.get("SignedHeaders"))) {
      throw WireError.invalidSignature(
          "the request signs headers '"
              + WireError.clip(signedHeaders)
              + "', which are not the request's own ('"
              + ours.get("SignedHeaders")
              + "')");
    }
    if (!MessageDigest.isEqual(
        signature.getBytes(StandardCharsets.US_ASCII),
        ours.get("Signature").getBytes(StandardCharsets.US_ASCII))) {
      throw WireError.invalidSignature("the signature does not match");
    }
    return accessKeyId;
  }

  /** The request with only the headers the client signed, for the signer to sign again. */
  private static SdkHttpFullRequest canonicalRequest(WireRequest req, List<String> signed) {
    String host = req.header("host");
    if (host == null) {
      throw WireError.incompleteSignature("the Host header is missing");
    }
    byte[] body = req.body();
    SdkHttpFullRequest.Builder b =
        SdkHttpFullRequest.builder()
            .method(method(req.method()))
            .protocol("http")
            .encodedPath(req.rawPath())
            .contentStreamProvider(() -> new java.io.ByteArrayInputStream(body));
    int colon = host.lastIndexOf(':');
    if (colon > 0 && colon > host.lastIndexOf(']')) {
      b.host(host.substring(0, colon));
      try {
        b.port(Integer.parseInt(host.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw WireError.incompleteSignature("the Host header's port is not a number");
      }
    } else {
      b.host(host).port(80);
    }
    req.query().forEach(b::appendRawQueryParameter);
    for (String name : signed) {
      List<String> values = req.headers().get(name);
      if (values == null) {
        throw WireError.incompleteSignature(
            "signed header '" + WireError.clip(name) + "' is not in the request");
      }
      if (!name.equals("host")) {
        b.putHeader(name, values);
      }
    }
    return b.build();
  }

  private static SdkHttpMethod method(String m) {
    try {
      return SdkHttpMethod.fromValue(m);
    } catch (IllegalArgumentException e) {
      throw WireError.unknownRoute(m, "");
    }
  }

  private static Map<String, String> parts(String s) {
    Map<String, String> out = new HashMap<>();
    for (String p : s.split(",")) {
      String t = p.trim();
      int eq = t.indexOf('=');
      if (eq > 0) {
        out.put(t.substring(0, eq), t.substring(eq + 1));
      }
    }
    return out;
  }

  private static String require(Map<String, String> parts, String name) {
    String v = parts.get(name);
    if (v == null || v.isEmpty()) {
      throw WireError.incompleteSignature("the Authorization header has no " + name);
    }
    return v;
  }

  static String sha256Hex(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JVM", e);
    }
  }
}
