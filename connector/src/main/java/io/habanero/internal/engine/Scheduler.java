package io.habanero.internal.engine;

import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.ingest.ChangesetRunner;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs an engine's changesets. The threads are the JVM's, shared by every engine and created once:
 * a cached pool of daemon threads for runners and waiters (idle ones end after a minute) and one
 * ticker for heartbeats and stop polling. An engine's {@link #close} waits for its own changesets.
 */
final class Scheduler implements AutoCloseable {
  private static final long TICK_MILLIS = 1000;
  private static final long POLL_MILLIS = 250;
  private static final ExecutorService WORKERS =
      Executors.newCachedThreadPool(daemon("habanero-changeset"));
  private static final ScheduledExecutorService TICKER =
      Executors.newSingleThreadScheduledExecutor(daemon("habanero-ticker"));

  private final Map<String, ChangesetRunner> running = new ConcurrentHashMap<>();
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The ids of the changesets this engine is running now (a live view). */
  Set<String> runningIds() {
    return running.keySet();
  }

  /** This engine's runner of {@code changesetId}, if it runs it. */
  Optional<ChangesetRunner> runner(String changesetId) {
    return Optional.ofNullable(running.get(changesetId));
  }

  /**
   * Starts {@code runner} on {@code executor} (null: the shared workers); the future completes with
   * {@code finish} applied to the end record. The heartbeat starts at once, so a changeset that
   * waits in a bounded executor's queue keeps its lease (it stays PENDING until it starts). An
   * executor that refuses the task does not drop it: it runs on the shared workers instead.
   */
  <T> CompletableFuture<T> start(
      ChangesetRunner runner, Function<ChangesetRecord, T> finish, Executor executor) {
    String changesetId = runner.changesetId();
    running.put(changesetId, runner);
    ChangesetLog.RUNNING_IN_THIS_JVM.add(changesetId);
    ScheduledFuture<?> tick =
        TICKER.scheduleWithFixedDelay(
            () -> {
              try {
                runner.tick();
              } catch (RuntimeException e) {
                // a failed heartbeat is retried at the next tick
              }
            },
            TICK_MILLIS,
            TICK_MILLIS,
            TimeUnit.MILLISECONDS);
    return track(
        CompletableFuture.supplyAsync(runner::call, orWorkers(executor))
            .whenComplete(
                (rec, err) -> {
                  tick.cancel(false);
                  running.remove(changesetId);
                  ChangesetLog.RUNNING_IN_THIS_JVM.remove(changesetId);
                })
            .thenApply(finish));
  }

  private static Executor orWorkers(Executor executor) {
    if (executor == null) {
      return WORKERS;
    }
    return task -> {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException e) {
        WORKERS.execute(task);
      }
    };
  }

  private <T> CompletableFuture<T> track(CompletableFuture<T> f) {
    pending.add(f);
    f.whenComplete((v, e) -> pending.remove(f));
    return f;
  }

  /** Waits, polling the log, for a changeset that another runner (or process) runs. */
  <T> CompletableFuture<T> awaitElsewhere(
      ChangesetRecord r, ChangesetLog log, Function<ChangesetRecord, T> finish) {
    return track(
        CompletableFuture.supplyAsync(
            () -> {
              ChangesetRecord cur = r;
              while (!cur.isTerminal()) {
                try {
                  Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException(
                      "interrupted while waiting for " + r.changesetId, e);
                }
                cur = log.find(r.datasetId, r.changesetId).orElse(cur);
              }
              return finish.apply(cur);
            },
            WORKERS));
  }

  /** Waits (up to 10 minutes) for this engine's changesets and waiters to end. */
  @Override
  public void close() {
    CompletableFuture<?>[] all = pending.toArray(new CompletableFuture<?>[0]);
    try {
      CompletableFuture.allOf(all).get(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // a failed changeset is recorded as FAILED; one still running is left to crash recovery
    }
  }
}
