package io.habanero.jobs.rest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Checks a request's AWS Signature Version 4 for the service name {@value #SERVICE}. The signature
 * is recomputed over the request as it arrived (method, encoded path, query, exactly the headers
 * the client signed, the body), at the request's own {@code X-Amz-Date}, and compared in constant
 * time. It is computed here rather than by the AWS SDK's {@code AwsV4HttpSigner}: that signer
 * always adds and signs {@code x-amz-content-sha256}, which botocore does not send for this
 * service, so no boto3 request would verify. A request more than {@link #MAX_SKEW} from this
 * endpoint's clock is refused, and so is a body whose hash differs from a declared {@code
 * x-amz-content-sha256}.
 */
final class SigV4Verifier {
  static final String SERVICE = "finspace-api";
  static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);

  private final EndpointCredentials credentials;
  private final Clock clock;

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

    String expected =
        signature(
            identity.secretAccessKey(),
            amzDate,
            scope[1] + "/" + region + "/" + SERVICE + "/aws4_request",
            canonicalRequest(req, signed, payloadHash));
    if (!MessageDigest.isEqual(
        signature.getBytes(StandardCharsets.US_ASCII),
        expected.getBytes(StandardCharsets.US_ASCII))) {
      throw WireError.invalidSignature("the signature does not match");
    }
    return accessKeyId;
  }

  /**
   * The SigV4 canonical request over the headers the client signed, as botocore and the AWS SDK for
   * Java build it for a non-S3 service: the path with dot segments and empty segments removed and
   * encoded once more (the signers' double encoding), the query sorted by encoded name and value,
   * header values trimmed with inner runs of spaces collapsed.
   */
  static String canonicalRequest(WireRequest req, List<String> signed, String payloadHash) {
    StringBuilder headers = new StringBuilder();
    for (String name : signed) {
      List<String> values = req.headers().get(name);
      if (values == null) {
        throw WireError.incompleteSignature(
            "signed header '" + WireError.clip(name) + "' is not in the request");
      }
      headers.append(name).append(':');
      for (int i = 0; i < values.size(); i++) {
        headers.append(i == 0 ? "" : ",").append(values.get(i).trim().replaceAll("\\s+", " "));
      }
      headers.append('\n');
    }
    List<String> query = new ArrayList<>();
    req.query().forEach((k, v) -> query.add(encode(k, false) + "=" + encode(v, false)));
    Collections.sort(query);
    return req.method()
        + "\n"
        + encode(normalizePath(req.rawPath()), true)
        + "\n"
        + String.join("&", query)
        + "\n"
        + headers
        + "\n"
        + String.join(";", signed)
        + "\n"
        + payloadHash;
  }

  /** RFC 3986 dot-segment removal, and consecutive slashes collapsed, as botocore does. */
  static String normalizePath(String path) {
    if (path == null || path.isEmpty()) {
      return "/";
    }
    Deque<String> out = new ArrayDeque<>();
    for (String seg : path.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        out.pollLast();
      } else {
        out.addLast(seg);
      }
    }
    String joined = String.join("/", out);
    return (path.startsWith("/") ? "/" : "")
        + joined
        + (path.endsWith("/") && !out.isEmpty() ? "/" : "");
  }

  /** Percent-encodes all but RFC 3986's unreserved characters (and '/' when {@code path}). */
  static String encode(String s, boolean path) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~'
          || (path && c == '/')) {
        b.append(c);
      } else {
        b.append('%').append(HexFormat.of().withUpperCase().toHexDigits(x));
      }
    }
    return b.toString();
  }

  /** The hex HMAC-SHA256 signature of {@code canonicalRequest} with the SigV4 signing key. */
  static String signature(String secret, String amzDate, String scope, String canonicalRequest) {
    String stringToSign =
        ALGORITHM
            + "\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
    String[] s = scope.split("/", -1);
    byte[] key = ("AWS4" + secret).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 4; i++) {
      key = hmac(key, s[i]);
    }
    return HexFormat.of().formatHex(hmac(key, stringToSign));
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from the JVM", e);
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
