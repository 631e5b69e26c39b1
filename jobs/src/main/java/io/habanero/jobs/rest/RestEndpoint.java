package io.habanero.jobs.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.habanero.Habanero;
import io.habanero.errors.HabaneroException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The FinSpace wire-compatible REST endpoint on a {@link Habanero}: the JDK's own HTTP server
 * (nothing added to Spark's classpath), AWS Signature Version 4 on every request ({@link
 * SigV4Verifier}), the routes of both model versions ({@link FinspaceRoutes}), and changesets run
 * on a bounded pool ({@link ChangesetPool}) in the Habanero's Spark session.
 *
 * <p>Every response carries {@code x-amzn-RequestId}; errors carry {@code x-amzn-ErrorType} and the
 * body {@code {"__type", "message"}}, as botocore and the AWS SDK for Java parse them.
 */
public final class RestEndpoint implements AutoCloseable {
  /** The endpoint's settings. */
  public record Config(
      String host,
      int port,
      String accessKeyId,
      String secretAccessKey,
      int maxRunning,
      int maxQueued,
      Duration grace,
      int maxBodyBytes,
      Duration requestTimeout) {
    public static final String ACCESS_KEY_ENV = "HABANERO_ACCESS_KEY_ID";
    public static final String SECRET_KEY_ENV = "HABANERO_SECRET_ACCESS_KEY";

    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(accessKeyId, "accessKeyId");
      Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    }

    /** Defaults: 127.0.0.1:9090, 2 running and 64 waiting changesets, 60 s grace, 1 MiB bodies. */
    public static Config defaults(String accessKeyId, String secretAccessKey) {
      return new Config(
          "127.0.0.1",
          9090,
          accessKeyId,
          secretAccessKey,
          2,
          64,
          Duration.ofSeconds(60),
          1 << 20,
          Duration.ofSeconds(30));
    }

    public Config withAddress(String host, int port) {
      return new Config(
          host,
          port,
          accessKeyId,
          secretAccessKey,
          maxRunning,
          maxQueued,
          grace,
          maxBodyBytes,
          requestTimeout);
    }

    public Config withPool(int maxRunning, int maxQueued, Duration grace) {
      return new Config(
          host,
          port,
          accessKeyId,
          secretAccessKey,
          maxRunning,
          maxQueued,
          grace,
          maxBodyBytes,
          requestTimeout);
    }

    @Override
    public String toString() {
      return "Config[host="
          + host
          + ", port="
          + port
          + ", accessKeyId="
          + accessKeyId
          + ", secretAccessKey=***, maxRunning="
          + maxRunning
          + ", maxQueued="
          + maxQueued
          + ", grace="
          + grace
          + ", maxBodyBytes="
          + maxBodyBytes
          + ", requestTimeout="
          + requestTimeout
          + "]";
    }
  }

  /**
   * The system property that sets how many threads answer requests (default {@value
   * #DEFAULT_REQUEST_THREADS}). Requests are short file reads; more threads than that only contend
   * for the JDK server's event lock and for the CPU that ingestion uses.
   */
  public static final String REQUEST_THREADS_PROPERTY = "habanero.serve.request-threads";

  public static final int DEFAULT_REQUEST_THREADS = 16;

  private final Config config;
  private final HttpServer server;
  private final ExecutorService requests;
  private final ChangesetPool pool;
  private final SigV4Verifier verifier;
  private final FinspaceRoutes routes;
  private final PrintStream err;
  private volatile boolean closed;

  private RestEndpoint(Config config, Habanero habanero, Clock clock, PrintStream err)
      throws IOException {
    this.config = config;
    this.err = err;
    EndpointCredentials credentials =
        new EndpointCredentials(config.accessKeyId(), config.secretAccessKey(), clock);
    // Signatures are checked against the real time: a client signs with its own clock.
    this.verifier = new SigV4Verifier(credentials, Clock.systemUTC());
    this.pool = new ChangesetPool(config.maxRunning(), config.maxQueued());
    this.routes = new FinspaceRoutes(habanero, credentials, pool, clock, this::log);
    applyTimeouts(config.requestTimeout());
    this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
    AtomicInteger n = new AtomicInteger();
    this.requests =
        Executors.newFixedThreadPool(
            Integer.getInteger(REQUEST_THREADS_PROPERTY, DEFAULT_REQUEST_THREADS),
            r -> {
              Thread t = new Thread(r, "habanero-serve-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(requests);
    server.createContext("/", this::handle);
  }

  /**
   * Starts the endpoint on {@code habanero}.
   *
   * @param clock when issued credentials expire (signatures are checked against the real time)
   * @param err receives the endpoint's log lines
   */
  public static RestEndpoint start(Config config, Habanero habanero, Clock clock, PrintStream err)
      throws IOException {
    RestEndpoint e = new RestEndpoint(config, habanero, clock, err);
    e.server.start();
    e.log(
        "listening on "
            + e.uri()
            + " (changesets: "
            + config.maxRunning()
            + " running, "
            + config.maxQueued()
            + " waiting at most)");
    return e;
  }

  /** The endpoint's URL, e.g. {@code http://127.0.0.1:9090}. */
  public URI uri() {
    String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return URI.create("http://" + h + ":" + server.getAddress().getPort());
  }

  /**
   * The JDK server reads its timeouts once, from system properties, when its first server starts: a
   * request (headers and body) must arrive within {@code timeout}, and a response be taken within
   * twice that. TCP_NODELAY is on: the server writes a response's headers and body apart, and with
   * Nagle's algorithm the body waits for the client's delayed ACK (about 40 ms on Linux), which put
   * a floor of ~50 ms under every response. Values the operator set with -D are kept.
   */
  private static void applyTimeouts(Duration timeout) {
    long s = Math.max(1, timeout.toSeconds());
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", String.valueOf(s));
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", String.valueOf(2 * s));
    System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
  }

  private void handle(HttpExchange ex) {
    String requestId = requestId();
    long start = System.nanoTime();
    int status;
    String body;
    String errorType = null;
    String who = "-";
    try {
      WireRequest req = read(ex);
      who = verifier.verify(req);
      FinspaceRoutes.Response r = routes.dispatch(req);
      status = r.status();
      body = r.json();
    } catch (WireError e) {
      status = e.status();
      errorType = e.type();
      body = WireShapes.error(e.type(), e.getMessage());
    } catch (HabaneroException e) {
      errorType = WireShapes.type(e);
      status = WireShapes.status(errorType);
      body = WireShapes.error(errorType, e.getMessage());
    } catch (RuntimeException | IOException e) {
      errorType = "InternalServerException";
      status = 500;
      body =
          WireShapes.error(
              errorType,
              "An internal error occurred (request id "
                  + requestId
                  + "). Fix: retry; if it persists, report it with the endpoint's log lines for"
                  + " that request id.");
      log("request " + requestId + " failed: " + e);
      e.printStackTrace(err);
    }
    try {
      write(ex, requestId, status, errorType, body);
    } catch (IOException e) {
      log("request " + requestId + ": the response could not be sent: " + e.getMessage());
    } finally {
      ex.close();
    }
    if (status >= 400 || !"GET".equals(ex.getRequestMethod())) {
      log(
          String.format(
              "%s %s %s %d%s %d ms key=%s",
              requestId,
              ex.getRequestMethod(),
              WireError.clip(ex.getRequestURI().getRawPath()),
              status,
              errorType == null ? "" : " " + errorType,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
              who));
    }
  }

  /**
   * A random (version 4) UUID from the thread's own generator: a request id must be unique, not
   * unguessable, and {@code UUID.randomUUID()} serialises every request thread on one SecureRandom.
   */
  private static String requestId() {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }

  private WireRequest read(HttpExchange ex) throws IOException {
    URI uri = ex.getRequestURI();
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long n;
      try {
        n = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        throw WireError.validation(
            "Content-Length is not a number. Fix: send a valid HTTP request.");
      }
      if (n > config.maxBodyBytes()) {
        throw WireError.tooLarge(config.maxBodyBytes());
      }
    }
    byte[] body = readCapped(ex.getRequestBody(), config.maxBodyBytes());
    return new WireRequest(
        ex.getRequestMethod(),
        uri.getRawPath() == null ? "/" : uri.getRawPath(),
        uri.getRawQuery(),
        WireRequest.lowerCase(ex.getRequestHeaders()),
        body);
  }

  private static byte[] readCapped(InputStream in, int max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int total = 0;
    for (int k; (k = in.read(buf)) > 0; ) {
      total += k;
      if (total > max) {
        throw WireError.tooLarge(max);
      }
      out.write(buf, 0, k);
    }
    return out.toByteArray();
  }

  private static void write(
      HttpExchange ex, String requestId, int status, String errorType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    var h = ex.getResponseHeaders();
    h.set("Content-Type", "application/json");
    h.set("x-amzn-RequestId", requestId);
    if (errorType != null) {
      h.set("x-amzn-ErrorType", errorType);
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  private void log(String line) {
    err.println("habanero-serve: " + line);
    err.flush();
  }

  /**
   * Stops gracefully: no new requests, running changesets get the grace period to end, and those
   * still waiting are left PENDING for crash recovery.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    log("stopping: no new requests; running changesets get " + config.grace().toSeconds() + " s");
    server.stop(1);
    requests.shutdown();
    try {
      ChangesetPool.Stopped s = pool.shutdown(config.grace().toMillis());
      log(
          "stopped; "
              + s.stillRunning()
              + " changesets still running and "
              + s.neverStarted()
              + " never started are left to crash recovery");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
