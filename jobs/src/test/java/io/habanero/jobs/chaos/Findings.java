package io.habanero.jobs.chaos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an audit of a warehouse found: counts that must all be 0, and a line for every problem
 * (case, changeset, what was expected and what was observed).
 */
public final class Findings {
  /** Rows of a SUCCESS changeset that should be in the dataset and are not. */
  public long rowsLost;

  /** Copies of an id beyond the first (ids are distinct by construction). */
  public long rowsDuplicated;

  /** Rows that no committed changeset accounts for (e.g. a FAILED changeset's rows). */
  public long rowsUnexpected;

  /** Parquet files under a table directory that no Delta version references, after the sweep. */
  public long orphanFiles;

  /** Quarantine directories of changesets that are not SUCCESS, after the sweep. */
  public long orphanQuarantines;

  /**
   * Changesets whose reported status disagrees with the data: SUCCESS without its commit or rows,
   * FAILED with them, PENDING/RUNNING after recovery, a CLI that printed another status than the
   * record's, a wrong quarantine count.
   */
  public long changesetsMisreported;

  /**
   * Outcomes the change types' meaning forbids: a MODIFY applied to a superseded target, an APPEND
   * or REPLACE that lost a race and was not applied again, a loser's message that does not name the
   * winner, a clientToken that gave two changesets.
   */
  public long conflictRuleViolations;

  /**
   * clientToken outcomes that break idempotency: one token that gave two changesets, or a retry
   * after a kill that did not land its rows.
   */
  public long clientTokenViolations;

  /** Sweep runs that did not exit 0 with the contract's JSON. */
  public long sweepFailures;

  /** Unreferenced parquet files seen before the sweep ran (information, not a failure). */
  public long unreferencedBeforeSweep;

  public final List<String> problems = new ArrayList<>();

  public void problem(String line) {
    problems.add(line);
  }

  public void add(Findings o) {
    rowsLost += o.rowsLost;
    rowsDuplicated += o.rowsDuplicated;
    rowsUnexpected += o.rowsUnexpected;
    orphanFiles += o.orphanFiles;
    orphanQuarantines += o.orphanQuarantines;
    changesetsMisreported += o.changesetsMisreported;
    conflictRuleViolations += o.conflictRuleViolations;
    clientTokenViolations += o.clientTokenViolations;
    sweepFailures += o.sweepFailures;
    unreferencedBeforeSweep += o.unreferencedBeforeSweep;
    problems.addAll(o.problems);
  }

  /**
   * Adds what a later audit of the same dataset found beyond an earlier one: the larger of each
   * count (a problem that persists is counted once) and the problem lines not seen before.
   */
  public void addLater(Findings earlier, Findings later) {
    rowsLost += Math.max(earlier.rowsLost, later.rowsLost);
    rowsDuplicated += Math.max(earlier.rowsDuplicated, later.rowsDuplicated);
    rowsUnexpected += Math.max(earlier.rowsUnexpected, later.rowsUnexpected);
    orphanFiles += Math.max(earlier.orphanFiles, later.orphanFiles);
    orphanQuarantines += Math.max(earlier.orphanQuarantines, later.orphanQuarantines);
    changesetsMisreported += Math.max(earlier.changesetsMisreported, later.changesetsMisreported);
    conflictRuleViolations +=
        Math.max(earlier.conflictRuleViolations, later.conflictRuleViolations);
    clientTokenViolations += Math.max(earlier.clientTokenViolations, later.clientTokenViolations);
    sweepFailures += earlier.sweepFailures + later.sweepFailures;
    unreferencedBeforeSweep += earlier.unreferencedBeforeSweep + later.unreferencedBeforeSweep;
    for (String p : earlier.problems) {
      if (!problems.contains(p)) {
        problems.add(p);
      }
    }
    for (String p : later.problems) {
      if (!problems.contains(p)) {
        problems.add(p);
      }
    }
  }

  /** The counts that must be 0, by name. */
  public Map<String, Long> counts() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("rowsLost", rowsLost);
    m.put("rowsDuplicated", rowsDuplicated);
    m.put("rowsUnexpected", rowsUnexpected);
    m.put("orphanFilesAfterSweep", orphanFiles);
    m.put("orphanQuarantinesAfterSweep", orphanQuarantines);
    m.put("changesetsMisreported", changesetsMisreported);
    m.put("conflictRuleViolations", conflictRuleViolations);
    m.put("clientTokenViolations", clientTokenViolations);
    m.put("sweepFailures", sweepFailures);
    return m;
  }

  /** The counts that are not 0, by name (empty when all hold). */
  public Map<String, Long> nonZeroCounts() {
    Map<String, Long> m = new LinkedHashMap<>();
    counts()
        .forEach(
            (k, v) -> {
              if (v != 0) {
                m.put(k, v);
              }
            });
    return m;
  }

  public boolean clean() {
    return problems.isEmpty() && counts().values().stream().allMatch(v -> v == 0);
  }

  @Override
  public String toString() {
    return counts() + (problems.isEmpty() ? "" : "\n  " + String.join("\n  ", problems));
  }
}
