package io.habanero.jobs.cluster;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.util.TaskCompletionListener;

/**
 * A Spark plugin ({@code spark.plugins}) that makes one partition's write task slow in a chosen,
 * deterministic way, for {@link SpeculationIT}. No production code knows of it: it reaches the
 * driver and the executors through {@code spark.driver.extraClassPath} and {@code
 * spark.executor.extraClassPath}.
 *
 * <p>Only the attempts of the partition named by {@value #PARTITION} are touched, and per attempt
 * number {@code N} (0 = the original, 1 = the first speculative copy):
 *
 * <ul>
 *   <li>{@code spark.test.slowTask.attempt<N>.startAfterEndOf=M}: the attempt waits, before it
 *       starts its work, until attempt {@code M} of the same stage and partition has reached its
 *       end (at most {@link #MAX_WAIT_MILLIS}).
 *   <li>{@code spark.test.slowTask.attempt<N>.holdMillis=T}: once the attempt has written and
 *       committed its output file (it wrote output bytes: only the stage that writes the data
 *       files, never a read or a Delta log stage), it holds its result for up to {@code T} ms
 *       before reporting it, or until it is killed (an interrupt, as Spark kills the losing attempt
 *       when another one succeeded).
 *   <li>{@code spark.test.slowTask.attempt<N>.holdUntilEndOf=M}: that hold ends as soon as attempt
 *       {@code M} of the same stage and partition has reached its end.
 * </ul>
 *
 * An attempt "reaches its end" in a task completion listener, after its output file is written,
 * closed and committed, and before any hold: it then tells the driver-side component, which the
 * waiting attempts ask. So a held attempt's data file exists on disk in full while the scheduler
 * sees a slow task and launches a speculative copy.
 *
 * <p>Each decision is printed to the executor's stderr, prefixed {@value #LOG_PREFIX}.
 */
public final class SlowTaskPlugin implements SparkPlugin {
  /** Conf key: the partition id whose attempts may be slowed; none when absent. */
  public static final String PARTITION = "spark.test.slowTask.partition";

  static final String LOG_PREFIX = "SlowTaskPlugin: ";

  /** The longest any attempt waits for another. */
  static final long MAX_WAIT_MILLIS = 60_000;

  private static final String PREFIX = "spark.test.slowTask.attempt";
  private static final String ENDED = "ended ";
  private static final String HAS_ENDED = "ended? ";

  /** Conf key: attempt {@code n} holds its written result for up to this many milliseconds. */
  public static String holdMillis(int n) {
    return PREFIX + n + ".holdMillis";
  }

  /** Conf key: attempt {@code n}'s hold ends once this attempt has reached its end. */
  public static String holdUntilEndOf(int n) {
    return PREFIX + n + ".holdUntilEndOf";
  }

  /** Conf key: attempt {@code n} starts its work only once this attempt has reached its end. */
  public static String startAfterEndOf(int n) {
    return PREFIX + n + ".startAfterEndOf";
  }

  @Override
  public DriverPlugin driverPlugin() {
    return new Driver();
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new Executor();
  }

  /** The driver side: which attempts (stage.stageAttempt/partition/attempt) have reached an end. */
  static final class Driver implements DriverPlugin {
    private final Set<String> ended = ConcurrentHashMap.newKeySet();

    @Override
    public Object receive(Object message) {
      String m = (String) message;
      if (m.startsWith(ENDED)) {
        ended.add(m.substring(ENDED.length()));
        return null;
      } else if (m.startsWith(HAS_ENDED)) {
        return ended.contains(m.substring(HAS_ENDED.length()));
      }
      throw new IllegalArgumentException("unknown message: " + m);
    }
  }

  /** The executor side: slows the matching task attempts. */
  static final class Executor implements ExecutorPlugin {
    private PluginContext ctx;
    private int partition = -1;
    private SparkConf conf;

    @Override
    public void init(PluginContext ctx, Map<String, String> extraConf) {
      this.ctx = ctx;
      this.conf = ctx.conf();
      partition = conf.getInt(PARTITION, -1);
      log("executor %s: slowing partition %d", ctx.executorID(), partition);
    }

    @Override
    public void onTaskStart() {
      TaskContext tc = TaskContext.get();
      if (tc == null || tc.partitionId() != partition) {
        return;
      }
      int n = tc.attemptNumber();
      // Registered first, so it runs last: after Spark's own listeners have closed the task's
      // readers and writers.
      tc.addTaskCompletionListener(
          new End(ctx, conf.getLong(holdMillis(n), 0L), conf.getInt(holdUntilEndOf(n), -1)));
      int after = conf.getInt(startAfterEndOf(n), -1);
      if (after >= 0) {
        String task = describe(tc);
        log("%s waits for attempt %d to reach its end before starting", task, after);
        long t0 = System.nanoTime();
        boolean ended = waitFor(() -> hasEnded(ctx, key(tc, after)), MAX_WAIT_MILLIS);
        log(
            "%s starts after %d ms (attempt %d %s)",
            task, elapsed(t0), after, ended ? "has reached its end" : "did not: gave up");
      }
    }
  }

  /** At the end of an attempt: tells the driver, then holds a written result if so configured. */
  static final class End implements TaskCompletionListener {
    private final PluginContext ctx;
    private final long holdMillis;
    private final int holdUntilEndOf;

    End(PluginContext ctx, long holdMillis, int holdUntilEndOf) {
      this.ctx = ctx;
      this.holdMillis = holdMillis;
      this.holdUntilEndOf = holdUntilEndOf;
    }

    @Override
    public void onTaskCompletion(TaskContext tc) {
      long bytes = tc.taskMetrics().outputMetrics().bytesWritten();
      long records = tc.taskMetrics().outputMetrics().recordsWritten();
      String task = describe(tc);
      try {
        ctx.send(ENDED + key(tc, tc.attemptNumber()));
      } catch (Exception e) {
        log("%s could not tell the driver it ended: %s", task, e);
      }
      if (bytes <= 0 || tc.isInterrupted() || holdMillis <= 0) {
        log("%s ended: %d records, %d bytes written; not held", task, records, bytes);
        return;
      }
      log(
          "%s wrote %d records, %d bytes; holding its result for up to %d ms%s",
          task,
          records,
          bytes,
          holdMillis,
          holdUntilEndOf >= 0 ? ", until attempt " + holdUntilEndOf + " has reached its end" : "");
      long t0 = System.nanoTime();
      boolean early =
          waitFor(() -> holdUntilEndOf >= 0 && hasEnded(ctx, key(tc, holdUntilEndOf)), holdMillis);
      if (Thread.currentThread().isInterrupted() || tc.isInterrupted()) {
        // Killed (another attempt succeeded): Spark reports this attempt KILLED.
        log(
            "%s interrupted after %d ms of holding (kill reason: %s)",
            task, elapsed(t0), tc.getKillReason().isDefined() ? tc.getKillReason().get() : "none");
      } else {
        log(
            "%s released after %d ms%s",
            task,
            elapsed(t0),
            early ? " (attempt " + holdUntilEndOf + " has reached its end)" : "");
      }
    }
  }

  /**
   * Polls until the condition holds, the time is up, or the thread is interrupted (which stays
   * set).
   */
  static boolean waitFor(BooleanSupplier condition, long maxMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      try {
        Thread.sleep(Math.min(left, 50));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  static boolean hasEnded(PluginContext ctx, String key) {
    if (Thread.currentThread().isInterrupted()) {
      return false;
    }
    try {
      return Boolean.TRUE.equals(ctx.ask(HAS_ENDED + key));
    } catch (Exception e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof InterruptedException) {
          // Killed while asking: keep the interrupt for the caller and Spark.
          Thread.currentThread().interrupt();
          return false;
        }
      }
      throw new IllegalStateException("could not ask the driver whether " + key + " ended", e);
    }
  }

  static String key(TaskContext tc, int attempt) {
    return tc.stageId() + "." + tc.stageAttemptNumber() + "/" + tc.partitionId() + "/" + attempt;
  }

  static String describe(TaskContext tc) {
    return String.format(
        "stage %d partition %d attempt %d (TID %d)",
        tc.stageId(), tc.partitionId(), tc.attemptNumber(), tc.taskAttemptId());
  }

  private static long elapsed(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private static void log(String format, Object... args) {
    System.err.println(LOG_PREFIX + String.format(format, args));
    System.err.flush();
  }
}
