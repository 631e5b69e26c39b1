package io.habanero.jobs;

import io.habanero.ChangesetProgress;
import io.habanero.ProgressListener;
import java.io.PrintStream;
import java.util.Objects;

/**
 * Prints a changeset's progress to stderr: every phase change, and otherwise at most one line per
 * interval, so a long ingestion shows files, bytes and rows without flooding the terminal.
 */
final class StderrProgress implements ProgressListener {
  static final long DEFAULT_INTERVAL_MILLIS = 2_000;

  private final PrintStream err;
  private final long intervalMillis;
  private String lastPhase;
  private long lastPrintedAt;

  StderrProgress(PrintStream err, long intervalMillis) {
    this.err = err;
    this.intervalMillis = intervalMillis;
  }

  @Override
  public synchronized void onProgress(ChangesetProgress progress) {
    long now = System.currentTimeMillis();
    boolean phaseChanged = !Objects.equals(progress.phase(), lastPhase);
    if (!phaseChanged && now - lastPrintedAt < intervalMillis) {
      return;
    }
    lastPhase = progress.phase();
    lastPrintedAt = now;
    err.println("habanero: " + progress.describe());
    err.flush();
  }
}
