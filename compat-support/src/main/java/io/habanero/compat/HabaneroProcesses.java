package io.habanero.compat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Habanero CLI ({@code io.habanero.jobs.HabaneroCli}) as real processes, on the classpath the
 * jobs module's build recorded (jobs/target/cli-classpath.txt: compile and provided scope, as
 * scripts/habanero runs it) plus jobs/target/classes. Nothing of Habanero is on this JVM's own
 * classpath: only the AWS SDK for Java finspacedata client under test and its tree. Shared by the
 * compat modules (one per SDK version); it uses the JDK alone.
 */
public final class HabaneroProcesses {
  public static final String MAIN_CLASS = "io.habanero.jobs.HabaneroCli";

  /** Short-lived JVMs with little data: the C1 compiler and the serial collector start fastest. */
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx768m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-Dspark.master=local[1]",
          "-Dspark.ui.enabled=false");

  /** One core and one partition fit files of a few rows. */
  private static final List<String> SMALL_DATA_CONF =
      List.of(
          "spark.sql.shuffle.partitions=1",
          "spark.default.parallelism=1",
          "spark.databricks.delta.snapshotPartitions=1");

  private static final Pattern READY = Pattern.compile("^\\{\"endpoint\": \"(http://[^\"]+)\"}$");

  private HabaneroProcesses() {}

  /** The CLI's classpath: the jobs module's classes and its recorded dependencies. */
  public static String classpath() {
    Path classes = Path.of(property("habanero.compat.jobs-classes"));
    Path file = Path.of(property("habanero.compat.jobs-classpath"));
    if (!Files.isDirectory(classes) || !Files.isRegularFile(file)) {
      throw new IllegalStateException(
          "The jobs module is not built: "
              + classes
              + " and "
              + file
              + " must exist. Fix: build in one reactor, e.g. mvn verify -pl compat-sdk-2016 -am"
              + " (the jobs build writes the classpath file in its process-classes phase).");
    }
    try {
      String deps = Files.readString(file, StandardCharsets.UTF_8).strip();
      return classes + (deps.isEmpty() ? "" : java.io.File.pathSeparator + deps);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String property(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(
          name + " is not set. Fix: run the tests through Maven (the module's surefire sets it).");
    }
    return v;
  }

  /** {@code java <flags> HabaneroCli --warehouse W --conf ... args}. */
  public static List<String> command(Path warehouse, List<String> extraJvmOptions, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.addAll(extraJvmOptions);
    cmd.addAll(Arrays.asList(property("habanero.compat.add-opens").trim().split("\\s+")));
    String log4j = System.getProperty("habanero.compat.log4j2");
    if (log4j != null && !log4j.isBlank()) {
      cmd.add("-Dlog4j2.configurationFile=" + log4j);
    }
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add(MAIN_CLASS);
    cmd.add("--warehouse");
    cmd.add(warehouse.toString());
    for (String c : SMALL_DATA_CONF) {
      cmd.add("--conf");
      cmd.add(c);
    }
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /** A finished CLI process. */
  public record Result(int code, String out, String err) {
    /** stdout as lines, blank ones dropped (read-dataset prints JSON lines). */
    public List<String> lines() {
      return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).toList();
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  /** Runs {@code habanero --warehouse W args} to its end (bounded by {@code timeout}). */
  public static Result run(
      Path warehouse, Path logDir, String name, Duration timeout, String... args) {
    try {
      Files.createDirectories(logDir);
      Path out = logDir.resolve(name + ".out");
      Path err = logDir.resolve(name + ".err");
      Process p =
          new ProcessBuilder(command(warehouse, List.of(), args))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError(
              name + " did not finish in " + timeout + "; stderr:\n" + Files.readString(err));
        }
      } finally {
        p.destroyForcibly();
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts {@code habanero --warehouse W args} without waiting for it; its output goes to {@code
   * logDir/name.out} and {@code .err}.
   */
  public static Process start(Path warehouse, Path logDir, String name, String... args) {
    try {
      Files.createDirectories(logDir);
      return new ProcessBuilder(command(warehouse, List.of(), args))
          .redirectOutput(logDir.resolve(name + ".out").toFile())
          .redirectError(logDir.resolve(name + ".err").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A running {@code habanero serve}: its endpoint, and its stderr as it comes. */
  public static final class Server implements AutoCloseable {
    private final Process process;
    private final List<String> outLines = new CopyOnWriteArrayList<>();
    private final List<String> errLines = new CopyOnWriteArrayList<>();
    private final URI endpoint;

    private Server(Process process, Path logDir, Duration startTimeout) throws IOException {
      this.process = process;
      pump(process.getInputStream(), outLines, logDir.resolve("serve.out"), "serve-stdout");
      pump(process.getErrorStream(), errLines, logDir.resolve("serve.err"), "serve-stderr");
      long deadline = System.nanoTime() + startTimeout.toNanos();
      URI found = null;
      while (found == null && System.nanoTime() < deadline) {
        if (!outLines.isEmpty()) {
          Matcher m = READY.matcher(outLines.get(0));
          if (!m.matches()) {
            close();
            throw new AssertionError(
                "serve's first stdout line is not the ready line: " + outLines);
          }
          found = URI.create(m.group(1));
        } else if (!process.isAlive()) {
          break;
        } else {
          sleep(50);
        }
      }
      if (found == null) {
        close();
        throw new AssertionError(
            "serve did not print its endpoint in "
                + startTimeout
                + " (alive: "
                + process.isAlive()
                + "); stderr:\n"
                + String.join("\n", errLines));
      }
      this.endpoint = found;
    }

    /**
     * Starts {@code habanero --warehouse W serve --port 0} with the operator's key pair in its
     * environment, and waits for its ready line.
     */
    public static Server start(
        Path warehouse, Path logDir, String key, String secret, String... flags)
        throws IOException {
      Files.createDirectories(logDir);
      List<String> args = new ArrayList<>(List.of("serve", "--port", "0"));
      args.addAll(Arrays.asList(flags));
      ProcessBuilder pb =
          new ProcessBuilder(command(warehouse, List.of("-Xmx1g"), args.toArray(String[]::new)));
      Map<String, String> env = pb.environment();
      env.put("HABANERO_ACCESS_KEY_ID", key);
      env.put("HABANERO_SECRET_ACCESS_KEY", secret);
      return new Server(pb.start(), logDir, Duration.ofSeconds(180));
    }

    public URI endpoint() {
      return endpoint;
    }

    public String stderr() {
      return String.join("\n", errLines);
    }

    /**
     * SIGTERM (a graceful stop), then SIGKILL if it is still there after 90 s; its stderr goes to
     * this JVM's (the surefire report's output file).
     */
    @Override
    public void close() {
      // Through the handle: Process.destroy() would also close the pipes, losing the last lines.
      process.toHandle().destroy();
      try {
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      System.err.println(
          "[serve] exit "
              + (process.isAlive() ? "(still running)" : process.exitValue())
              + "; stderr:\n"
              + stderr());
    }

    private static void pump(InputStream in, List<String> lines, Path file, String name) {
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    PrintWriter w =
                        new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    w.println(line);
                    w.flush();
                  }
                } catch (IOException e) {
                  // the process ended; what was read is kept
                }
              },
              name);
      t.setDaemon(true);
      t.start();
    }
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
