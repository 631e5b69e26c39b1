package io.habanero.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.habanero.testkit.s3.SessionTokenRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback STS that answers {@code AssumeRole} in the AWS query protocol (form-encoded POST, or
 * GET with a query string), with the real response and error XML, so that the real AWS SDK clients
 * (and anything built on them) can be pointed at it with an endpoint override.
 *
 * <p>Every successful call issues the one configured access key id and secret key (the S3 server is
 * started with the same pair) together with a fresh random session token, and registers that token
 * with its expiry in the {@link SessionTokenRegistry} directory that the {@link S3Server} reads on
 * every request. The credentials live for {@link #setCredentialLifetime the configured lifetime} if
 * one is set (it may be shorter than the DurationSeconds asked for, for tests), otherwise for the
 * requested DurationSeconds (3600 s when absent). DurationSeconds is recorded, never validated. The
 * expiry is truncated to whole seconds, like real STS's, so the {@code Expiration} in the response
 * and the registry agree.
 *
 * <p>Failure switches: {@link #denyRole denied role ARNs} get HTTP 403 {@code AccessDenied}, and
 * {@link #setThrottling throttling} makes every AssumeRole answer HTTP 400 {@code Throttling}.
 * {@link #assumeRoleCount()} counts every AssumeRole request received, including denied and
 * throttled ones (so SDK retries show). The stub checks no signature. Other actions get HTTP 400
 * {@code InvalidAction}. It listens on 127.0.0.1 on an ephemeral port.
 */
public final class StsStub implements AutoCloseable {
  /** The access key id issued when none is given (shape of an STS temporary key). */
  public static final String DEFAULT_ACCESS_KEY_ID = "ASIAHABANEROTEST0001";

  /** The secret key issued when none is given. */
  public static final String DEFAULT_SECRET_ACCESS_KEY =
      "habanero/testkit/secret/0123456789abcdefghij";

  private static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";
  private static final int DEFAULT_DURATION_SECONDS = 3600;

  private final HttpServer server;
  private final ExecutorService executor;
  private final SessionTokenRegistry registry;
  private final String accessKeyId;
  private final String secretAccessKey;
  private final SecureRandom random = new SecureRandom();
  private final Set<String> deniedRoles = ConcurrentHashMap.newKeySet();
  private final AtomicInteger assumeRoleCount = new AtomicInteger();
  private volatile Duration credentialLifetime;
  private volatile boolean throttling;
  private volatile String lastRoleArn;
  private volatile String lastRoleSessionName;
  private volatile Integer lastDurationSeconds;
  private volatile String lastSessionToken;
  private final List<String> issuedSessionTokens = new CopyOnWriteArrayList<>();

  private StsStub(Path tokenDirectory, String accessKeyId, String secretAccessKey)
      throws IOException {
    this.registry = new SessionTokenRegistry(tokenDirectory);
    this.accessKeyId = requireText(accessKeyId, "accessKeyId");
    this.secretAccessKey = requireText(secretAccessKey, "secretAccessKey");
    Files.createDirectories(registry.directory());
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "sts-stub");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a stub issuing {@link #DEFAULT_ACCESS_KEY_ID} / {@link #DEFAULT_SECRET_ACCESS_KEY}. */
  public static StsStub start(Path tokenDirectory) throws IOException {
    return new StsStub(tokenDirectory, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY);
  }

  /** Starts a stub issuing the given key pair and registering tokens in {@code tokenDirectory}. */
  public static StsStub start(Path tokenDirectory, String accessKeyId, String secretAccessKey)
      throws IOException {
    return new StsStub(tokenDirectory, accessKeyId, secretAccessKey);
  }

  /** {@code http://127.0.0.1:<port>}, for the STS client's endpoint override. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The directory of the session-token registry (give it to the S3 server). */
  public Path tokenDirectory() {
    return registry.directory();
  }

  public String accessKeyId() {
    return accessKeyId;
  }

  public String secretAccessKey() {
    return secretAccessKey;
  }

  /**
   * Lifetime of the credentials issued from now on, overriding the requested DurationSeconds;
   * {@code null} to honour DurationSeconds again.
   */
  public void setCredentialLifetime(Duration lifetime) {
    if (lifetime != null && (lifetime.isNegative() || lifetime.isZero())) {
      throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
    }
    this.credentialLifetime = lifetime;
  }

  public Optional<Duration> credentialLifetime() {
    return Optional.ofNullable(credentialLifetime);
  }

  /** AssumeRole on {@code roleArn} will be refused with HTTP 403 AccessDenied. */
  public void denyRole(String roleArn) {
    deniedRoles.add(roleArn);
  }

  public void allowRole(String roleArn) {
    deniedRoles.remove(roleArn);
  }

  /** While on, every AssumeRole gets HTTP 400 Throttling. */
  public void setThrottling(boolean on) {
    this.throttling = on;
  }

  /** AssumeRole requests received so far, whatever their outcome. */
  public int assumeRoleCount() {
    return assumeRoleCount.get();
  }

  public Optional<String> lastRoleArn() {
    return Optional.ofNullable(lastRoleArn);
  }

  public Optional<String> lastRoleSessionName() {
    return Optional.ofNullable(lastRoleSessionName);
  }

  /** The DurationSeconds of the last AssumeRole request, if it had a numeric one. */
  public OptionalInt lastDurationSeconds() {
    Integer d = lastDurationSeconds;
    return d == null ? OptionalInt.empty() : OptionalInt.of(d);
  }

  /** The session token issued by the last successful AssumeRole. */
  public Optional<String> lastSessionToken() {
    return Optional.ofNullable(lastSessionToken);
  }

  /** Every session token this stub issued, oldest first: for tests that scan output for secrets. */
  public List<String> issuedSessionTokens() {
    return List.copyOf(issuedSessionTokens);
  }

  /**
   * Makes every session token issued so far (by any stub sharing the token directory) expired as of
   * now; the S3 server answers ExpiredToken from its next request on.
   */
  public int expireAllCredentials() throws IOException {
    return registry.expireAll(Instant.now());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> params = new LinkedHashMap<>();
      parseForm(exchange.getRequestURI().getRawQuery(), params);
      if ("POST".equalsIgnoreCase(exchange.getRequestMethod())) {
        try (InputStream in = exchange.getRequestBody()) {
          parseForm(new String(in.readAllBytes(), StandardCharsets.UTF_8), params);
        }
      }
      String action = params.get("Action");
      if (!"AssumeRole".equals(action)) {
        sendError(
            exchange,
            400,
            "Sender",
            "InvalidAction",
            "Could not find operation " + action + " for version " + params.get("Version"));
        return;
      }
      assumeRole(exchange, params);
    } catch (RuntimeException e) {
      sendError(exchange, 500, "Receiver", "InternalFailure", String.valueOf(e));
    }
  }

  private void assumeRole(HttpExchange exchange, Map<String, String> params) throws IOException {
    assumeRoleCount.incrementAndGet();
    String roleArn = params.get("RoleArn");
    String sessionName = params.get("RoleSessionName");
    Integer requested = parseIntOrNull(params.get("DurationSeconds"));
    lastRoleArn = roleArn;
    lastRoleSessionName = sessionName;
    lastDurationSeconds = requested;

    if (throttling) {
      sendError(exchange, 400, "Sender", "Throttling", "Rate exceeded");
      return;
    }
    if (roleArn == null || roleArn.isEmpty() || sessionName == null || sessionName.isEmpty()) {
      sendError(
          exchange,
          400,
          "Sender",
          "ValidationError",
          "RoleArn and RoleSessionName are required (got RoleArn="
              + roleArn
              + ", RoleSessionName="
              + sessionName
              + ")");
      return;
    }
    if (deniedRoles.contains(roleArn)) {
      sendError(
          exchange,
          403,
          "Sender",
          "AccessDenied",
          "User: arn:aws:iam::123456789012:user/habanero-test is not authorized to perform:"
              + " sts:AssumeRole on resource: "
              + roleArn);
      return;
    }

    Duration lifetime = credentialLifetime;
    if (lifetime == null) {
      lifetime =
          Duration.ofSeconds(
              requested != null && requested > 0 ? requested : DEFAULT_DURATION_SECONDS);
    }
    Instant expiry = Instant.now().plus(lifetime).truncatedTo(ChronoUnit.SECONDS);
    byte[] raw = new byte[48];
    random.nextBytes(raw);
    String token = "HabaneroSession" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    registry.register(token, expiry);
    lastSessionToken = token;
    issuedSessionTokens.add(token);

    String roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
    String account = accountOf(roleArn);
    String body =
        "<AssumeRoleResponse xmlns=\""
            + NS
            + "\">\n"
            + "  <AssumeRoleResult>\n"
            + "    <SourceIdentity/>\n"
            + "    <AssumedRoleUser>\n"
            + "      <AssumedRoleId>AROAHABANEROTESTROLE:"
            + xml(sessionName)
            + "</AssumedRoleId>\n"
            + "      <Arn>arn:aws:sts::"
            + xml(account)
            + ":assumed-role/"
            + xml(roleName)
            + "/"
            + xml(sessionName)
            + "</Arn>\n"
            + "    </AssumedRoleUser>\n"
            + "    <Credentials>\n"
            + "      <AccessKeyId>"
            + xml(accessKeyId)
            + "</AccessKeyId>\n"
            + "      <SecretAccessKey>"
            + xml(secretAccessKey)
            + "</SecretAccessKey>\n"
            + "      <SessionToken>"
            + token
            + "</SessionToken>\n"
            + "      <Expiration>"
            + expiry
            + "</Expiration>\n"
            + "    </Credentials>\n"
            + "    <PackedPolicySize>0</PackedPolicySize>\n"
            + "  </AssumeRoleResult>\n"
            + "  <ResponseMetadata>\n"
            + "    <RequestId>"
            + UUID.randomUUID()
            + "</RequestId>\n"
            + "  </ResponseMetadata>\n"
            + "</AssumeRoleResponse>\n";
    send(exchange, 200, body);
  }

  private static String accountOf(String roleArn) {
    String[] parts = roleArn.split(":", 6);
    return parts.length == 6 && !parts[4].isEmpty() ? parts[4] : "123456789012";
  }

  private static void sendError(
      HttpExchange exchange, int status, String type, String code, String message)
      throws IOException {
    String body =
        "<ErrorResponse xmlns=\""
            + NS
            + "\">\n"
            + "  <Error>\n"
            + "    <Type>"
            + type
            + "</Type>\n"
            + "    <Code>"
            + code
            + "</Code>\n"
            + "    <Message>"
            + xml(message)
            + "</Message>\n"
            + "  </Error>\n"
            + "  <RequestId>"
            + UUID.randomUUID()
            + "</RequestId>\n"
            + "</ErrorResponse>\n";
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/xml");
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void parseForm(String form, Map<String, String> into) {
    if (form == null || form.isEmpty()) {
      return;
    }
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      into.put(name, value);
    }
  }

  private static Integer parseIntOrNull(String s) {
    if (s == null) {
      return null;
    }
    try {
      return Integer.valueOf(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String xml(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String requireText(String s, String what) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return s;
  }
}
