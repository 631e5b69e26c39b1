package io.habanero;

/** Receives progress of a running changeset, at phase changes and every few seconds. */
@FunctionalInterface
public interface ProgressListener {
  /** A listener that ignores progress. */
  ProgressListener NONE = p -> {};

  /**
   * Called from a Habanero thread; must be quick and must not throw.
   *
   * @param progress the latest progress
   */
  void onProgress(ChangesetProgress progress);
}
