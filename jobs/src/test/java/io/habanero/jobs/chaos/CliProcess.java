package io.habanero.jobs.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.jobs.HabaneroCli;
import io.habanero.jobs.cluster.StandaloneCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The Habanero CLI ({@link HabaneroCli}) in real child JVMs on one warehouse, as a user runs it:
 * each command is its own process with the given classpath. A child can be awaited, or killed with
 * SIGKILL at a point chosen from the progress lines it prints on stderr.
 */
public final class CliProcess {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Exit status of a JVM killed by SIGKILL (128 + 9), as {@link Process#exitValue()} reports. */
  public static final int SIGKILL_EXIT = 137;

  /**
   * Short-lived JVMs doing little work start and finish much faster with the C1 compiler only and
   * the serial collector; one Spark core and one partition fit files of a few rows.
   */
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dspark.master=local[1]");

  private static final List<String> SMALL_DATA_CONF =
      List.of(
          "spark.sql.shuffle.partitions=1",
          "spark.default.parallelism=1",
          "spark.databricks.delta.snapshotPartitions=1");

  private final Path warehouse;
  private final Path logDir;
  private final String classpath;
  private final List<String> conf;
  private final List<Child> started = new CopyOnWriteArrayList<>();

  /**
   * @param warehouse the warehouse every command runs on
   * @param logDir where each child's stdout and stderr are kept, by name
   * @param classpath the children's classpath (it must hold HabaneroCli and its dependencies)
   * @param conf extra {@code --conf k=v} settings for every command
   */
  public CliProcess(Path warehouse, Path logDir, String classpath, List<String> conf) {
    this.warehouse = warehouse;
    this.logDir = logDir;
    this.classpath = classpath;
    this.conf = List.copyOf(conf);
  }

  /** A launcher on this JVM's own classpath (a test's, or the benchmark's). */
  public static CliProcess onThisClasspath(Path warehouse, Path logDir, List<String> conf) {
    return new CliProcess(warehouse, logDir, System.getProperty("java.class.path"), conf);
  }

  public Path warehouse() {
    return warehouse;
  }

  /** The global flags every command gets: the warehouse and the settings. */
  public List<String> globalArgs() {
    List<String> args = new ArrayList<>(List.of("--warehouse", warehouse.toString()));
    for (String c : SMALL_DATA_CONF) {
      args.add("--conf");
      args.add(c);
    }
    for (String c : conf) {
      args.add("--conf");
      args.add(c);
    }
    return args;
  }

  /** Starts {@code habanero <global flags> args...} in a new JVM and returns at once. */
  public Child start(String name, String... args) {
    return start(name, Map.of(), args);
  }

  /**
   * As {@link #start(String, String...)}, with {@code env} changed in the child's environment (a
   * null value removes the variable), e.g. the keys {@code serve} needs.
   */
  public Child start(String name, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.addAll(StandaloneCluster.ADD_OPENS);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(HabaneroCli.class.getName());
    cmd.addAll(globalArgs());
    cmd.addAll(Arrays.asList(args));
    try {
      Files.createDirectories(logDir);
      String file = name.replaceAll("[^A-Za-z0-9_-]+", "-");
      Path out = logDir.resolve(file + ".out");
      Path err = logDir.resolve(file + ".err");
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.PIPE);
      env.forEach(
          (k, v) -> {
            if (v == null) {
              pb.environment().remove(k);
            } else {
              pb.environment().put(k, v);
            }
          });
      Process p = pb.start();
      Child c = new Child(name, p, out, err);
      started.add(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the CLI for " + name, e);
    }
  }

  /** Runs a command in a new JVM to its end. */
  public Result run(String name, Duration timeout, String... args) {
    return start(name, args).await(timeout);
  }

  /** Kills every child still running (SIGKILL), e.g. after a failed test. */
  public void killAll() {
    for (Child c : started) {
      c.process.destroyForcibly();
    }
  }

  /** A running CLI process. */
  public static final class Child {
    private final String name;
    private final Process process;
    private final Path out;
    private final Path err;
    private final List<String> errLines = new CopyOnWriteArrayList<>();
    private final Thread pump;
    private final long startNanos = System.nanoTime();

    Child(String name, Process process, Path out, Path err) {
      this.name = name;
      this.process = process;
      this.out = out;
      this.err = err;
      // stderr through a pipe, so a progress line is seen as soon as it is printed
      this.pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(
                                process.getErrorStream(), StandardCharsets.UTF_8));
                    PrintWriter w =
                        new PrintWriter(Files.newBufferedWriter(err, StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    errLines.add(line);
                    w.println(line);
                    w.flush();
                  }
                } catch (IOException e) {
                  // the process died; what was read is kept
                }
              },
              "cli-stderr-" + name);
      pump.setDaemon(true);
      pump.start();
    }

    public String name() {
      return name;
    }

    public long pid() {
      return process.pid();
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /**
     * Waits until the process prints a stderr line that matches, and returns it; empty if the
     * process ended (or {@code timeout} passed) first.
     */
    public Optional<String> awaitErrLine(Predicate<String> match, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      int seen = 0;
      while (System.nanoTime() < deadline) {
        List<String> now = errLines;
        for (; seen < now.size(); seen++) {
          if (match.test(now.get(seen))) {
            return Optional.of(now.get(seen));
          }
        }
        if (!process.isAlive() && !pump.isAlive()) {
          for (; seen < now.size(); seen++) {
            if (match.test(now.get(seen))) {
              return Optional.of(now.get(seen));
            }
          }
          return Optional.empty();
        }
        sleep(20);
      }
      return Optional.empty();
    }

    /** Waits until {@code condition} holds; false if the process ended or the time ran out. */
    public boolean awaitCondition(BooleanSupplier condition, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (condition.getAsBoolean()) {
          return true;
        }
        if (!process.isAlive()) {
          return condition.getAsBoolean();
        }
        sleep(10);
      }
      return false;
    }

    /** What the process printed on stdout so far. */
    public String outSoFar() {
      try {
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The stderr lines seen so far. */
    public List<String> errSoFar() {
      return List.copyOf(errLines);
    }

    /**
     * SIGTERM, then waits for the end; a process still running after {@code timeout} is killed and
     * reported. The signal goes through the {@link ProcessHandle}: {@link Process#destroy()} would
     * also close this side's pipes, and what the process prints while it stops would be lost.
     */
    public Result terminate(Duration timeout) {
      process.toHandle().destroy();
      return await(timeout);
    }

    /** SIGKILL ({@link Process#destroyForcibly()} on Unix), then waits for the process to die. */
    public Result kill9() {
      process.destroyForcibly();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException(name + " did not die after SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return result();
    }

    /** Waits for the end; a process still running after {@code timeout} is killed and reported. */
    public Result await(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
          throw new IllegalStateException(
              name + " did not finish in " + timeout + "; stderr:\n" + String.join("\n", errLines));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return result();
    }

    private Result result() {
      try {
        pump.join(10_000);
        String o = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        return new Result(
            name,
            process.exitValue(),
            o,
            String.join("\n", errLines),
            (System.nanoTime() - startNanos) / 1_000_000);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** A finished CLI process: exit code, stdout, stderr and how long it ran. */
  public record Result(String name, int code, String out, String err, long millis) {
    public boolean killed() {
      return code == SIGKILL_EXIT;
    }

    /** stdout as one JSON document, or null when it is not one (e.g. empty). */
    public JsonNode json() {
      if (out.isBlank()) {
        return null;
      }
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        return null;
      }
    }

    /** The changeset a create-changeset printed (the seed's shape), or null. */
    public JsonNode changeset() {
      JsonNode j = json();
      return j == null || !j.has("changeset") ? null : j.get("changeset");
    }

    /** The stderr lines that Habanero printed (progress and errors), not Spark's log lines. */
    public List<String> habaneroLines() {
      return Arrays.stream(err.split("\n")).filter(l -> l.startsWith("habanero:")).toList();
    }

    @Override
    public String toString() {
      return name
          + ": exit "
          + code
          + " after "
          + millis
          + " ms"
          + "\n--- stdout\n"
          + out
          + "\n--- stderr (habanero lines)\n"
          + String.join("\n", habaneroLines());
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
