package io.habanero.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.habanero.jobs.chaos.Chaos;
import io.habanero.jobs.chaos.Chaos.FaultOutcome;
import io.habanero.jobs.chaos.Chaos.KillKind;
import io.habanero.jobs.chaos.Chaos.KillOutcome;
import io.habanero.jobs.chaos.Chaos.Pair;
import io.habanero.jobs.chaos.Chaos.RaceOutcome;
import io.habanero.jobs.chaos.Chaos.Trigger;
import io.habanero.jobs.chaos.CliProcess;
import io.habanero.jobs.chaos.Findings;
import io.habanero.jobs.chaos.Sources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * A reliability figure: a bounded soak of real CLI processes on one warehouse, with the harness of
 * {@code CrashAndRaceTest} ({@code io.habanero.jobs.chaos}). It injects
 *
 * <ul>
 *   <li>kills: a {@code create-changeset} killed with SIGKILL at a random point of a random phase
 *       (start-up, recorded, READING, WRITING, COMMITTING plus a random delay), then listed in a
 *       new process and retried with the same clientToken;
 *   <li>races: two {@code create-changeset} processes started at once, cycling through every pair
 *       of change types;
 *   <li>input faults: a malformed record without QUARANTINE, a source file rewritten mid-ingest;
 * </ul>
 *
 * and audits every case on the data after a sweep: rows lost, rows duplicated, rows unexpected,
 * orphans left, changesets misreported, conflict-rule and clientToken violations. Each must be 0;
 * the run exits 1 otherwise. Results: {@code benchmarks/results/chaos-latest.md} and {@code .json}.
 *
 * <p>{@code scripts/bench chaos [--smoke] [--kills N] [--races N] [--faults N] [--seed S]
 * [--max-minutes M] [--out DIR] [--work DIR]}
 */
public final class ChaosBenchmark {
  private static final String LEASE = "spark.habanero.changeset.lease-timeout-seconds=3";
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(300);

  private ChaosBenchmark() {}

  private record Options(
      boolean smoke,
      int kills,
      int races,
      int faults,
      long seed,
      double maxMinutes,
      Path out,
      Path work) {
    static Options parse(String[] args) {
      boolean smoke = false;
      Integer kills = null;
      Integer races = null;
      Integer faults = null;
      long seed = 11;
      double maxMinutes = 0;
      Path out = Path.of("benchmarks/results");
      Path work = Path.of("benchmarks/work");
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--smoke" -> smoke = true;
          case "--kills" -> kills = Integer.parseInt(args[++i]);
          case "--races" -> races = Integer.parseInt(args[++i]);
          case "--faults" -> faults = Integer.parseInt(args[++i]);
          case "--seed" -> seed = Long.parseLong(args[++i]);
          case "--max-minutes" -> maxMinutes = Double.parseDouble(args[++i]);
          case "--out" -> out = Path.of(args[++i]);
          case "--work" -> work = Path.of(args[++i]);
          default -> {
            System.err.println(
                "usage: scripts/bench chaos [--smoke] [--kills N] [--races N] [--faults N]"
                    + " [--seed S] [--max-minutes M] [--out DIR] [--work DIR]");
            System.exit(2);
          }
        }
      }
      return new Options(
          smoke,
          kills != null ? kills : smoke ? 2 : 20,
          races != null ? races : smoke ? 2 : 10,
          faults != null ? faults : smoke ? 1 : 4,
          seed,
          maxMinutes,
          out,
          work);
    }
  }

  /** One kill point of the soak's menu. */
  private record KillPoint(Trigger trigger, long maxDelayMillis) {}

  private static final List<KillPoint> KILL_POINTS =
      List.of(
          new KillPoint(Trigger.STARTED, 6_000),
          new KillPoint(Trigger.RECORDED, 0),
          new KillPoint(Trigger.READING, 500),
          new KillPoint(Trigger.WRITING, 800),
          new KillPoint(Trigger.COMMITTING, 0),
          new KillPoint(Trigger.COMMITTING, 1_500),
          new KillPoint(Trigger.COMMITTED, 0),
          new KillPoint(Trigger.COMMITTED, 300));

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Path work = o.work().toAbsolutePath().resolve(o.smoke() ? "chaos-smoke" : "chaos");
    deleteRecursively(work);
    Files.createDirectories(work);
    SparkSession spark = BenchSupport.session("habanero-chaos");
    int exit = run(o, spark, work);
    spark.stop();
    System.exit(exit);
  }

  private static int run(Options o, SparkSession spark, Path work) throws IOException {
    long t0 = System.nanoTime();
    long deadline = o.maxMinutes() > 0 ? t0 + (long) (o.maxMinutes() * 60e9) : Long.MAX_VALUE;
    Random random = new Random(o.seed());
    CliProcess cli =
        CliProcess.onThisClasspath(work.resolve("wh"), work.resolve("logs"), List.of(LEASE));
    Sources sources = new Sources(work.resolve("in"));
    Chaos chaos = new Chaos(cli, spark, sources, List.of(LEASE), CHILD_TIMEOUT);

    Findings total = new Findings();
    List<String> cases = new ArrayList<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    int kills = 0;
    int killsMissed = 0;
    int races = 0;
    int faults = 0;
    int n = 0;
    boolean stoppedEarly = false;

    // Interleaved: kill, race, kill, race, ..., with the input faults spread among them.
    int rounds = Math.max(o.kills(), Math.max(o.races(), o.faults()));
    KillKind[] kinds = KillKind.values();
    Pair[] pairs = Pair.values();
    for (int round = 0; round < rounds; round++) {
      if (round < o.kills()) {
        if (System.nanoTime() > deadline) {
          stoppedEarly = true;
          break;
        }
        KillPoint p = KILL_POINTS.get(random.nextInt(KILL_POINTS.size()));
        KillKind kind = kinds[random.nextInt(kinds.length)];
        long delay =
            p.trigger() == Trigger.STARTED
                ? 1_000 + random.nextInt((int) p.maxDelayMillis())
                : p.maxDelayMillis() == 0 ? 0 : random.nextInt((int) p.maxDelayMillis());
        String ds = "k" + (++n);
        KillOutcome k =
            chaos.kill("kill " + round, ds, kind, 3 + random.nextInt(40), p.trigger(), delay);
        if (k.killed()) {
          kills++;
        } else {
          killsMissed++;
        }
        outcomes.merge(
            (k.killed() ? "kill at " : "kill missed (ended first) at ")
                + p.trigger()
                + ": changeset "
                + (k.changesetId() == null
                    ? "not recorded yet"
                    : k.statusOnDiskAtKill() + " on disk, " + k.statusAfterRecovery())
                + " after recovery, retry "
                + k.retryStatus(),
            1,
            Integer::sum);
        record(total, cases, k.summary(), k.findings());
      }
      if (round < o.races()) {
        if (System.nanoTime() > deadline) {
          stoppedEarly = true;
          break;
        }
        Pair pair = pairs[round % pairs.length];
        RaceOutcome r = chaos.race(pair, "r" + (++n), 3 + random.nextInt(40));
        races++;
        outcomes.merge("race " + pair.description + ": " + raceShape(r), 1, Integer::sum);
        record(total, cases, r.summary(), r.findings());
      }
      if (round < o.faults()) {
        if (System.nanoTime() > deadline) {
          stoppedEarly = true;
          break;
        }
        String ds = "f" + (++n);
        FaultOutcome f =
            round % 2 == 0
                ? chaos.malformedInput("malformed record " + round, ds, 3 + random.nextInt(40))
                : chaos.sourceRewrittenMidIngest(
                    "source rewritten " + round,
                    ds,
                    3 + random.nextInt(40),
                    random.nextBoolean() ? Trigger.WRITING : Trigger.COMMITTING);
        faults++;
        outcomes.merge(f.label().replaceAll(" \\d+$", "") + ": " + f.outcome(), 1, Integer::sum);
        record(total, cases, f.label() + ": " + f.outcome(), f.findings());
      }
    }
    cli.killAll();
    double seconds = (System.nanoTime() - t0) / 1e9;

    Map<String, Object> results = new LinkedHashMap<>();
    results.put("machine", BenchSupport.machine());
    results.put(
        "parameters",
        Map.of(
            "kills",
            o.kills(),
            "races",
            o.races(),
            "faults",
            o.faults(),
            "seed",
            o.seed(),
            "maxMinutes",
            o.maxMinutes(),
            "smoke",
            o.smoke()));
    Map<String, Object> injected = new LinkedHashMap<>();
    injected.put("faultsTotal", kills + races + faults);
    injected.put("kills", kills);
    injected.put("killsMissed", killsMissed);
    injected.put("races", races);
    injected.put("inputFaults", faults);
    results.put("injected", injected);
    results.put("measured", total.counts());
    results.put("unreferencedParquetBeforeSweep", total.unreferencedBeforeSweep);
    results.put("outcomes", outcomes);
    results.put("seconds", Math.round(seconds));
    results.put("stoppedEarly", stoppedEarly);
    results.put("cases", cases);
    results.put("problems", total.problems);
    boolean clean = total.clean();
    results.put("verdict", clean ? "PASS" : "FAIL");

    StringBuilder md = new StringBuilder();
    md.append("# Chaos: kills, races and faults with real CLI processes\n\n");
    md.append("Machine: ").append(BenchSupport.machine()).append("\n\n");
    md.append(
        String.format(
            "Parameters: --kills %d --races %d --faults %d --seed %d%s%s; %d s%s.%s%n%n",
            o.kills(),
            o.races(),
            o.faults(),
            o.seed(),
            o.maxMinutes() > 0 ? " --max-minutes " + o.maxMinutes() : "",
            o.smoke() ? " --smoke" : "",
            Math.round(seconds),
            stoppedEarly ? " (stopped at --max-minutes)" : "",
            o.smoke() ? " SMOKE MODE: a regression check, not a figure." : ""));
    md.append("| injected | count |\n|---|---|\n");
    injected.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    md.append("\n| measured (each must be 0) | count |\n|---|---|\n");
    total
        .counts()
        .forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    md.append(
        String.format(
            "%nUnreferenced parquet files seen before the sweeps (the sweep's work): %d.%n",
            total.unreferencedBeforeSweep));
    md.append("\nVerdict: **").append(clean ? "PASS" : "FAIL").append("**\n");
    md.append("\n## Outcomes\n\n| outcome | cases |\n|---|---|\n");
    outcomes.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    if (!total.problems.isEmpty()) {
      md.append("\n## Problems observed\n\n");
      total.problems.forEach(p -> md.append("- ").append(p).append('\n'));
    }
    md.append("\n## Cases\n\n");
    cases.forEach(c -> md.append("- ").append(c).append('\n'));

    Files.createDirectories(o.out());
    String name = o.smoke() ? "chaos-smoke" : "chaos-latest";
    Files.writeString(o.out().resolve(name + ".md"), md.toString());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(o.out().resolve(name + ".json").toFile(), results);
    System.out.println(md);
    BenchSupport.log("wrote " + o.out().resolve(name + ".md") + " and .json");
    return clean ? 0 : 1;
  }

  private static void record(Findings total, List<String> cases, String summary, Findings f) {
    total.add(f);
    String line = summary + (f.clean() ? " — clean" : " — " + f.nonZeroCounts());
    cases.add(line);
    BenchSupport.log(line);
  }

  /** The race's outcome shape: which racers committed, and how the other ended. */
  private static String raceShape(RaceOutcome r) {
    return shape(r.resultA()) + " / " + shape(r.resultB());
  }

  private static String shape(CliProcess.Result res) {
    var c = res.changeset();
    if (c == null) {
      return "exit " + res.code();
    }
    return c.path("status").asText() + " (exit " + res.code() + ")";
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
