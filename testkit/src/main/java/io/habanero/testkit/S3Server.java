package io.habanero.testkit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A real S3-protocol server on 127.0.0.1 for tests: S3Proxy (jclouds {@code filesystem} provider,
 * SigV4/V2 authentication for one key pair) in a child JVM, behind a gate that accepts only session
 * tokens registered, and not expired, in a token directory written by {@link StsStub} (see {@code
 * io.habanero.testkit.s3.S3ProxyMain} in module s3proxy-runner for how the gate works).
 *
 * <p>S3Proxy runs in its own JVM so that its Jetty, Guava and jclouds never meet Spark's classpath.
 * The child is started as {@code java -cp <s3proxy-runner/target/s3proxy-classpath.txt contents>:
 * <s3proxy-runner/target/classes> io.habanero.testkit.s3.S3ProxyMain ...}; both are found by
 * walking up from the working directory to the directory that holds {@code s3proxy-runner/} (so
 * s3proxy-runner must have been built, which {@code mvn -am} does for any module depending on the
 * testkit). The system property {@value #CLASSPATH_PROPERTY} overrides that with a complete
 * classpath. {@link #start} waits (bounded) for the child's {@code READY <port>} line; the child
 * exits when {@link #close()} is called, when this JVM exits (shutdown hook), or when this JVM dies
 * (it watches its standard input).
 *
 * <p>Buckets are directories of the data directory; {@link #createBucket} makes one directly. The
 * child's stderr (S3Proxy's log, WARN by default; system property {@value #LOG_LEVEL_PROPERTY} to
 * change it) is kept in a tail for error messages and {@link #logTail()}.
 */
public final class S3Server implements AutoCloseable {
  /** System property: the child JVM's full classpath, instead of looking for s3proxy-runner. */
  public static final String CLASSPATH_PROPERTY = "habanero.s3proxy.classpath";

  /** System property: log level of S3Proxy in the child JVM (default WARN). */
  public static final String LOG_LEVEL_PROPERTY = "habanero.s3proxy.log.level";

  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private static final String MAIN_CLASS = "io.habanero.testkit.s3.S3ProxyMain";
  private static final Pattern READY = Pattern.compile("READY (\\d+)");
  private static final int TAIL_LINES = 200;
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private final Process process;
  private final int port;
  private final Path dataDirectory;
  private final Path tokenDirectory;
  private final List<Path> temporaryDirectories = new ArrayList<>();
  private final String accessKeyId;
  private final String secretAccessKey;
  private final Duration startupTime;
  private final Deque<String> stderrTail;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private S3Server(Builder b) throws IOException {
    this.accessKeyId = requireText(b.accessKeyId, "accessKeyId");
    this.secretAccessKey = requireText(b.secretAccessKey, "secretAccessKey");
    if (b.dataDirectory == null) {
      this.dataDirectory = Files.createTempDirectory("habanero-s3-data-").toAbsolutePath();
      temporaryDirectories.add(dataDirectory);
    } else {
      this.dataDirectory = b.dataDirectory.toAbsolutePath();
    }
    if (b.tokenDirectory == null) {
      this.tokenDirectory = Files.createTempDirectory("habanero-s3-tokens-").toAbsolutePath();
      temporaryDirectories.add(tokenDirectory);
    } else {
      this.tokenDirectory = b.tokenDirectory.toAbsolutePath();
    }
    Files.createDirectories(dataDirectory);
    Files.createDirectories(tokenDirectory);

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:-UsePerfData");
    cmd.add("-Djava.net.preferIPv4Stack=true");
    cmd.add("-Dlogback.configurationFile=io/habanero/testkit/s3/s3proxy-logback.xml");
    cmd.add("-D" + LOG_LEVEL_PROPERTY + "=" + System.getProperty(LOG_LEVEL_PROPERTY, "WARN"));
    cmd.add("-cp");
    cmd.add(childClasspath());
    cmd.add(MAIN_CLASS);
    cmd.add("--port");
    cmd.add("0");
    cmd.add("--basedir");
    cmd.add(dataDirectory.toString());
    cmd.add("--token-dir");
    cmd.add(tokenDirectory.toString());
    cmd.add("--identity");
    cmd.add(accessKeyId);
    cmd.add("--credential");
    cmd.add(secretAccessKey);
    if (b.allowRequestsWithoutToken) {
      cmd.add("--allow-missing-token");
    }

    long t0 = System.nanoTime();
    this.process = new ProcessBuilder(cmd).start();
    this.shutdownHook = new Thread(this::stopProcess, "s3-server-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);

    this.stderrTail = new ArrayDeque<>();
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    Thread stderrPump =
        pump(
            process.getErrorStream(),
            "s3-server-stderr",
            line -> {
              synchronized (stderrTail) {
                if (stderrTail.size() == TAIL_LINES) {
                  stderrTail.removeFirst();
                }
                stderrTail.addLast(line);
              }
            },
            () -> {});
    pump(
        process.getInputStream(),
        "s3-server-stdout",
        line -> {
          var m = READY.matcher(line.trim());
          if (m.matches()) {
            ready.complete(Integer.parseInt(m.group(1)));
          }
        },
        () -> ready.completeExceptionally(new IOException("the S3 server's stdout closed")));

    try {
      this.port = ready.get(b.startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (e instanceof ExecutionException) {
        waitQuietly(process, Duration.ofSeconds(5)); // stdout closed: the child is exiting
      }
      boolean alive = process.isAlive();
      stopProcess();
      joinQuietly(stderrPump, Duration.ofSeconds(2));
      removeShutdownHook();
      waitQuietly(process, Duration.ofSeconds(2));
      for (Path dir : temporaryDirectories) {
        try {
          deleteRecursively(dir);
        } catch (UncheckedIOException ignored) {
          // best effort
        }
      }
      String why =
          e instanceof TimeoutException
              ? "was not READY within " + b.startupTimeout
              : alive
                  ? "failed to start (" + e + ")"
                  : "exited with status " + exitValueOrNull(process) + " before READY";
      throw new IOException(
          "S3 server (S3Proxy child JVM) "
              + why
              + "; command: "
              + String.join(" ", redact(cmd))
              + "\n--- stderr tail ---\n"
              + logTail());
    }
    this.startupTime = Duration.ofNanos(System.nanoTime() - t0);
  }

  /**
   * Starts a server for the key pair issued by {@code sts}, enforcing the session tokens it
   * registers, storing buckets under {@code dataDirectory}.
   */
  public static S3Server start(StsStub sts, Path dataDirectory) throws IOException {
    return builder()
        .credentials(sts.accessKeyId(), sts.secretAccessKey())
        .tokenDirectory(sts.tokenDirectory())
        .dataDirectory(dataDirectory)
        .start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of {@link S3Server}. */
  public static final class Builder {
    private Path dataDirectory;
    private Path tokenDirectory;
    private String accessKeyId = StsStub.DEFAULT_ACCESS_KEY_ID;
    private String secretAccessKey = StsStub.DEFAULT_SECRET_ACCESS_KEY;
    private boolean allowRequestsWithoutToken;
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;

    private Builder() {}

    /** Where buckets are stored (default: a temporary directory deleted by close). */
    public Builder dataDirectory(Path dir) {
      this.dataDirectory = dir;
      return this;
    }

    /**
     * The session-token registry written by {@link StsStub} (its {@code tokenDirectory()});
     * default: a new empty temporary directory deleted by close.
     */
    public Builder tokenDirectory(Path dir) {
      this.tokenDirectory = dir;
      return this;
    }

    /** The one key pair S3 accepts (default: the STS stub's default pair). */
    public Builder credentials(String accessKeyId, String secretAccessKey) {
      this.accessKeyId = accessKeyId;
      this.secretAccessKey = secretAccessKey;
      return this;
    }

    /**
     * Also accept requests that carry no session token (long-term credentials: only the signature
     * is checked). Requests with a token are still checked against the registry. Default false.
     */
    public Builder allowRequestsWithoutToken(boolean allow) {
      this.allowRequestsWithoutToken = allow;
      return this;
    }

    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Starts the child JVM and waits until it listens. */
    public S3Server start() throws IOException {
      return new S3Server(this);
    }
  }

  /** {@code http://127.0.0.1:<port>}: use with path-style access and any region. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  public Path tokenDirectory() {
    return tokenDirectory;
  }

  public String accessKeyId() {
    return accessKeyId;
  }

  public String secretAccessKey() {
    return secretAccessKey;
  }

  /** From starting the child JVM to its READY line. */
  public Duration startupTime() {
    return startupTime;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Creates bucket {@code name} (a private directory under the data directory, which is what the
   * filesystem provider lists as a bucket) without going through S3; returns its directory.
   */
  public Path createBucket(String name) throws IOException {
    if (!BUCKET_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a valid bucket name: " + name);
    }
    Path dir = dataDirectory.resolve(name);
    Files.createDirectories(dir);
    PosixFileAttributeView posix = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
    if (posix != null) {
      // Others-read would make the filesystem provider treat the bucket as public-read.
      posix.setPermissions(PosixFilePermissions.fromString("rwx------"));
    }
    return dir;
  }

  /** The last lines the child wrote to stderr (S3Proxy's log). */
  public String logTail() {
    synchronized (stderrTail) {
      return String.join("\n", stderrTail);
    }
  }

  /** Stops the child JVM and deletes the directories it created by default (not given ones). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcess();
    removeShutdownHook();
    for (Path dir : temporaryDirectories) {
      deleteRecursively(dir);
    }
  }

  private void stopProcess() {
    if (!process.isAlive()) {
      return;
    }
    try {
      process.getOutputStream().close(); // the child exits at end of stdin
    } catch (IOException e) {
      // then SIGTERM below
    }
    process.destroy();
    if (!waitQuietly(process, Duration.ofSeconds(10))) {
      process.destroyForcibly();
      waitQuietly(process, Duration.ofSeconds(5));
    }
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }

  private static boolean waitQuietly(Process p, Duration d) {
    try {
      return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private static Integer exitValueOrNull(Process p) {
    try {
      return p.exitValue();
    } catch (IllegalThreadStateException e) {
      return null;
    }
  }

  private static Thread pump(InputStream in, String name, Consumer<String> onLine, Runnable onEnd) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  onLine.accept(line);
                }
              } catch (IOException e) {
                // process gone
              } finally {
                onEnd.run();
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void joinQuietly(Thread t, Duration d) {
    try {
      t.join(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The child JVM's classpath: see the class comment. */
  static String childClasspath() throws IOException {
    String explicit = System.getProperty(CLASSPATH_PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      return explicit.trim();
    }
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path runner = dir.resolve("s3proxy-runner");
      if (!Files.isDirectory(runner)) {
        continue;
      }
      Path cpFile = runner.resolve("target").resolve("s3proxy-classpath.txt");
      Path classes = runner.resolve("target").resolve("classes");
      if (!Files.isRegularFile(cpFile)
          || !Files.isRegularFile(classes.resolve("io/habanero/testkit/s3/S3ProxyMain.class"))) {
        throw new IOException(
            "s3proxy-runner is not built ("
                + cpFile
                + " or "
                + classes
                + " missing): run `mvn -pl s3proxy-runner package` or build with -am");
      }
      return Files.readString(cpFile).trim() + File.pathSeparator + classes;
    }
    throw new IOException(
        "no s3proxy-runner/ directory above "
            + start
            + "; run from the repository or set -D"
            + CLASSPATH_PROPERTY);
  }

  private static List<String> redact(List<String> cmd) {
    List<String> out = new ArrayList<>(cmd.size());
    for (int i = 0; i < cmd.size(); i++) {
      String prev = i > 0 ? cmd.get(i - 1) : "";
      if (prev.equals("--credential")) {
        out.add("***");
      } else if (prev.equals("-cp")) {
        out.add("<" + cmd.get(i).split(File.pathSeparator).length + " entries>");
      } else {
        out.add(cmd.get(i));
      }
    }
    return out;
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.delete(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }

  private static String requireText(String s, String what) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return s;
  }
}
