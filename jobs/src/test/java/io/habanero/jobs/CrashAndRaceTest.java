package io.habanero.jobs;

import io.habanero.SharedSpark;
import io.habanero.jobs.chaos.Chaos;
import io.habanero.jobs.chaos.Chaos.KillKind;
import io.habanero.jobs.chaos.Chaos.KillOutcome;
import io.habanero.jobs.chaos.Chaos.Pair;
import io.habanero.jobs.chaos.Chaos.RaceOutcome;
import io.habanero.jobs.chaos.Chaos.Trigger;
import io.habanero.jobs.chaos.CliProcess;
import io.habanero.jobs.chaos.Findings;
import io.habanero.jobs.chaos.Sources;
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

  @Test
  void killNineInEveryPhaseThenRecoverSweepAndRetry() {
    List<KillOutcome> outcomes = new ArrayList<>();
    // Before anything is recorded: JVM and Spark start-up, validation.
    outcomes.add(chaos.kill("startup", "k1", KillKind.APPEND, 4, Trigger.STARTED, 1500));
    // READING, right after PENDING -> RUNNING was recorded; QUARANTINE with bad rows.
    outcomes.add(chaos.kill("reading", "k2", KillKind.APPEND_QUARANTINE, 4, Trigger.READING, 0));
    // WRITING: a MODIFY of the base changeset.
    outcomes.add(chaos.kill("writing", "k3", KillKind.MODIFY, 5, Trigger.WRITING, 0));
    // COMMITTING: a REPLACE.
    outcomes.add(chaos.kill("committing", "k4", KillKind.REPLACE, 3, Trigger.COMMITTING, 0));
    // After the commit landed (its Delta version is there), before or after the SUCCESS record:
    // recovery finds the commit, and the quarantine kept before it stays.
    outcomes.add(
        chaos.kill("committed", "k5", KillKind.APPEND_QUARANTINE, 4, Trigger.COMMITTED, 0));
    // The same for a MODIFY: its retry must return it, though its target is now superseded by it.
    outcomes.add(chaos.kill("committed-modify", "k6", KillKind.MODIFY, 5, Trigger.COMMITTED, 0));

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
    int n = 0;
    for (Pair pair : Pair.values()) {
      outcomes.add(chaos.race(pair, "r" + (++n), 4));
    }

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
