package io.habanero.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Wall time and peak heap of one run, and summary statistics over runs. */
final class Measure {
  private Measure() {}

  /** One measured run. */
  record Sample(double seconds, long peakHeapBytes) {}

  /** Times {@code body} and records the peak heap it reached (after a GC, peaks reset). */
  static Sample run(ThrowingRunnable body) throws Exception {
    System.gc();
    List<MemoryPoolMXBean> pools = new ArrayList<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.isValid()) {
        p.resetPeakUsage();
        pools.add(p);
      }
    }
    long t0 = System.nanoTime();
    body.run();
    double secs = (System.nanoTime() - t0) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean p : pools) {
      peak += p.getPeakUsage().getUsed();
    }
    return new Sample(secs, peak);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** The nearest-rank percentile {@code p} (0 < p <= 100): p90 of 30 samples is the 27th. */
  static double percentile(List<Double> xs, double p) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int rank = (int) Math.ceil(p / 100.0 * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  static double min(List<Double> xs) {
    return Collections.min(xs);
  }

  static double max(List<Double> xs) {
    return Collections.max(xs);
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
