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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.regions.Region;

/**
 * Checks a request's AWS Signature Version 4 for the service name {@value #SERVICE}. The signature
 * is recomputed with the AWS SDK's own signers over the request as it arrived (method, encoded
 * path, query, exactly the headers the client signed, the body), at the request's own {@code
 * X-Amz-Date}, and compared in constant time; no SigV4 arithmetic is written here.
 *
 * <p>Two SDK signers, because clients differ in one header. The SDK's current {@link
 * AwsV4HttpSigner} always adds and signs {@code x-amz-content-sha256}, as the AWS SDK for Java 2.2x
 * clients do; botocore (boto3) and SDK for Java 2.16 sign plain SigV4 without that header, which
 * {@code AwsV4HttpSigner} cannot reproduce. A request that signed {@code x-amz-content-sha256} is
 * checked with {@code AwsV4HttpSigner}, any other with the SDK's SigV4 signer of that protocol
 * ({@code software.amazon.awssdk.auth.signer.Aws4Signer}, which adds no header).
 *
 * <p>A request more than {@link #MAX_SKEW} from this endpoint's clock is refused, and so is a body
 * whose hash differs from a declared {@code x-amz-content-sha256}.
 */
final class SigV4Verifier {
  static final String SERVICE = "finspace-api";
  static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);

  private final EndpointCredentials credentials;
  private final Clock clock;
  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

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
    if (region.isEmpty() || !region.matches("[a-z0-9-]{1,32}")) {
      throw WireError.incompleteSignature(
          "the credential scope's region '" + WireError.clip(region) + "' is not a region name");
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

    SdkHttpFullRequest canonical = canonicalRequest(req, signed);
    String ours =
        signed.contains("x-amz-content-sha256")
            ? sdkV4Signature(canonical, identity, region, signedAt, req.body())
            : plainV4Signature(canonical, identity, region, signedAt);
    Map<String, String> recomputed = parts(ours.substring(ALGORITHM.length() + 1));
    if (!signedHeaders.equals(recomputed.get("SignedHeaders"))) {
      throw WireError.invalidSignature(
          "the request signs headers '"
              + WireError.clip(signedHeaders)
              + "', which are not the request's own ('"
              + recomputed.get("SignedHeaders")
              + "')");
    }
    if (!MessageDigest.isEqual(
        signature.getBytes(StandardCharsets.US_ASCII),
        recomputed.get("Signature").getBytes(StandardCharsets.US_ASCII))) {
      throw WireError.invalidSignature("the signature does not match");
    }
    return accessKeyId;
  }

  /** The request with only the headers the client signed, for a signer to sign again. */
  private static SdkHttpFullRequest canonicalRequest(WireRequest req, List<String> signed) {
    String host = req.header("host");
    if (host == null) {
      throw WireError.incompleteSignature("the Host header is missing");
    }
    SdkHttpFullRequest.Builder b =
        SdkHttpFullRequest.builder()
            .contentStreamProvider(ContentStreamProvider.fromByteArrayUnsafe(req.body()))
            .method(method(req.method()))
            .protocol("http")
            .encodedPath(req.rawPath());
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

  /** The Authorization header {@link AwsV4HttpSigner} computes for {@code r}. */
  private static String sdkV4Signature(
      SdkHttpFullRequest r,
      AwsCredentialsIdentity identity,
      String region,
      Instant signedAt,
      byte[] body) {
    SignedRequest s =
        AwsV4HttpSigner.create()
            .sign(
                x ->
                    x.identity(identity)
                        .request(r)
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(
                            HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)));
    return s.request().firstMatchingHeader("Authorization").orElseThrow();
  }

  /** The Authorization header the SDK's plain SigV4 signer (no added header) computes. */
  @SuppressWarnings("deprecation") // the SDK's SigV4 signer that adds no x-amz-content-sha256
  private static String plainV4Signature(
      SdkHttpFullRequest r, AwsCredentialsIdentity identity, String region, Instant signedAt) {
    AwsCredentials creds =
        identity instanceof AwsSessionCredentialsIdentity session
            ? AwsSessionCredentials.create(
                session.accessKeyId(), session.secretAccessKey(), session.sessionToken())
            : AwsBasicCredentials.create(identity.accessKeyId(), identity.secretAccessKey());
    SdkHttpFullRequest s =
        Aws4Signer.create()
            .sign(
                r,
                Aws4SignerParams.builder()
                    .awsCredentials(creds)
                    .signingName(SERVICE)
                    .signingRegion(Region.of(region))
                    .doubleUrlEncode(true)
                    .signingClockOverride(Clock.fixed(signedAt, ZoneOffset.UTC))
                    .build());
    return s.firstMatchingHeader("Authorization").orElseThrow();
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
