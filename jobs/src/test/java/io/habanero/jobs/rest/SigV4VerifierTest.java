package io.habanero.jobs.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.model.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Signatures as botocore computes them (SigV4Auth, service finspace-api, us-east-1, at
 * 2015-08-30T12:36:00Z with AWS's example key), which sends no x-amz-content-sha256 header (AWS's
 * "get-vanilla" vector is the first), and the current Java SDK signer, which does.
 */
class SigV4VerifierTest {
  static final String KEY = "AKIDEXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  static final String DATE = "20150830T123600Z";
  static final Clock AT = Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC);

  final SigV4Verifier verifier = new SigV4Verifier(new EndpointCredentials(KEY, SECRET, AT), AT);

  static WireRequest request(
      String method,
      String host,
      String path,
      String query,
      String contentType,
      String body,
      String signedHeaders,
      String signature) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("host", List.of(host));
    h.put("x-amz-date", List.of(DATE));
    if (contentType != null) {
      h.put("content-type", List.of(contentType));
    }
    h.put(
        "authorization",
        List.of(
            "AWS4-HMAC-SHA256 Credential="
                + KEY
                + "/20150830/us-east-1/finspace-api/aws4_request, SignedHeaders="
                + signedHeaders
                + ", Signature="
                + signature));
    return new WireRequest(method, path, query, h, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void acceptsBotocoreSignaturesWithoutAContentHashHeader() {
    assertThat(
            verifier.verify(
                request(
                    "GET",
                    "example.amazonaws.com",
                    "/",
                    null,
                    null,
                    "",
                    "host;x-amz-date",
                    "da3efe05b034b50d7dfd10c71550ee796b08fd5c3ec936c53e92673a9dabf656")))
        .isEqualTo(KEY);
    // An encoded path segment (signed encoded once more) and an encoded query, sorted.
    assertThat(
            verifier.verify(
                request(
                    "GET",
                    "127.0.0.1:9090",
                    "/datasets/a%20b/changesetsv2",
                    "maxResults=1&nextToken=x%2By%3D",
                    null,
                    "",
                    "host;x-amz-date",
                    "4aed2cbc426ed94659bfd91d224935a1c57c19717e2ee4b14a97f2075d527742")))
        .isEqualTo(KEY);
    assertThat(
            verifier.verify(
                request(
                    "POST",
                    "127.0.0.1:9090",
                    "/workingLocationV1",
                    null,
                    "application/json",
                    "{\"locationType\": \"INGESTION\"}",
                    "content-type;host;x-amz-date",
                    "bf71122baa4041b7b5c5f540612b3442e42799ff763332543400c8cb95fe33f7")))
        .isEqualTo(KEY);
  }

  @Test
  void refusesAChangedBodyOrAWrongSignature() {
    assertThatThrownBy(
            () ->
                verifier.verify(
                    request(
                        "POST",
                        "127.0.0.1:9090",
                        "/workingLocationV1",
                        null,
                        "application/json",
                        "{\"locationType\": \"SAGEMAKER\"}",
                        "content-type;host;x-amz-date",
                        "bf71122baa4041b7b5c5f540612b3442e42799ff763332543400c8cb95fe33f7")))
        .isInstanceOfSatisfying(
            WireError.class, e -> assertThat(e.type()).isEqualTo("InvalidSignatureException"));
  }

  @Test
  void acceptsTheJavaSdkSignerWithIssuedSessionCredentials() {
    Clock now = Clock.systemUTC();
    EndpointCredentials credentials = new EndpointCredentials(KEY, SECRET, now);
    Credentials issued = credentials.issue(Duration.ofMinutes(60));
    byte[] body = "{\"changeType\":\"APPEND\"}".getBytes(StandardCharsets.UTF_8);
    SdkHttpRequest unsigned =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.POST)
            .protocol("http")
            .host("127.0.0.1")
            .port(9090)
            .encodedPath("/datasets/ds%201/changesetsv2")
            .appendRawQueryParameter("a", "b c")
            .putHeader("Content-Type", "application/json")
            .build();
    SignedRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(
                            AwsSessionCredentialsIdentity.create(
                                issued.accessKeyId(),
                                issued.secretAccessKey(),
                                issued.sessionToken()))
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "finspace-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1"));
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("host", List.of("127.0.0.1:9090"));
    signed.request().forEachHeader((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
    assertThat(headers).containsKeys("x-amz-content-sha256", "x-amz-security-token");
    WireRequest arrived =
        new WireRequest("POST", "/datasets/ds%201/changesetsv2", "a=b%20c", headers, body);
    assertThat(new SigV4Verifier(credentials, now).verify(arrived)).isEqualTo(issued.accessKeyId());
  }
}
