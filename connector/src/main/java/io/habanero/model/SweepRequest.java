package io.habanero.model;

import java.time.Duration;

/**
 * Input of the sweep maintenance operation (a Habanero addition to the model): removes what failed
 * or killed changesets left behind in the warehouse. See {@code Habanero#sweep}.
 *
 * @param datasetId the dataset to sweep, or null for every dataset of the warehouse
 * @param safetyWindow how old an unreferenced file must be before it is removed; null means the
 *     setting {@code sweep.safety-window-minutes} (default 60 minutes). {@link Duration#ZERO}
 *     removes every leftover at once, still never a running changeset's files
 * @param dryRun report what would be removed, and remove nothing
 */
public record SweepRequest(String datasetId, Duration safetyWindow, boolean dryRun) {
  /** Every dataset, the configured window, for real. */
  public static SweepRequest all() {
    return new SweepRequest(null, null, false);
  }
}
