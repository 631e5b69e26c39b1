package io.habanero.jobs.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Raw HTTP to the endpoint, signed as a client signs (the SDK's own SigV4 signer), for what the SDK
 * clients cannot send: the 2021-05 route, hostile requests, tampered or stale signatures.
 */
final class SignedHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** A response: status, headers, body. */
  record Reply(int status, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + body;
    }
  }

  private final URI endpoint;

  SignedHttp(URI endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * A request signed with {@code identity} at {@code clock}'s time for {@code service}; {@code
   * tamper} may change the signed request's headers, and {@code sentBody} (if not null) is sent
   * instead of the signed {@code body}.
   */
  Reply send(
      String method,
      String pathAndQuery,
      String body,
      AwsCredentialsIdentity identity,
      Clock clock,
      String service,
      UnaryOperator<SdkHttpRequest> tamper,
      String sentBody) {
    URI u = endpoint.resolve(pathAndQuery);
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.fromValue(method))
            .protocol("http")
            .host(u.getHost())
            .port(u.getPort())
            .encodedPath(u.getRawPath())
            .putHeader("Content-Type", "application/json");
    if (u.getRawQuery() != null) {
      for (String pair : u.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        b.appendRawQueryParameter(
            WireRequest.decode(pair.substring(0, eq)), WireRequest.decode(pair.substring(eq + 1)));
      }
    }
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(identity)
                        .request(b.build())
                        .payload(ContentStreamProvider.fromByteArray(bytes))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, clock))
            .request();
    return unsigned(method, u, tamper.apply(signed).headers(), sentBody == null ? body : sentBody);
  }

  Reply send(String method, String pathAndQuery, String body, AwsCredentialsIdentity identity) {
    return send(
        method, pathAndQuery, body, identity, Clock.systemUTC(), "finspace-api", r -> r, null);
  }

  /** Sends exactly these headers (none added but what java.net.http adds itself). */
  Reply unsigned(String method, URI u, Map<String, List<String>> headers, String body) {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(u)
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(
        (k, vs) -> {
          if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
            vs.forEach(v -> rb.header(k, v));
          }
        });
    try {
      HttpResponse<String> r = HTTP.send(rb.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
