package io.habanero.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.jobs.samples.SampleData;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speculative task attempts on a real standalone cluster: two workers with one core each, on
 * distinct loopback hosts (127.0.0.1 and 127.0.0.2), since Spark never runs a speculative copy on a
 * host where the task already has an attempt. Each changeset is a {@code spark-submit} of the jobs
 * jar's CLI with speculation on ({@code spark.speculation.quantile=0.5}, {@code multiplier=1.1},
 * {@code minTaskRuntime=1s}, {@code interval=100ms}, efficiency check off) and {@link
 * SlowTaskPlugin} making one partition of the write stage slow after it has written its data file,
 * so that both attempts write the partition's file in full and exactly one wins:
 *
 * <ol>
 *   <li><b>The original attempt loses</b>: attempt 0 of the slow partition writes its file, then
 *       holds its result (until killed); the speculative copy (attempt 1, on the other host) starts
 *       once attempt 0 has written, writes the same rows and wins; attempt 0 is killed.
 *   <li><b>The speculative attempt loses</b>: attempt 0 writes its file and holds its result, long
 *       enough to be speculated, until the speculative copy has written its own file and holds in
 *       turn; attempt 0 then wins and the copy is killed.
 * </ol>
 *
 * That speculation happened is read from each application's event log ({@code
 * spark.eventLog.enabled}): the write stage (the one whose tasks wrote records) has a speculative
 * TaskStart for the slow partition on the other host, one successful attempt, and one attempt
 * KILLED with "another attempt succeeded" after it had written its records.
 *
 * <p>Every case is checked on the data, independently of Habanero: the Delta log has exactly one
 * commit per changeset (its SetTransaction); the data files the table references hold every source
 * trade id exactly once (read with parquet-hadoop); and every {@code *.parquet} file under the
 * table directory that no Delta version references is reported. Delta's task commit protocol does
 * not delete the files of an attempt that loses ({@code DelayedCommitProtocol.abortTask} is a
 * no-op), so the losing attempt's complete file stays behind, unreferenced: that file, and only
 * that one, is allowed (and printed as a finding); it is the sweep's to remove. Finally
 * read-dataset on the cluster returns exactly the rows of both sources, every trade id once.
 */
class SpeculationIT {
  static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.2");
  static final int SLOW_PARTITION = 1;
  static final int FILES = 4;
  static final int ROWS_PER_FILE = 50;
  static final String KILLED_BY_WINNER = "another attempt succeeded";

  @TempDir Path tmp;

  @Test
  void speculativeAttemptsCommitEveryRowOnceAndLeaveOnlyTheLosersFile() throws Exception {
    long t0 = System.nanoTime();
    ClusterStory.jobsJar(); // fail fast without the shaded jar
    Path pluginJar = pluginJar(tmp.resolve("slow-task-plugin.jar"));
    Path events = Files.createDirectories(tmp.resolve("events"));
    Path warehouse = tmp.resolve("warehouse");
    Path table = warehouse.resolve("datasets").resolve("trades");
    Source first = Source.write(tmp.resolve("source-1"), 1);
    Source second = Source.write(tmp.resolve("source-2"), 1001);
    List<String> cli = List.of("--warehouse", warehouse.toString());

    try (StandaloneCluster cluster =
        StandaloneCluster.start(ClusterStory.itDir(), Map.of(), HOSTS, 1)) {
      Duration startup = Duration.ofNanos(System.nanoTime() - t0);
      List<StandaloneCluster.Submit> submits = new ArrayList<>();

      // 1. The original attempt of the slow partition loses to its speculative copy.
      ClusterStory originalLoses =
          new ClusterStory(
              cluster,
              cli,
              speculation(
                  events,
                  pluginJar,
                  Map.of(
                      SlowTaskPlugin.holdMillis(0), "45000",
                      SlowTaskPlugin.startAfterEndOf(1), "0")),
              (s, r) -> {});
      JsonNode cs1 =
          originalLoses.create("append-original-loses", "APPEND", first.dir().toString());
      submits.addAll(originalLoses.submits());
      WriteStage stage1 = WriteStage.of(eventLog(events, originalLoses.submits().get(0)));
      TaskAttempt lost1 = stage1.assertSpeculated(SLOW_PARTITION, true);
      Table afterFirst = Table.read(table);
      afterFirst.assertOneCommitPerChangeset(List.of(ClusterStory.id(cs1)));
      assertThat(afterFirst.liveTradeIds()).containsExactlyInAnyOrderElementsOf(first.ids());
      System.out.println("write stage, original loses:\n" + stage1);
      report(afterFirst.assertOnlyLosersFilesUnreferenced(Set.of(), lost1));

      // 2. The speculative copy loses to the original attempt.
      ClusterStory speculativeLoses =
          new ClusterStory(
              cluster,
              cli,
              speculation(
                  events,
                  pluginJar,
                  Map.of(
                      SlowTaskPlugin.holdMillis(0), "45000",
                      SlowTaskPlugin.holdUntilEndOf(0), "1",
                      SlowTaskPlugin.holdMillis(1), "45000")),
              (s, r) -> {});
      JsonNode cs2 =
          speculativeLoses.create("append-speculative-loses", "APPEND", second.dir().toString());
      submits.addAll(speculativeLoses.submits());
      WriteStage stage2 = WriteStage.of(eventLog(events, speculativeLoses.submits().get(0)));
      TaskAttempt lost2 = stage2.assertSpeculated(SLOW_PARTITION, false);
      Table afterSecond = Table.read(table);
      afterSecond.assertOneCommitPerChangeset(List.of(ClusterStory.id(cs1), ClusterStory.id(cs2)));
      List<Long> allIds = new ArrayList<>(first.ids());
      allIds.addAll(second.ids());
      assertThat(afterSecond.liveTradeIds()).containsExactlyInAnyOrderElementsOf(allIds);
      System.out.println("write stage, speculative loses:\n" + stage2);
      report(
          afterSecond.assertOnlyLosersFilesUnreferenced(afterFirst.unreferenced().keySet(), lost2));

      // What a user reads: every source row exactly once, values and all.
      ClusterStory plain = new ClusterStory(cluster, cli);
      List<String> rows = plain.read("read-latest", cs2);
      submits.addAll(plain.submits());
      assertThat(rows)
          .containsExactlyInAnyOrderElementsOf(ClusterStory.concat(first.rows(), second.rows()));
      assertThat(rows.stream().map(r -> r.substring(0, r.indexOf('|'))).distinct())
          .hasSize(allIds.size());

      assertEveryWorkerRanAnExecutorOfEach(cluster, submits);

      System.out.printf(
          "cluster (%d workers) started in %d ms; total %d ms%n",
          HOSTS.size(), startup.toMillis(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
      submits.forEach(s -> System.out.printf("  %s: %d ms%n", s.name(), s.took().toMillis()));
    }
  }

  /** Prints the findings to the IT's output file (target/failsafe-reports/*-output.txt). */
  static void report(List<String> findings) {
    findings.forEach(f -> System.out.println("FINDING: " + f));
  }

  /**
   * Every application finished on the master and had an executor on each worker (host): the
   * speculative copies had somewhere else to run.
   */
  static void assertEveryWorkerRanAnExecutorOfEach(
      StandaloneCluster cluster, List<StandaloneCluster.Submit> submits) throws Exception {
    Set<String> apps = new HashSet<>();
    submits.forEach(s -> apps.addAll(s.appIds()));
    assertThat(apps).hasSize(submits.size());
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      JsonNode master = cluster.masterState();
      List<List<String>> finished = new ArrayList<>();
      for (int i = 0; i < cluster.workerHosts().size(); i++) {
        finished.add(ClusterStory.field(cluster.workerState(i).path("finishedexecutors"), "appid"));
      }
      boolean done =
          ClusterStory.field(master.path("completedapps"), "id").containsAll(apps)
              && finished.stream().allMatch(f -> f.containsAll(apps));
      if (done || System.nanoTime() > deadline) {
        assertThat(ClusterStory.field(master.path("completedapps"), "state"))
            .as("master: %s", master)
            .containsOnly("FINISHED");
        for (int i = 0; i < finished.size(); i++) {
          assertThat(finished.get(i))
              .as("applications with a finished executor on %s", cluster.workerHosts().get(i))
              .containsAll(apps);
        }
        return;
      }
      Thread.sleep(500);
    }
  }

  /**
   * The Spark conf of a speculating submit: speculation as eager as Spark allows, both executors
   * registered before any job, the event log, and {@link SlowTaskPlugin} slowing {@link
   * #SLOW_PARTITION} as {@code slow} says.
   */
  static Map<String, String> speculation(Path events, Path pluginJar, Map<String, String> slow) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.speculation", "true");
    conf.put("spark.speculation.interval", "100ms");
    conf.put("spark.speculation.multiplier", "1.1");
    conf.put("spark.speculation.quantile", "0.5");
    conf.put("spark.speculation.minTaskRuntime", "1s");
    // Spark 3.4+ would otherwise speculate a slow task only if its process rate were also low.
    conf.put("spark.speculation.efficiency.enabled", "false");
    conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0");
    conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s");
    conf.put("spark.eventLog.enabled", "true");
    conf.put("spark.eventLog.dir", events.toUri().toString());
    conf.put("spark.plugins", SlowTaskPlugin.class.getName());
    conf.put("spark.driver.extraClassPath", pluginJar.toString());
    conf.put("spark.executor.extraClassPath", pluginJar.toString());
    conf.put(SlowTaskPlugin.PARTITION, Integer.toString(SLOW_PARTITION));
    conf.putAll(new TreeMap<>(slow));
    return conf;
  }

  /** A jar of {@link SlowTaskPlugin} and its nested classes, from the compiled test classes. */
  static Path pluginJar(Path jar) throws IOException, URISyntaxException {
    Path classes =
        Path.of(SlowTaskPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String pkg = SlowTaskPlugin.class.getPackageName().replace('.', '/');
    String prefix = SlowTaskPlugin.class.getSimpleName();
    List<Path> entries;
    try (Stream<Path> s = Files.list(classes.resolve(pkg))) {
      entries =
          s.filter(
                  p ->
                      p.getFileName().toString().equals(prefix + ".class")
                          || p.getFileName().toString().startsWith(prefix + "$"))
              .sorted()
              .toList();
    }
    assertThat(entries).as("compiled %s classes under %s", prefix, classes).hasSizeGreaterThan(1);
    try (OutputStream os = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(os)) {
      for (Path f : entries) {
        out.putNextEntry(new JarEntry(pkg + "/" + f.getFileName()));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  /** The event log of the submit's application (finished, or still in progress). */
  static Path eventLog(Path events, StandaloneCluster.Submit s) {
    assertThat(s.appIds()).as(s.name()).hasSize(1);
    String appId = s.appIds().get(0);
    for (String name : List.of(appId, appId + ".inprogress")) {
      if (Files.isRegularFile(events.resolve(name))) {
        return events.resolve(name);
      }
    }
    throw new AssertionError("no event log for " + appId + " in " + events);
  }

  /** A source of {@link #FILES} CSV files of {@link #ROWS_PER_FILE} trades each, ids in a row. */
  record Source(Path dir, List<Long> ids, List<String> rows) {
    static Source write(Path dir, int firstId) throws IOException {
      Files.createDirectories(dir);
      List<Long> ids = new ArrayList<>();
      List<String> rows = new ArrayList<>();
      for (int f = 0; f < FILES; f++) {
        int from = firstId + f * ROWS_PER_FILE;
        Path csv = dir.resolve("trades-" + f + ".csv");
        Files.writeString(
            csv,
            SampleData.tradesCsv(from, ROWS_PER_FILE, SampleData.SEED + from),
            StandardCharsets.UTF_8);
        rows.addAll(ClusterStory.csvRows(csv));
        for (long id = from; id < from + ROWS_PER_FILE; id++) {
          ids.add(id);
        }
      }
      return new Source(dir, ids, rows);
    }
  }

  /** One task attempt, from its TaskStart and TaskEnd events. */
  record TaskAttempt(
      long taskId,
      int index,
      int attempt,
      String host,
      boolean speculative,
      String endReason,
      String killReason,
      long recordsWritten,
      long bytesWritten,
      long durationMillis) {
    boolean succeeded() {
      return "Success".equals(endReason);
    }

    @Override
    public String toString() {
      return String.format(
          "    task %d.%d (TID %d) on %s%s: %s%s, %d records / %d bytes written, %d ms",
          index,
          attempt,
          taskId,
          host,
          speculative ? " (speculative)" : "",
          endReason,
          killReason == null ? "" : " (" + killReason + ")",
          recordsWritten,
          bytesWritten,
          durationMillis);
    }
  }

  /** The stage of an application's event log whose tasks wrote records: the data files' stage. */
  record WriteStage(String appLog, int stageId, int numTasks, List<TaskAttempt> attempts) {
    static WriteStage of(Path eventLog) throws IOException {
      Map<Long, JsonNode> starts = new LinkedHashMap<>();
      Map<Long, JsonNode> ends = new LinkedHashMap<>();
      Map<Long, Integer> stageOf = new LinkedHashMap<>();
      Map<Integer, Integer> numTasks = new TreeMap<>();
      for (String line : Files.readAllLines(eventLog, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = ClusterStory.JSON.readTree(line);
        switch (e.path("Event").asText()) {
          case "SparkListenerStageSubmitted" ->
              numTasks.put(
                  e.path("Stage Info").path("Stage ID").asInt(),
                  e.path("Stage Info").path("Number of Tasks").asInt());
          case "SparkListenerTaskStart" -> {
            long tid = e.path("Task Info").path("Task ID").asLong();
            starts.put(tid, e);
            stageOf.put(tid, e.path("Stage ID").asInt());
          }
          case "SparkListenerTaskEnd" -> {
            long tid = e.path("Task Info").path("Task ID").asLong();
            ends.put(tid, e);
            stageOf.put(tid, e.path("Stage ID").asInt());
          }
          default -> {}
        }
      }
      Set<Integer> writing = new HashSet<>();
      ends.forEach(
          (tid, e) -> {
            if (records(e) > 0) {
              writing.add(stageOf.get(tid));
            }
          });
      assertThat(writing).as("stages whose tasks wrote records, in %s", eventLog).hasSize(1);
      int stage = writing.iterator().next();
      List<TaskAttempt> attempts = new ArrayList<>();
      for (Map.Entry<Long, Integer> t : stageOf.entrySet()) {
        if (t.getValue() != stage) {
          continue;
        }
        JsonNode start = starts.get(t.getKey());
        JsonNode end = ends.get(t.getKey());
        JsonNode info = (end != null ? end : start).path("Task Info");
        JsonNode reason = end == null ? null : end.path("Task End Reason");
        attempts.add(
            new TaskAttempt(
                t.getKey(),
                info.path("Index").asInt(),
                info.path("Attempt").asInt(),
                info.path("Host").asText(),
                info.path("Speculative").asBoolean(),
                reason == null ? "NO TASK END EVENT" : reason.path("Reason").asText(),
                reason == null || !reason.has("Kill Reason")
                    ? null
                    : reason.path("Kill Reason").asText(),
                end == null ? 0 : records(end),
                end == null
                    ? 0
                    : end.path("Task Metrics")
                        .path("Output Metrics")
                        .path("Bytes Written")
                        .asLong(),
                end == null
                    ? -1
                    : info.path("Finish Time").asLong() - info.path("Launch Time").asLong()));
      }
      return new WriteStage(
          eventLog.getFileName().toString(),
          stage,
          numTasks.getOrDefault(stage, -1),
          List.copyOf(attempts));
    }

    private static long records(JsonNode taskEnd) {
      return taskEnd.path("Task Metrics").path("Output Metrics").path("Records Written").asLong();
    }

    /**
     * The slow partition ran twice, the second a speculative copy on the other host; exactly one
     * attempt succeeded (the speculative one when {@code speculativeWins}) and the other was killed
     * for it after writing its records; every other partition ran once.
     *
     * @return the losing attempt
     */
    TaskAttempt assertSpeculated(int partition, boolean speculativeWins) {
      assertThat(numTasks).as("%s", this).isGreaterThan(partition);
      List<TaskAttempt> slow = attempts.stream().filter(a -> a.index() == partition).toList();
      assertThat(slow).as("attempts of partition %d: %s", partition, this).hasSize(2);
      TaskAttempt original = slow.stream().filter(a -> a.attempt() == 0).findFirst().orElseThrow();
      TaskAttempt copy = slow.stream().filter(a -> a.attempt() == 1).findFirst().orElseThrow();
      assertThat(original.speculative()).as("%s", this).isFalse();
      assertThat(copy.speculative()).as("%s", this).isTrue();
      assertThat(copy.host()).as("%s", this).isNotEqualTo(original.host());
      TaskAttempt winner = speculativeWins ? copy : original;
      TaskAttempt loser = speculativeWins ? original : copy;
      assertThat(winner.succeeded()).as("%s", this).isTrue();
      assertThat(loser.endReason()).as("%s", this).isEqualTo("TaskKilled");
      // Spark kills the loser either for the winner or, when the stage ends first, for that.
      assertThat(loser.killReason()).as("%s", this).isIn(KILLED_BY_WINNER, "Stage finished");
      // The loser was killed while its result was held: it had written (and closed) its file.
      assertThat(loser.recordsWritten()).as("%s", this).isEqualTo(winner.recordsWritten());
      for (int i = 0; i < numTasks; i++) {
        if (i == partition) {
          continue;
        }
        int index = i;
        List<TaskAttempt> others = attempts.stream().filter(a -> a.index() == index).toList();
        assertThat(others).as("attempts of partition %d: %s", i, this).hasSize(1);
        assertThat(others.get(0).succeeded()).as("%s", this).isTrue();
      }
      return loser;
    }

    @Override
    public String toString() {
      return String.format("  %s: stage %d, %d tasks%n", appLog, stageId, numTasks)
          + attempts.stream().map(TaskAttempt::toString).collect(Collectors.joining("\n"));
    }
  }

  /** One Delta commit's actions, as its {@code _delta_log/<version>.json} lists them. */
  record Commit(
      long version,
      long timestamp,
      String operation,
      List<String> transactions,
      List<String> adds,
      List<String> removes) {}

  /**
   * A Delta table as its files show it: the commits of {@code _delta_log}, and the data files
   * (*.parquet, outside {@code _delta_log}) on disk.
   */
  record Table(Path dir, List<Commit> commits, Map<String, Long> dataFiles) {
    static Table read(Path dir) throws IOException {
      List<Commit> commits = new ArrayList<>();
      List<Path> logs;
      try (Stream<Path> s = Files.list(dir.resolve("_delta_log"))) {
        logs =
            s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).sorted().toList();
      }
      for (Path log : logs) {
        String operation = null;
        long timestamp = -1;
        List<String> txns = new ArrayList<>();
        List<String> adds = new ArrayList<>();
        List<String> removes = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode a = ClusterStory.JSON.readTree(line);
          if (a.has("commitInfo")) {
            operation = a.path("commitInfo").path("operation").asText();
            timestamp = a.path("commitInfo").path("timestamp").asLong();
          } else if (a.has("txn")) {
            txns.add(a.path("txn").path("appId").asText());
          } else if (a.has("add")) {
            adds.add(decode(a.path("add").path("path").asText()));
          } else if (a.has("remove")) {
            removes.add(decode(a.path("remove").path("path").asText()));
          }
        }
        String name = log.getFileName().toString();
        commits.add(
            new Commit(
                Long.parseLong(name.substring(0, name.indexOf('.'))),
                timestamp,
                operation,
                txns,
                adds,
                removes));
      }
      Map<String, Long> files = new TreeMap<>();
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.filter(Files::isRegularFile).toList()) {
          String rel = dir.relativize(p).toString().replace('\\', '/');
          if (!rel.startsWith("_delta_log/") && rel.endsWith(".parquet")) {
            files.put(rel, Files.size(p));
          }
        }
      }
      return new Table(dir, commits, files);
    }

    private static String decode(String path) {
      return URI.create(path).getPath();
    }

    /** Versions 0..n-1, one per changeset in order, each carrying that changeset's transaction. */
    void assertOneCommitPerChangeset(List<String> changesetIds) {
      assertThat(commits.stream().map(Commit::version))
          .as("Delta versions of %s: %s", dir, commits)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.range(0, changesetIds.size()).boxed().toList());
      for (int v = 0; v < changesetIds.size(); v++) {
        Commit c = commits.get(v);
        assertThat(c.operation()).as("%s", c).isEqualTo("WRITE");
        assertThat(c.transactions()).as("%s", c).containsExactly("habanero-" + changesetIds.get(v));
        assertThat(c.adds()).as("%s", c).isNotEmpty().doesNotHaveDuplicates();
      }
    }

    /** Every data file any version added. */
    Set<String> referenced() {
      Set<String> all = new HashSet<>();
      commits.forEach(c -> all.addAll(c.adds()));
      return all;
    }

    /** The data files of the latest version. */
    Set<String> live() {
      Set<String> live = new HashSet<>();
      for (Commit c : commits) {
        live.removeAll(c.removes());
        live.addAll(c.adds());
      }
      return live;
    }

    /** The data files on disk that no version references, with their sizes. */
    Map<String, Long> unreferenced() {
      Map<String, Long> orphans = new TreeMap<>(dataFiles);
      orphans.keySet().removeAll(referenced());
      return orphans;
    }

    /** The trade ids of the latest version, read from its data files. */
    List<Long> liveTradeIds() throws IOException {
      assertThat(dataFiles.keySet()).as("referenced files on disk").containsAll(live());
      List<Long> ids = new ArrayList<>();
      for (String f : live()) {
        ids.addAll(tradeIds(dir.resolve(f)));
      }
      return ids;
    }

    /**
     * The data files no version references are, besides {@code known} (reported before), at most
     * the one file of the losing attempt: named for its partition and holding exactly the rows of
     * the committed file of that partition. Returns a line per such file, for the report.
     */
    List<String> assertOnlyLosersFilesUnreferenced(Set<String> known, TaskAttempt loser)
        throws IOException {
      Map<String, Long> fresh = new TreeMap<>(unreferenced());
      fresh.keySet().removeAll(known);
      assertThat(fresh.size())
          .as("unreferenced data files of %s: %s", dir, fresh)
          .isLessThanOrEqualTo(1);
      List<String> report = new ArrayList<>();
      String split = String.format("part-%05d-", loser.index());
      Commit last = commits.get(commits.size() - 1);
      List<String> winners = last.adds().stream().filter(a -> a.startsWith(split)).toList();
      for (Map.Entry<String, Long> orphan : fresh.entrySet()) {
        assertThat(orphan.getKey()).as("an unreferenced file").startsWith(split);
        assertThat(winners).as("committed files of partition %d", loser.index()).hasSize(1);
        List<Long> orphanIds = tradeIds(dir.resolve(orphan.getKey()));
        List<Long> winnerIds = tradeIds(dir.resolve(winners.get(0)));
        assertThat(orphanIds)
            .as("the losing attempt's rows, against the winner's %s", winners.get(0))
            .hasSize((int) loser.recordsWritten())
            .containsExactlyInAnyOrderElementsOf(winnerIds);
        report.add(
            String.format(
                "version %d left an unreferenced data file from the losing attempt %d.%d (TID %d,"
                    + " %s, %s): %s, %d bytes, %d rows, the same trade ids as the committed %s%s;"
                    + " last modified %d ms before the commit",
                last.version(),
                loser.index(),
                loser.attempt(),
                loser.taskId(),
                loser.speculative() ? "speculative" : "original",
                loser.host(),
                orphan.getKey(),
                orphan.getValue(),
                orphanIds.size(),
                winners.get(0),
                Files.exists(dir.resolve("." + orphan.getKey() + ".crc"))
                    ? " (and its ." + orphan.getKey() + ".crc)"
                    : "",
                last.timestamp()
                    - Files.getLastModifiedTime(dir.resolve(orphan.getKey())).toMillis()));
      }
      if (fresh.isEmpty()) {
        report.add(
            String.format(
                "version %d left no unreferenced data file (losing attempt %d.%d)",
                last.version(), loser.index(), loser.attempt()));
      }
      return report;
    }
  }

  /** The trade_id column of a Parquet file, read with parquet-hadoop (no Spark). */
  static List<Long> tradeIds(Path parquet) throws IOException {
    List<Long> ids = new ArrayList<>();
    try (ParquetReader<Group> r =
        ParquetReader.builder(
                new GroupReadSupport(), new org.apache.hadoop.fs.Path(parquet.toUri()))
            .withConf(new Configuration())
            .build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        ids.add(Long.parseLong(g.getValueToString(g.getType().getFieldIndex("trade_id"), 0)));
      }
    }
    return ids;
  }
}
