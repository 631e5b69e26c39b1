package io.habanero.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * GET requests to the endpoint's later (2021-11) routes, which finspacedata 2.16.59 has no
 * operations for, signed with that SDK's own SigV4 signer ({@link Aws4Signer}) for the service
 * {@code finspace-api} and sent with its Apache HTTP client.
 */
final class SignedHttp implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A response: status, the error type header (if any) and the body as JSON. */
  record Response(int status, String errorType, JsonNode body) {}

  private final URI endpoint;
  private final AwsCredentials credentials;
  private final SdkHttpClient http = ApacheHttpClient.builder().build();

  SignedHttp(URI endpoint, AwsCredentials credentials) {
    this.endpoint = endpoint;
    this.credentials = credentials;
  }

  Response get(String encodedPath) {
    SdkHttpFullRequest unsigned =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(endpoint)
            .encodedPath(encodedPath)
            .build();
    SdkHttpFullRequest signed =
        Aws4Signer.create()
            .sign(
                unsigned,
                Aws4SignerParams.builder()
                    .awsCredentials(credentials)
                    .signingName("finspace-api")
                    .signingRegion(Region.US_EAST_1)
                    .build());
    try {
      HttpExecuteResponse r =
          http.prepareRequest(HttpExecuteRequest.builder().request(signed).build()).call();
      String body = "";
      if (r.responseBody().isPresent()) {
        try (InputStream in = r.responseBody().get()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      return new Response(
          r.httpResponse().statusCode(),
          r.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse(null),
          body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
