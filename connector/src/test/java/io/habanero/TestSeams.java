package io.habanero;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Test seams of a {@link Habanero} for tests outside this package (the jobs module's). */
public final class TestSeams {
  private TestSeams() {}

  /**
   * Pauses every changeset of {@code h} when it reaches the runner's {@code phase} (e.g. {@code
   * "running"}): counts {@code reached} down, then waits (at most 2 minutes) for {@code release}.
   */
  public static void pauseAt(
      Habanero h, String phase, CountDownLatch reached, CountDownLatch release) {
    h.service()
        .setCheckpoint(
            (p, rec) -> {
              if (p.equals(phase)) {
                reached.countDown();
                release.await(2, TimeUnit.MINUTES);
              }
            });
  }

  /** Removes a pause set by {@link #pauseAt}. */
  public static void clear(Habanero h) {
    h.service().setCheckpoint(null);
  }
}
