package io.habanero.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster for tests: one Master and one Worker (or several, see {@link
 * #start(Path, Map, List, int)}), each its own JVM, bound to loopback only (127.0.0.1 unless a
 * worker is given another 127.x address). The Worker launches executors the way a Spark
 * distribution does, with {@code $SPARK_HOME/jars/*} as their classpath, from a throwaway {@code
 * SPARK_HOME} whose {@code jars/} links to the jars of the test classpath.
 *
 * <p>That "distribution" is the test classpath <em>without</em> what the jobs jar exists to bring
 * (Habanero, Delta, spark-xml, picocli, the AWS SDK v2; see {@link #bundledByJobsJar}), so the
 * driver and the executors can only get those from the submitted jar, as on a real cluster. Spark,
 * Hadoop (with hadoop-aws) and the rest stay, as a cluster provides them.
 *
 * <p>{@link #submit} runs {@code org.apache.spark.deploy.SparkSubmit} in a child JVM in client
 * mode. {@link #close} (and a shutdown hook, should the test JVM exit first) ends every child
 * process.
 */
public final class StandaloneCluster implements AutoCloseable {
  /** The root pom's spark.add-opens, which Spark needs on Java 17: one flag per element. */
  public static final List<String> ADD_OPENS =
      Stream.of(
              "java.lang",
              "java.lang.invoke",
              "java.lang.reflect",
              "java.io",
              "java.net",
              "java.nio",
              "java.util",
              "java.util.concurrent",
              "java.util.concurrent.atomic",
              "sun.nio.ch",
              "sun.nio.cs",
              "sun.security.action",
              "sun.util.calendar")
          .map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED")
          .toList();

  /** {@link #ADD_OPENS} as one string, used when the build did not pass habanero.it.add-opens. */
  private static final String DEFAULT_ADD_OPENS = String.join(" ", ADD_OPENS);

  /**
   * JVM options for every child (master, worker, driver, executors): short-lived JVMs doing little
   * work start and finish much faster with the C1 compiler only and the serial collector.
   */
  private static final List<String> FAST_START =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private static final String HOST = "127.0.0.1";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path sparkHome;
  private final Path workDir;
  private final String classpath;
  private final List<String> addOpens;
  private final Map<String, String> extraEnv;
  private final List<String> workerHosts;
  private final int coresPerWorker;
  private final List<Process> processes = new CopyOnWriteArrayList<>();
  private final Thread shutdownHook = new Thread(this::destroyAll, "standalone-cluster-stop");
  private final AtomicInteger submits = new AtomicInteger();
  private int masterPort;
  private int masterWebUiPort;
  private final List<Integer> workerWebUiPorts = new ArrayList<>();
  private Process master;
  private final List<Process> workers = new ArrayList<>();

  private StandaloneCluster(
      Path dir,
      List<Path> distribution,
      List<String> addOpens,
      Map<String, String> extraEnv,
      List<String> workerHosts,
      int coresPerWorker) {
    this.dir = dir;
    this.sparkHome = dir.resolve("spark-home");
    this.workDir = dir.resolve("work");
    this.classpath =
        String.join(File.pathSeparator, distribution.stream().map(Path::toString).toList());
    this.addOpens = addOpens;
    this.extraEnv = Map.copyOf(extraEnv);
    this.workerHosts = List.copyOf(workerHosts);
    this.coresPerWorker = coresPerWorker;
  }

  /**
   * Starts a master and a worker (2 cores, 1 GiB) and waits until the worker has registered.
   *
   * @param parent a directory (e.g. under target/); the cluster uses a fresh subdirectory of it
   */
  public static StandaloneCluster start(Path parent) throws IOException {
    return start(parent, Map.of());
  }

  /**
   * Starts a master and a worker (2 cores, 1 GiB) and waits until the worker has registered.
   *
   * @param parent a directory (e.g. under target/); the cluster uses a fresh subdirectory of it
   * @param env extra environment variables of every child: master, worker (and so the executors it
   *     launches) and the spark-submit drivers; e.g. a base AWS identity
   */
  public static StandaloneCluster start(Path parent, Map<String, String> env) throws IOException {
    return start(parent, env, List.of(HOST), 2);
  }

  /**
   * Starts a master and one worker per host ({@code coresPerWorker} cores, 1 GiB each) and waits
   * until every worker has registered. Each worker, and the executors it launches, binds to its own
   * loopback address and registers under it, so the scheduler sees distinct hosts: Spark never runs
   * a speculative copy of a task on a host where that task already has an attempt.
   *
   * @param parent a directory (e.g. under target/); the cluster uses a fresh subdirectory of it
   * @param env extra environment variables of every child (see {@link #start(Path, Map)})
   * @param workerHosts one loopback address per worker (127.x.y.z), e.g. 127.0.0.1 and 127.0.0.2;
   *     the master and the drivers stay on 127.0.0.1
   * @param coresPerWorker the cores each worker offers
   */
  public static StandaloneCluster start(
      Path parent, Map<String, String> env, List<String> workerHosts, int coresPerWorker)
      throws IOException {
    if (workerHosts.isEmpty()
        || !workerHosts.stream().allMatch(h -> h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}"))) {
      throw new IllegalArgumentException("worker hosts must be loopback addresses: " + workerHosts);
    }
    deleteEarlierClusters(parent);
    Path dir =
        Files.createDirectories(
            parent.resolve(
                "cluster-"
                    + LocalDateTime.now()
                        .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"))));
    StandaloneCluster c =
        new StandaloneCluster(
            dir, distributionJars(), addOpens(), env, workerHosts, coresPerWorker);
    Runtime.getRuntime().addShutdownHook(c.shutdownHook);
    try {
      c.startProcesses();
    } catch (IOException | RuntimeException | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Deletes the directories of earlier runs (each holds a copy of the application jar per
   * executor); the links in their spark-home/jars are deleted, never their targets.
   */
  private static void deleteEarlierClusters(Path parent) throws IOException {
    if (!Files.isDirectory(parent)) {
      return;
    }
    try (Stream<Path> runs = Files.list(parent)) {
      for (Path run :
          runs.filter(p -> p.getFileName().toString().startsWith("cluster-")).toList()) {
        try (Stream<Path> files = Files.walk(run)) {
          for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
  }

  /** The JVM flags Spark needs on Java 17: the build's spark.add-opens. */
  public static List<String> addOpens() {
    String flags = System.getProperty("habanero.it.add-opens", "").strip();
    if (flags.isEmpty() || flags.startsWith("${")) {
      flags = DEFAULT_ADD_OPENS;
    }
    return List.of(flags.split("\\s+"));
  }

  /**
   * The jars of a Spark "distribution": every jar of the test classpath except this project's own
   * artifacts and directories and what the jobs jar bundles.
   */
  static List<Path> distributionJars() {
    List<Path> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath();
      if (Files.isRegularFile(p) && p.toString().endsWith(".jar") && !bundledByJobsJar(p)) {
        jars.add(p);
      }
    }
    if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith("spark-core_"))) {
      throw new IllegalStateException("no spark-core jar on the test classpath: " + jars);
    }
    return jars;
  }

  /**
   * Whether a jar is one of Habanero's own or one the jobs jar bundles because a Spark 3.5 cluster
   * lacks it (the shade plugin's allow-list in jobs/pom.xml): Delta, spark-xml with txw2 and
   * xmlschema-core, picocli, the AWS SDK v2 with eventstream and reactive-streams. Recognized by
   * its Maven repository path. Apache HttpClient stays: the jobs jar has its own copy, relocated,
   * and the v1 SDK under S3A needs the cluster's.
   */
  static boolean bundledByJobsJar(Path jar) {
    String path = jar.toString().replace(File.separatorChar, '/');
    return jar.getFileName().toString().startsWith("habanero-")
        || Stream.of(
                "/io/delta/",
                "/com/databricks/",
                "/org/glassfish/jaxb/txw2/",
                "/org/apache/ws/xmlschema/",
                "/info/picocli/",
                "/software/amazon/awssdk/",
                "/software/amazon/eventstream/",
                "/org/reactivestreams/",
                "/io/habanero/")
            .anyMatch(path::contains);
  }

  private void startProcesses() throws IOException {
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    Files.createDirectories(sparkHome.resolve("conf"));
    Files.createDirectories(workDir);
    for (String entry : classpath.split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      Path link = jars.resolve(jar.getFileName());
      if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        continue; // the same file name twice: the first wins, as on the classpath
      }
      try {
        Files.createSymbolicLink(link, jar);
      } catch (UnsupportedOperationException | IOException e) {
        Files.copy(jar, link);
      }
    }

    masterPort = freePort(HOST);
    masterWebUiPort = freePort(HOST);
    master =
        launch(
            "master",
            List.of("-Xmx512m"),
            "org.apache.spark.deploy.master.Master",
            List.of(
                "--host",
                HOST,
                "--port",
                Integer.toString(masterPort),
                "--webui-port",
                Integer.toString(masterWebUiPort)),
            HOST);
    for (int i = 0; i < workerHosts.size(); i++) {
      String host = workerHosts.get(i);
      int webUiPort = freePort(host);
      workerWebUiPorts.add(webUiPort);
      // All workers share the work directory: executor ids are unique within an application.
      workers.add(
          launch(
              workerLogName(i),
              List.of("-Xmx512m"),
              "org.apache.spark.deploy.worker.Worker",
              List.of(
                  "--host",
                  host,
                  "--cores",
                  Integer.toString(coresPerWorker),
                  "--memory",
                  "1g",
                  "--webui-port",
                  Integer.toString(webUiPort),
                  "--work-dir",
                  workDir.toString(),
                  masterUrl()),
              host));
    }

    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!master.isAlive()) {
        throw new IllegalStateException("the master exited\n" + logTails());
      }
      for (int i = 0; i < workers.size(); i++) {
        if (!workers.get(i).isAlive()) {
          throw new IllegalStateException(workerLogName(i) + " exited\n" + logTails());
        }
      }
      try {
        JsonNode state = masterState();
        if (state.path("aliveworkers").asInt() >= workers.size()) {
          return;
        }
        last = "aliveworkers=" + state.path("aliveworkers").asText();
      } catch (IOException e) {
        last = e.toString();
      }
      sleep(500);
    }
    throw new IllegalStateException(
        "not every worker registered with the master within "
            + STARTUP_TIMEOUT.toSeconds()
            + " s ("
            + last
            + ")\n"
            + logTails());
  }

  private static String workerLogName(int i) {
    return i == 0 ? "worker" : "worker-" + (i + 1);
  }

  /**
   * @param localIp the child's SPARK_LOCAL_IP: the address it (and a worker's executors) binds to
   */
  private Process launch(
      String name, List<String> jvm, String mainClass, List<String> args, String localIp)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(jvm);
    cmd.addAll(addOpens);
    cmd.addAll(FAST_START);
    // Fail rather than silently move to another port than the one the tests know.
    cmd.add("-Dspark.port.maxRetries=0");
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    environment(pb, localIp);
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private void environment(ProcessBuilder pb, String localIp) {
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", localIp);
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.remove("SPARK_MASTER_HOST");
    env.remove("SPARK_WORKER_DIR");
    env.putAll(extraEnv);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** {@code spark://127.0.0.1:<port>}. */
  public String masterUrl() {
    return "spark://" + HOST + ":" + masterPort;
  }

  /** The worker's work directory: {@code <app id>/<executor id>/stderr} per executor. */
  public Path workDir() {
    return workDir;
  }

  /** The throwaway SPARK_HOME whose jars/ the executors run with. */
  public Path sparkHome() {
    return sparkHome;
  }

  /** The master's state, as its web UI serves it at /json/. */
  public JsonNode masterState() throws IOException {
    return getJson(HOST, masterWebUiPort);
  }

  /**
   * The (first) worker's state (executors, finishedexecutors), as its web UI serves it at /json/.
   */
  public JsonNode workerState() throws IOException {
    return workerState(0);
  }

  /** The state of worker {@code i} (0-based, in the order of the hosts given to start). */
  public JsonNode workerState(int i) throws IOException {
    return getJson(workerHosts.get(i), workerWebUiPorts.get(i));
  }

  /** The hosts the workers bound to and registered under, in order. */
  public List<String> workerHosts() {
    return workerHosts;
  }

  private static JsonNode getJson(String host, int port) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) new URL("http://" + host + ":" + port + "/json/").openConnection();
    c.setConnectTimeout(2000);
    c.setReadTimeout(5000);
    try (InputStream in = c.getInputStream()) {
      return JSON.readTree(in);
    } finally {
      c.disconnect();
    }
  }

  /** The applications (app-* directories) the worker has run executors for, oldest first. */
  public Set<String> appDirs() {
    try (Stream<Path> s = Files.list(workDir)) {
      return new java.util.TreeSet<>(
          s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("app-")).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stderr of every executor of an application, concatenated. */
  public String executorLogs(String appId) {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.list(workDir.resolve(appId))) {
      for (Path executor : s.sorted().toList()) {
        Path stderr = executor.resolve("stderr");
        if (Files.isRegularFile(stderr)) {
          sb.append(Files.readString(stderr, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }

  /**
   * The outcome of one spark-submit: exit code, the driver's stdout and stderr, and the
   * applications the worker ran executors for during it.
   */
  public record Submit(
      String name, int exitCode, String out, String err, Duration took, List<String> appIds) {
    @Override
    public String toString() {
      return name
          + ": exit "
          + exitCode
          + " after "
          + took.toMillis()
          + " ms, apps "
          + appIds
          + "\n--- stdout\n"
          + out
          + "\n--- stderr (tail)\n"
          + tail(err, 60);
    }
  }

  /** A driver started by {@link #launch}: its process and output files. */
  public record Launched(String label, Process process, Path out, Path err) {
    /** Everything the driver wrote to stdout so far. */
    public String stdout() throws IOException {
      return read(out);
    }

    /** Everything the driver wrote to stderr so far. */
    public String stderr() throws IOException {
      return read(err);
    }
  }

  /**
   * Starts {@code spark-submit} as {@link #submit} does, without waiting for it; {@link #close}
   * ends it if the caller has not.
   */
  public Launched launch(
      String name, Path jar, String mainClass, Map<String, String> conf, List<String> appArgs)
      throws IOException {
    Map<String, String> all = new LinkedHashMap<>();
    List<String> executorJvm = new ArrayList<>(addOpens);
    executorJvm.addAll(FAST_START);
    all.put("spark.executor.extraJavaOptions", String.join(" ", executorJvm));
    all.put("spark.driver.host", HOST);
    all.put("spark.driver.bindAddress", HOST);
    all.put("spark.ui.enabled", "false");
    all.putAll(conf);

    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.add("-Xmx1g");
    cmd.addAll(addOpens);
    cmd.addAll(FAST_START);
    cmd.add("-cp");
    // As bin/spark-submit does in client mode: spark.driver.extraClassPath goes first.
    String driverExtra = all.getOrDefault("spark.driver.extraClassPath", "");
    cmd.add(driverExtra.isEmpty() ? classpath : driverExtra + File.pathSeparator + classpath);
    cmd.add("org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(List.of("--master", masterUrl(), "--deploy-mode", "client", "--class", mainClass));
    all.forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
    cmd.add(jar.toString());
    cmd.addAll(appArgs);

    String label = String.format("submit-%02d-%s", submits.incrementAndGet(), name);
    Path out = dir.resolve(label + ".out");
    Path err = dir.resolve(label + ".err");
    Files.writeString(dir.resolve(label + ".cmd"), String.join("\n", cmd) + "\n");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    environment(pb, HOST);
    Process p = pb.start();
    processes.add(p);
    return new Launched(label, p, out, err);
  }

  /**
   * Runs {@code spark-submit --master <this cluster> --deploy-mode client --class <mainClass> <jar>
   * <appArgs...>} in a child JVM and waits for it.
   *
   * @param name a label for the logs
   * @param jar the application jar
   * @param mainClass the application's main class
   * @param conf extra {@code --conf} settings (they win over the defaults set here); {@code
   *     spark.driver.extraClassPath} is put first on the driver's classpath, as bin/spark-submit
   *     does
   * @param appArgs the application's arguments
   * @param timeout how long to wait before killing the driver
   */
  public Submit submit(
      String name,
      Path jar,
      String mainClass,
      Map<String, String> conf,
      List<String> appArgs,
      Duration timeout)
      throws IOException, InterruptedException {
    Set<String> appsBefore = new HashSet<>(appDirs());
    long t0 = System.nanoTime();
    Launched l = launch(name, jar, mainClass, conf, appArgs);
    Process p = l.process();
    Path out = l.out();
    Path err = l.err();
    String label = l.label();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            label
                + " did not finish in "
                + timeout.toSeconds()
                + " s; driver stderr:\n"
                + tail(read(err), 80)
                + "\n"
                + logTails());
      }
    } finally {
      stop(p);
      processes.remove(p);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    List<String> newApps = appDirs().stream().filter(a -> !appsBefore.contains(a)).toList();
    return new Submit(label, p.exitValue(), read(out), read(err), took, newApps);
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }

  static String tail(String s, int lines) {
    List<String> all = Arrays.asList(s.split("\n"));
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** The last lines of the master's and the workers' logs, for failure messages. */
  public String logTails() {
    StringBuilder sb = new StringBuilder();
    List<String> names = new ArrayList<>(List.of("master"));
    for (int i = 0; i < workerHosts.size(); i++) {
      names.add(workerLogName(i));
    }
    for (String name : names) {
      try {
        sb.append("--- ")
            .append(name)
            .append(".log (tail)\n")
            .append(tail(read(dir.resolve(name + ".log")), 40))
            .append('\n');
      } catch (IOException e) {
        sb.append("--- ").append(name).append(".log unreadable: ").append(e).append('\n');
      }
    }
    return sb.toString();
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Ends a process: SIGTERM, then SIGKILL if it is still alive after a bounded wait. */
  private static void stop(Process p) {
    if (p == null || !p.isAlive()) {
      return;
    }
    // Its children first (the worker's executors), so none outlives it.
    List<ProcessHandle> descendants = p.descendants().toList();
    p.destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private void destroyAll() {
    // Workers (and their executors) before the master, drivers first of all.
    List<Process> order = new ArrayList<>(processes);
    order.remove(master);
    order.removeAll(workers);
    order.addAll(workers);
    order.add(master);
    for (Process p : order) {
      stop(p);
    }
    processes.clear();
  }

  @Override
  public void close() {
    destroyAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs anyway
    }
  }
}
