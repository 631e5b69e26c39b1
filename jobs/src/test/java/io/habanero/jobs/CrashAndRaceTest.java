package io.habanero.jobs;

import io.habanero.SharedSpark;
import io.habanero.jobs.chaos.Chaos;
import io.habanero.jobs.chaos.Chaos.KillOutcome;
import io.habanero.jobs.chaos.Chaos.RaceOutcome;
import io.habanero.jobs.chaos.Chaos.Request;
import io.habanero.jobs.chaos.Chaos.Trigger;
import io.habanero.jobs.chaos.CliProcess;
import io.habanero.jobs.chaos.Findings;
import io.habanero.jobs.chaos.Sources;
import io.habanero.jobs.chaos.Sources.Source;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: real CLI processes killed with SIGKILL in every phase, and racing each other for every
 * pair of change types, each case checked on the data (see {@link io.habanero.jobs.chaos.Audit}):
 * all-or-nothing rows, distinct ids, a status that agrees with the Delta log, no orphaned files or
 * quarantines after the sweep, and a same-clientToken retry that lands exactly once.
 *
 * <p>Every case runs to its end and all problems are reported together, so that one failure does
 * not hide the others.
 */
class CrashAndRaceTest {
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(240);

  /** A dead RUNNING changeset of another host is resolved after this; same host: by process id. */
  private static final String LEASE = "spark.habanero.changeset.lease-timeout-seconds=3";

  @TempDir Path tmp;

  private CliProcess cli;
  private Chaos chaos;
  private Sources sources;

  @BeforeEach
  void setUp() {
    Path warehouse = tmp.resolve("wh");
    cli = CliProcess.onThisClasspath(warehouse, tmp.resolve("logs"), List.of(LEASE));
    sources = new Sources(tmp.resolve("in"));
    chaos = new Chaos(cli, SharedSpark.get(), sources, List.of(LEASE), CHILD_TIMEOUT);
  }

  @AfterEach
  void tearDown() {
    cli.killAll();
  }

  private Request req(String ds, String type, Source s, String target, boolean q, String token) {
    return new Request(ds, type, s, target, q, token);
  }

  /** A dataset with one APPEND of 5 rows; returns that changeset's id. */
  private String base(String ds) {
    return chaos.setup(req(ds, "APPEND", sources.fresh(ds + "-base", 5, 0), null, false, null));
  }

  @Test
  void killNineInEveryPhaseThenRecoverSweepAndRetry() {
    List<KillOutcome> outcomes = new ArrayList<>();

    // Before anything is recorded: JVM and Spark start-up, validation.
    base("k1");
    outcomes.add(
        chaos.kill(
            "startup",
            req("k1", "APPEND", sources.fresh("k1-a", 4, 0), null, false, "tok-k1"),
            Trigger.STARTED,
            1500));

    // READING (right after PENDING -> RUNNING was recorded), with QUARANTINE and a bad row.
    base("k3");
    outcomes.add(
        chaos.kill(
            "reading",
            req("k3", "APPEND", sources.fresh("k3-a", 4, 1), null, true, "tok-k3"),
            Trigger.READING,
            0));

    // WRITING, a MODIFY.
    String t4 = base("k4");
    List<Integer> t4ids = sources.forPath(tmp.resolve("in/k4-base.csv").toString()).get().ids();
    outcomes.add(
        chaos.kill(
            "writing",
            req("k4", "MODIFY", sources.withIds("k4-fix", t4ids, 0), t4, false, "tok-k4"),
            Trigger.WRITING,
            0));

    // COMMITTING, a REPLACE.
    base("k5");
    outcomes.add(
        chaos.kill(
            "committing",
            req("k5", "REPLACE", sources.fresh("k5-r", 3, 0), null, false, "tok-k5"),
            Trigger.COMMITTING,
            0));

    // COMMITTING, later: the quarantine is kept, the commit may have landed.
    base("k6");
    outcomes.add(
        chaos.kill(
            "committing-late",
            req("k6", "APPEND", sources.fresh("k6-a", 4, 2), null, true, "tok-k6"),
            Trigger.COMMITTING,
            700));

    SoftAssertions soft = new SoftAssertions();
    for (KillOutcome o : outcomes) {
      System.err.println("[chaos] " + o.summary());
      soft.assertThat(o.killed()).as(o.summary()).isTrue();
      soft.assertThat(o.exitCode())
          .as("SIGKILL: " + o.summary())
          .isEqualTo(CliProcess.SIGKILL_EXIT);
      if (o.trigger() != Trigger.STARTED) {
        soft.assertThat(o.statusAfterRecovery()).as(o.summary()).isIn("SUCCESS", "FAILED");
      }
      soft.assertThat(o.findings().problems).as(o.summary()).isEmpty();
      soft.assertThat(o.findings().nonZeroCounts()).as(o.summary()).isEmpty();
    }
    soft.assertAll();
  }

  @Test
  void racingProcessesForEveryPairOfChangeTypes() {
    List<RaceOutcome> outcomes = new ArrayList<>();

    outcomes.add(
        chaos.race(
            "APPEND/APPEND new dataset",
            req("r1", "APPEND", sources.fresh("r1-a", 4, 0), null, false, null),
            req("r1", "APPEND", sources.fresh("r1-b", 4, 0), null, false, null)));

    base("r2");
    outcomes.add(
        chaos.race(
            "APPEND/APPEND existing dataset",
            req("r2", "APPEND", sources.fresh("r2-a", 4, 0), null, false, null),
            req("r2", "APPEND", sources.fresh("r2-b", 4, 1), null, true, null)));

    base("r3");
    outcomes.add(
        chaos.race(
            "REPLACE/APPEND",
            req("r3", "REPLACE", sources.fresh("r3-r", 4, 0), null, false, null),
            req("r3", "APPEND", sources.fresh("r3-a", 4, 0), null, false, null)));

    String t4 = base("r4");
    List<Integer> t4ids = sources.forPath(tmp.resolve("in/r4-base.csv").toString()).get().ids();
    outcomes.add(
        chaos.race(
            "MODIFY/MODIFY same target",
            req("r4", "MODIFY", sources.withIds("r4-fix-a", t4ids, 0), t4, false, null),
            req("r4", "MODIFY", sources.withIds("r4-fix-b", t4ids, 0), t4, false, null)));

    String t5 = base("r5");
    List<Integer> t5ids = sources.forPath(tmp.resolve("in/r5-base.csv").toString()).get().ids();
    outcomes.add(
        chaos.race(
            "MODIFY/REPLACE",
            req("r5", "MODIFY", sources.withIds("r5-fix", t5ids, 0), t5, false, null),
            req("r5", "REPLACE", sources.fresh("r5-r", 4, 0), null, false, null)));

    base("r6");
    Source same = sources.fresh("r6-a", 4, 0);
    outcomes.add(
        chaos.race(
            "same clientToken",
            req("r6", "APPEND", same, null, false, "tok-r6"),
            req("r6", "APPEND", same, null, false, "tok-r6")));

    SoftAssertions soft = new SoftAssertions();
    for (RaceOutcome o : outcomes) {
      System.err.println("[chaos] " + o.summary());
      Findings f = o.findings();
      soft.assertThat(f.problems).as(o.summary()).isEmpty();
      soft.assertThat(f.nonZeroCounts()).as(o.summary()).isEmpty();
    }
    soft.assertAll();
  }
}
