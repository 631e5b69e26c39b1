package io.habanero.jobs.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the endpoint's changesets run: at most {@code maxRunning} at once, and at most {@code
 * maxQueued} more waiting (PENDING). A request gets its place with {@link #reserve()} before
 * anything is recorded, so a full pool answers 429 and never drops an accepted changeset.
 */
final class ChangesetPool {
  private final int maxRunning;
  private final int maxQueued;
  private final ThreadPoolExecutor pool;
  private final Semaphore places;
  private volatile boolean accepting = true;

  ChangesetPool(int maxRunning, int maxQueued) {
    this.maxRunning = maxRunning;
    this.maxQueued = maxQueued;
    this.places = new Semaphore(maxRunning + maxQueued);
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            maxRunning,
            maxRunning,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "habanero-serve-changeset-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A place for one changeset.
   *
   * @throws WireError ThrottlingException when the pool is full, or 503 while shutting down
   */
  Reservation reserve() {
    if (!accepting) {
      throw WireError.stopping();
    }
    if (!places.tryAcquire()) {
      throw WireError.throttled(running(), queued());
    }
    return new Reservation();
  }

  int running() {
    return pool.getActiveCount();
  }

  int queued() {
    return pool.getQueue().size();
  }

  int maxRunning() {
    return maxRunning;
  }

  int maxQueued() {
    return maxQueued;
  }

  /** What a shutdown left: changesets still running after the grace period, and never started. */
  record Stopped(int stillRunning, int neverStarted) {}

  /**
   * Stops taking changesets and lets the running ones end within {@code graceMillis}. Changesets
   * still waiting never start: they stay PENDING, and crash recovery resolves them (FAILED) once
   * this process is gone.
   */
  Stopped shutdown(long graceMillis) throws InterruptedException {
    accepting = false;
    List<Runnable> waiting = new ArrayList<>();
    pool.getQueue().drainTo(waiting);
    pool.shutdown();
    pool.awaitTermination(graceMillis, TimeUnit.MILLISECONDS);
    return new Stopped(pool.getActiveCount(), waiting.size());
  }

  /**
   * A reserved place. The engine hands the ingestion to it as an {@link Executor}; {@link #launch}
   * then queues it on the pool. The place is given back when the ingestion ends, or at once when no
   * ingestion was handed over (a retry of a known clientToken) or the request failed.
   */
  final class Reservation implements Executor {
    private final List<Runnable> tasks = new ArrayList<>();
    private final AtomicBoolean released = new AtomicBoolean();

    @Override
    public synchronized void execute(Runnable task) {
      tasks.add(task);
    }

    /**
     * Queues what was handed over (the changeset's response has been read by now); {@code onEnd}
     * runs after the ingestion.
     *
     * @return whether an ingestion was queued (not for a retry of a known clientToken)
     */
    synchronized boolean launch(Runnable onEnd) {
      if (tasks.isEmpty()) {
        release();
        return false;
      }
      for (Runnable task : tasks) {
        pool.execute(
            () -> {
              try {
                task.run();
              } finally {
                release();
                onEnd.run();
              }
            });
      }
      tasks.clear();
      return true;
    }

    /** Gives the place back (the request failed before anything was handed over). */
    void release() {
      if (released.compareAndSet(false, true)) {
        places.release();
      }
    }
  }
}
