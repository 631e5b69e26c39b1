package io.habanero.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of this JVM (the "profile" settings: a Java stack sample every 10 ms per running
 * thread) and its summary: samples by thread group, hot methods (top frame) overall and on the
 * endpoint's request threads, Habanero's methods on the request threads (inclusive), GC pauses, CPU
 * load and monitor contention. The file stays for {@code jfr print --events jdk.ExecutionSample} or
 * {@code jfr summary}.
 */
final class Profiler {
  private final Recording recording;

  private Profiler(Recording recording) {
    this.recording = recording;
  }

  static Profiler start() throws IOException, ParseException {
    Recording r = new Recording(Configuration.getConfiguration("profile"));
    r.setToDisk(true);
    r.setName("server-benchmark-window");
    r.start();
    return new Profiler(r);
  }

  /** Stops, writes {@code file}, and summarises it. */
  Map<String, Object> stop(Path file) throws IOException {
    recording.stop();
    recording.dump(file);
    recording.close();
    return summarise(file);
  }

  static String group(String thread) {
    if (thread == null) {
      return "?";
    }
    if (thread.startsWith("bench-client-")) {
      return "benchmark clients (AWS SDK)";
    }
    if (thread.startsWith("habanero-serve-http-")) {
      return "endpoint request threads";
    }
    if (thread.startsWith("HTTP-Dispatcher")) {
      return "endpoint dispatcher (JDK HttpServer)";
    }
    if (thread.startsWith("Executor task launch worker")) {
      return "Spark tasks (ingestion)";
    }
    if (thread.startsWith("habanero-serve-changeset-")) {
      return "changeset runners (driver side)";
    }
    if (thread.startsWith("bench-monitor")) {
      return "benchmark status monitor";
    }
    return "other";
  }

  static Map<String, Object> summarise(Path file) throws IOException {
    Map<String, Long> byGroup = new HashMap<>();
    Map<String, Long> otherThreads = new HashMap<>();
    Map<String, Long> top = new HashMap<>();
    Map<String, Long> topRequest = new HashMap<>();
    Map<String, Long> habaneroInclusive = new HashMap<>();
    Map<String, Long> habaneroCallSites = new HashMap<>();
    Map<String, Long> topClient = new HashMap<>();
    Map<String, Long> monitorByClass = new HashMap<>();
    // jdk.ThreadCPULoad: each thread's share of the machine, every 10 s; summed per group (x1e4).
    Map<String, Long> cpuByGroup = new HashMap<>();
    long cpuTotal = 0;
    long samples = 0;
    long requestSamples = 0;
    long clientSamples = 0;
    long gcCount = 0;
    Duration gcPauses = Duration.ZERO;
    Duration gcLongest = Duration.ZERO;
    List<Double> machineCpu = new ArrayList<>();
    List<Double> jvmCpu = new ArrayList<>();
    try (RecordingFile f = new RecordingFile(file)) {
      while (f.hasMoreEvents()) {
        RecordedEvent e = f.readEvent();
        String type = e.getEventType().getName();
        switch (type) {
          case "jdk.ExecutionSample" -> {
            samples++;
            RecordedThread t = e.getThread("sampledThread");
            String name = t == null ? null : t.getJavaName();
            String g = group(name);
            byGroup.merge(g, 1L, Long::sum);
            if (g.equals("other") && name != null) {
              otherThreads.merge(name.replaceAll("[0-9]+", "N"), 1L, Long::sum);
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
              continue;
            }
            String m = method(st.getFrames().get(0));
            top.merge(m, 1L, Long::sum);
            if (g.equals("endpoint request threads")) {
              requestSamples++;
              topRequest.merge(m, 1L, Long::sum);
              inclusive(st, habaneroInclusive, "io.habanero.");
              for (RecordedFrame fr : st.getFrames()) {
                if (fr.getMethod() != null
                    && fr.getMethod().getType().getName().startsWith("io.habanero.")) {
                  habaneroCallSites.merge(method(fr), 1L, Long::sum);
                  break;
                }
              }
            }
            if (g.equals("benchmark clients (AWS SDK)")) {
              clientSamples++;
              topClient.merge(m, 1L, Long::sum);
            }
          }
          case "jdk.GarbageCollection" -> {
            gcCount++;
            Duration sum = e.getDuration("sumOfPauses");
            Duration longest = e.getDuration("longestPause");
            gcPauses = gcPauses.plus(sum);
            if (longest.compareTo(gcLongest) > 0) {
              gcLongest = longest;
            }
          }
          case "jdk.CPULoad" -> {
            machineCpu.add(e.getDouble("machineTotal"));
            jvmCpu.add(e.getDouble("jvmUser") + e.getDouble("jvmSystem"));
          }
          case "jdk.ThreadCPULoad" -> {
            RecordedThread t = e.getThread();
            String name = t == null ? null : t.getJavaName();
            String g = group(name);
            if (g.equals("other") && name != null && name.contains("CompilerThread")) {
              g = "JIT compiler";
            }
            long v = Math.round(1e4 * (e.getFloat("user") + e.getFloat("system")));
            cpuByGroup.merge(g, v, Long::sum);
            cpuTotal += v;
          }
          case "jdk.JavaMonitorEnter" -> {
            var c = e.getClass("monitorClass");
            RecordedThread t = e.getThread();
            RecordedStackTrace st = e.getStackTrace();
            String where =
                st == null || st.getFrames().isEmpty() ? "?" : method(st.getFrames().get(0));
            monitorByClass.merge(
                group(t == null ? null : t.getJavaName())
                    + ": "
                    + (c == null ? "?" : c.getName())
                    + " in "
                    + where,
                e.getDuration().toMillis(),
                Long::sum);
          }
          default -> {}
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("file", file.toString());
    out.put("executionSamples", samples);
    out.put("samplesByThreadGroup", shares(byGroup, samples, 10));
    out.put("threadCpuByThreadGroup", shares(cpuByGroup, cpuTotal, 10));
    out.put("otherThreads", shares(otherThreads, samples, 8));
    out.put("hotMethods", shares(top, samples, 20));
    out.put("hotMethodsOnRequestThreads", shares(topRequest, requestSamples, 15));
    out.put(
        "habaneroMethodsOnRequestThreadsInclusive", shares(habaneroInclusive, requestSamples, 15));
    out.put("habaneroCallSitesOnRequestThreads", shares(habaneroCallSites, requestSamples, 12));
    out.put("hotMethodsOnClientThreads", shares(topClient, clientSamples, 10));
    out.put("gcCount", gcCount);
    out.put("gcPausesTotalMs", gcPauses.toMillis());
    out.put("gcLongestPauseMs", gcLongest.toNanos() / 1e6);
    out.put("machineCpuMean", mean(machineCpu));
    out.put("jvmCpuMean", mean(jvmCpu));
    out.put("monitorEnterMsByClass", shares(monitorByClass, -1, 8));
    return out;
  }

  private static void inclusive(RecordedStackTrace st, Map<String, Long> into, String prefix) {
    Set<String> seen = new HashSet<>();
    for (RecordedFrame fr : st.getFrames()) {
      if (fr.getMethod() != null
          && fr.getMethod().getType().getName().startsWith(prefix)
          && !fr.getMethod().getType().getName().contains("$$Lambda")) {
        String m = method(fr);
        if (seen.add(m)) {
          into.merge(m, 1L, Long::sum);
        }
      }
    }
  }

  private static String method(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "?";
    }
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  /** The {@code limit} largest, each with its count and (when {@code total} > 0) its share in %. */
  private static List<Map<String, Object>> shares(Map<String, Long> m, long total, int limit) {
    List<Map<String, Object>> out = new ArrayList<>();
    m.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(limit)
        .forEach(
            e -> {
              Map<String, Object> row = new LinkedHashMap<>();
              row.put("name", e.getKey());
              row.put("count", e.getValue());
              if (total > 0) {
                row.put("percent", Math.round(1000.0 * e.getValue() / total) / 10.0);
              }
              out.add(row);
            });
    return out;
  }

  private static double mean(List<Double> xs) {
    return xs.isEmpty()
        ? Double.NaN
        : Math.round(1000 * xs.stream().mapToDouble(Double::doubleValue).average().orElse(0))
            / 1000.0;
  }
}
