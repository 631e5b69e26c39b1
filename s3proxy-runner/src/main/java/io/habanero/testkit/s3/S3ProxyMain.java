package io.habanero.testkit.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.io.Content;
import org.gaul.shaded.org.eclipse.jetty.server.Handler;
import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.Response;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.util.Callback;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * Main class of the S3 test server's child JVM: S3Proxy on the jclouds {@code filesystem} provider,
 * with SigV4 (and V2) authentication for one identity, behind a session-token gate.
 *
 * <p>Usage: {@code S3ProxyMain --basedir DIR --identity KEY_ID --credential SECRET --token-dir DIR
 * [--port N] [--allow-missing-token]}. It listens on 127.0.0.1 only ({@code --port 0}, the default,
 * picks a free port), prints {@code READY <port>} on stdout once it accepts connections, and exits
 * when its standard input reaches end of file (so it dies with the JVM that started it, even one
 * killed with SIGKILL) or on SIGTERM.
 *
 * <h2>How session tokens and their expiry are enforced</h2>
 *
 * S3Proxy verifies signatures against its single identity/credential but knows nothing of session
 * tokens. So a Jetty {@link Handler.Wrapper} (the token gate) is inserted between S3Proxy's Jetty
 * {@link Server} and S3Proxy's own handler, in this process: S3Proxy does not expose its server, so
 * it is read from S3Proxy's private {@code Server} field by reflection before the server starts
 * (S3Proxy shades Jetty, hence the {@code org.gaul.shaded} imports; both are pinned to the S3Proxy
 * version in this module's pom). For every request, before S3Proxy sees it, the gate takes the
 * token from the {@code x-amz-security-token} header or, for presigned URLs, the {@code
 * X-Amz-Security-Token} query parameter, and looks it up in the {@link SessionTokenRegistry}
 * directory given by {@code --token-dir}: the file {@code <sha256-hex(token)>.expiry} holding the
 * expiry in epoch milliseconds, written by the STS stub. The file is re-read on every request (no
 * cache), so expiring or revoking a token takes effect at once. A token that is registered and not
 * yet expired lets the request through to S3Proxy, which then checks the signature (a wrong secret
 * gives {@code SignatureDoesNotMatch}). Otherwise the gate answers HTTP 403 with an S3 XML error:
 * {@code ExpiredToken} for a registered token whose expiry has passed, {@code InvalidToken} for an
 * unknown token, or for a request without any token unless {@code --allow-missing-token} was given
 * (then such requests are let through and only the signature is checked).
 *
 * <p>Because the signed {@code x-amz-security-token} header must reach S3Proxy's SigV4 check
 * unchanged, and S3Proxy answers NotImplemented to {@code x-amz-} headers it does not know, S3Proxy
 * runs with {@code ignoreUnknownHeaders}.
 */
public final class S3ProxyMain {
  static final String TOKEN_HEADER = "x-amz-security-token";

  private S3ProxyMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    Path baseDir = Path.of(required(opts, "basedir")).toAbsolutePath();
    Path tokenDir = Path.of(required(opts, "token-dir")).toAbsolutePath();
    String identity = required(opts, "identity");
    String credential = required(opts, "credential");
    int port = Integer.parseInt(opts.getOrDefault("port", "0"));
    boolean allowMissingToken = opts.containsKey("allow-missing-token");
    Files.createDirectories(baseDir);
    Files.createDirectories(tokenDir);

    Properties overrides = new Properties();
    overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, baseDir.toString());
    BlobStoreContext context =
        ContextBuilder.newBuilder("filesystem")
            .credentials("identity", "credential")
            .overrides(overrides)
            .build(BlobStoreContext.class);

    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, identity, credential)
            .ignoreUnknownHeaders(true)
            .jettyMaxThreads(64)
            .build();
    jettyServerOf(proxy)
        .insertHandler(new TokenGate(new SessionTokenRegistry(tokenDir), allowMissingToken));
    proxy.start();

    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    proxy.stop();
                  } catch (Exception e) {
                    // exiting anyway
                  }
                  context.close();
                },
                "s3proxy-shutdown"));
    Thread stdinWatch =
        new Thread(
            () -> {
              try (InputStream in = System.in) {
                byte[] buf = new byte[256];
                while (in.read(buf) >= 0) {
                  // discard; only end of file matters
                }
              } catch (IOException e) {
                // parent gone
              }
              stop.countDown();
            },
            "stdin-watch");
    stdinWatch.setDaemon(true);
    stdinWatch.start();

    PrintStream out = System.out;
    out.println("READY " + proxy.getPort());
    out.flush();
    stop.await();
    System.exit(0);
  }

  /** S3Proxy's Jetty server (a private field: S3Proxy offers no accessor). */
  static Server jettyServerOf(S3Proxy proxy) throws ReflectiveOperationException {
    for (Field f : S3Proxy.class.getDeclaredFields()) {
      if (Server.class.isAssignableFrom(f.getType())) {
        f.setAccessible(true);
        return (Server) f.get(proxy);
      }
    }
    throw new NoSuchFieldException(
        "S3Proxy "
            + S3Proxy.class.getPackage().getImplementationVersion()
            + " has no Server field");
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String key = a.substring(2);
      if (key.equals("allow-missing-token")) {
        opts.put(key, "true");
      } else if (i + 1 < args.length) {
        opts.put(key, args[++i]);
      } else {
        throw new IllegalArgumentException("missing value for " + a);
      }
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String key) {
    String v = opts.get(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }

  /** Rejects requests whose session token is missing, unknown or expired (see class doc). */
  static final class TokenGate extends Handler.Wrapper {
    private final SessionTokenRegistry registry;
    private final boolean allowMissingToken;

    TokenGate(SessionTokenRegistry registry, boolean allowMissingToken) {
      this.registry = registry;
      this.allowMissingToken = allowMissingToken;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String token = request.getHeaders().get(TOKEN_HEADER);
      if (token == null) {
        token = queryToken(request.getHttpURI().getQuery());
      }
      if (token == null || token.isEmpty()) {
        if (allowMissingToken) {
          return super.handle(request, response, callback);
        }
        return reject(
            response,
            callback,
            "InvalidToken",
            "The request carries no session token (x-amz-security-token); this server accepts"
                + " only temporary credentials.");
      }
      switch (registry.check(token, Instant.now())) {
        case VALID:
          return super.handle(request, response, callback);
        case EXPIRED:
          return reject(response, callback, "ExpiredToken", "The provided token has expired.");
        default:
          return reject(
              response,
              callback,
              "InvalidToken",
              "The provided token is malformed or otherwise invalid.");
      }
    }

    private static boolean reject(
        Response response, Callback callback, String code, String message) {
      String requestId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
      String xml =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
              + code
              + "</Code><Message>"
              + message
              + "</Message><RequestId>"
              + requestId
              + "</RequestId><HostId>habanero-s3proxy</HostId></Error>";
      response.setStatus(403);
      response.getHeaders().put("Content-Type", "application/xml");
      response.getHeaders().put("x-amz-request-id", requestId);
      Content.Sink.write(response, true, xml, callback);
      return true;
    }

    static String queryToken(String rawQuery) {
      if (rawQuery == null || rawQuery.isEmpty()) {
        return null;
      }
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        if (URLDecoder.decode(name, StandardCharsets.UTF_8).equalsIgnoreCase(TOKEN_HEADER)) {
          return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
      return null;
    }
  }
}
