package io.habanero.bench;

import io.habanero.bench.ServerBenchmark.ChangesetResult;
import io.habanero.bench.ServerBenchmark.Comparison;
import io.habanero.bench.ServerBenchmark.DatasetCheck;
import io.habanero.bench.ServerBenchmark.OpResult;
import io.habanero.bench.ServerBenchmark.Result;
import io.habanero.bench.ServerBenchmark.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code server-latest.md} and {@code .json} from a {@link ServerBenchmark} run. */
final class ServerReport {
  private ServerReport() {}

  static void write(Result r, ServerBenchmark.Options o, Path out, String name) throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve(name + ".md"), markdown(r, o));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "server");
    json.put("result", r);
    ServerBenchmark.json().writeValue(out.resolve(name + ".json").toFile(), json);
  }

  static String markdown(Result r, ServerBenchmark.Options o) {
    StringBuilder md = new StringBuilder();
    md.append("# REST endpoint under load (scripts/bench server)\n\n");
    md.append("Machine: ").append(r.machine).append("\n\n");
    md.append("Load average (1, 5, 15 min): at the start ")
        .append(r.loadAverageAtStart)
        .append("; at the end ")
        .append(r.loadAverageAtEnd)
        .append("\n\n");
    md.append("How: one JVM (")
        .append(r.machine.get("cores"))
        .append(" cores, Spark ")
        .append(r.setup.get("sparkMaster"))
        .append(
            ") runs the REST endpoint (RestEndpoint on the JDK's HTTP"
                + " server, every request SigV4-verified; ")
        .append(r.setup.get("endpoint"))
        .append(") on a Habanero with a fresh local warehouse, and ")
        .append(o.clients())
        .append(
            " client threads, each its own AWS SDK for Java v2 FinspaceDataClient"
                + " (ApacheHttpClient, static credentials, no retries) on loopback. A warm-up (a"
                + " 10-row changeset, then ")
        .append(o.warmupSeconds())
        .append(" s of polling it) comes first. Then ")
        .append(o.changesets())
        .append(" CSV APPEND changesets of ")
        .append(String.format("%,d", o.rowsPerChangeset()))
        .append(" rows each (")
        .append(o.filesPerChangeset())
        .append(" files, ")
        .append(r.setup.get("sourceMiB"))
        .append(
            " MiB in all, generated under the work directory; keys unique across the run)"
                + " are created through the endpoint (CreateChangeset), round-robin over ")
        .append(o.datasets())
        .append(" datasets, and the ")
        .append(o.seconds())
        .append(
            " s window opens: every client alternates GetChangeset (a random changeset of the"
                + " run) and ListChangesets (a random dataset, no maxResults), ")
        .append(
            o.thinkMs() > 0
                ? "pausing " + o.thinkMs() + " ms after each answer (paced polling)."
                : "back to back without think time (a closed loop, so the load is as high as the"
                    + " endpoint allows, and the mean latency is clients / throughput).")
        .append(
            " Latency is the client's: from the SDK call to its return, signing and parsing"
                + " included. An answer counts as an error when the SDK throws, or when it is wrong: a"
                + " GetChangeset of another changeset, an unknown status or one older than this client"
                + " saw before, a ListChangesets without exactly the dataset's changesets. \"While"
                + " ingesting\": the requests that started before the last changeset ended (a monitor"
                + " thread reads the statuses from the engine every 250 ms). After the window, every"
                + " changeset must end SUCCESS, and each dataset read with Habanero.readDataset must"
                + " hold every generated row exactly once: row count, distinct keys and their sum, the"
                + " rows of each changeset (lineage column), and the sum of xxhash64 over the columns"
                + " as strings against the same over the generated CSV files read by Spark. Then the"
                + " two operations through the endpoint with nothing else running (one client,"
                + " alternating, ")
        .append(o.smoke() ? 50 : 300)
        .append(
            " calls each), and through the CLI, a JVM per call as scripts/habanero starts it"
                + " (java, Spark's --add-opens, the CLI's log4j configuration, io.habanero.jobs."
                + "HabaneroCli --warehouse W get-changeset / list-changesets), ")
        .append(o.cliCalls())
        .append(" call(s) each, timed from the process start to its exit, median.")
        .append(
            r.profile != null ? " A JFR recording (settings \"profile\") covers the window." : "")
        .append("\n\n");

    md.append("## Targets\n\n| target | result |\n|---|---|\n");
    r.targets.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    md.append("\n");

    md.append(
        String.format(
            "## Under load: %d clients, %.1f s window (ingestion ran %.1f s of it; the last"
                + " changeset ended %.1f s after the window opened)\n\n",
            o.clients(), r.windowSeconds, r.windowSecondsWhileIngesting, r.ingestionSeconds));
    md.append(
        "| operation | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | mean ms | errors"
            + " |\n|---|---|---|---|---|---|---|---|---|\n");
    for (String op : List.of(ServerBenchmark.GET, ServerBenchmark.LIST)) {
      OpResult x = r.ops.get(op);
      row(md, op + " (window)", x.window, x.requestsPerSecond, x.errors);
      row(md, op + " (while ingesting)", x.whileIngesting, null, null);
    }
    OpResult c = r.ops.get(ServerBenchmark.CREATE);
    md.append(
        String.format(
            "| %s (before the window, one client) | %d | | %.1f | | | %.1f | | 0 |\n\n",
            ServerBenchmark.CREATE, c.ok, c.window.p50Ms, c.window.maxMs));
    md.append("Errors: ").append(r.errorsTotal);
    if (!r.errorsByType.isEmpty()) {
      md.append(" ").append(r.errorsByType).append("; examples: ").append(r.errorExamples);
    }
    md.append(". The endpoint logged ")
        .append(r.endpointLogLines)
        .append(" lines, ")
        .append(r.endpointLogFailures)
        .append(" of them an error response or a failure.\n\n");

    md.append(
        "## Changesets\n\n| dataset | changeset | rows | CreateChangeset ms | RUNNING from s"
            + " | ended at s | status |\n|---|---|---|---|---|---|---|\n");
    for (ChangesetResult x : r.changesets) {
      md.append(
          String.format(
              "| %s | %s | %,d | %.1f | %s | %s | %s |\n",
              x.datasetId,
              x.changesetId,
              x.rows,
              x.createMs,
              x.runningFromS,
              x.endedAtS,
              x.status));
    }
    md.append("\n(Seconds from the window's opening, as the monitor saw them: ±0.25 s.)\n\n");

    md.append(
        "## Every row exactly once\n\n| dataset | expected rows | rows | distinct keys | key"
            + " sum | rows per changeset | content hash | |\n|---|---|---|---|---|---|---|---|\n");
    for (DatasetCheck d : r.datasets) {
      md.append(
          String.format(
              "| %s | %,d | %,d | %,d | %s | %s | %s | %s |\n",
              d.datasetId,
              d.expectedRows,
              d.rows,
              d.distinctIds,
              d.idSum == d.expectedIdSum ? "equal" : d.idSum + " ≠ " + d.expectedIdSum,
              d.rowsByChangeset,
              d.contentHash != null && d.contentHash.equals(d.contentHashExpected)
                  ? "equal"
                  : d.contentHash + " ≠ " + d.contentHashExpected,
              d.ok ? "ok" : "WRONG"));
    }
    md.append("\n");

    md.append("## The same operations through the CLI (a JVM per call) and the idle endpoint\n\n");
    md.append(
        "| operation | CLI median ms (calls) | endpoint idle p50 ms | endpoint idle p99 ms |"
            + " endpoint under load p50 ms | CLI / endpoint idle |\n|---|---|---|---|---|---|\n");
    for (Comparison x : r.comparisons) {
      md.append(
          String.format(
              "| %s | %s %s | %.2f | %.2f | %.1f | %s |\n",
              x.op,
              x.cliMedianMs == null ? "—" : String.format("%.0f", x.cliMedianMs),
              x.cliMs,
              x.restIdle.p50Ms,
              x.restIdle.p99Ms,
              x.restUnderLoadP50Ms,
              x.cliMedianMs == null
                  ? "—"
                  : String.format("%.0f×", x.cliMedianMs / x.restIdle.p50Ms)));
    }
    md.append("\n");

    if (r.profile != null && r.profile.containsKey("error")) {
      md.append("## Profile of the window (JFR)\n\nNot available: ")
          .append(r.profile.get("error"))
          .append("\n\n");
    } else if (r.profile != null) {
      Map<String, Object> p = r.profile;
      md.append("## Profile of the window (JFR)\n\n");
      md.append("Recording: ")
          .append(p.get("file"))
          .append(
              " (not committed; `jfr summary` or `jfr print --events jdk.ExecutionSample`"
                  + " on it). ")
          .append(p.get("executionSamples"))
          .append(" Java stack samples. Mean CPU load: machine ")
          .append(p.get("machineCpuMean"))
          .append(", this JVM ")
          .append(p.get("jvmCpuMean"))
          .append(" (1 = all cores). GC: ")
          .append(p.get("gcCount"))
          .append(" collections, ")
          .append(p.get("gcPausesTotalMs"))
          .append(" ms of pauses in all, the longest ")
          .append(String.format("%.1f", ((Number) p.get("gcLongestPauseMs")).doubleValue()))
          .append(" ms.\n\n");
      table(
          md,
          "Thread CPU by thread group (jdk.ThreadCPULoad, Java threads only: GC threads are not"
              + " in it; the count is the sum of the 10-s readings, in 1/10,000 of the machine)",
          p.get("threadCpuByThreadGroup"),
          "CPU");
      table(md, "Java stack samples by thread group", p.get("samplesByThreadGroup"));
      table(md, "Threads in \"other\" (digits as N)", p.get("otherThreads"));
      table(md, "Hot methods (top frame), all threads", p.get("hotMethods"));
      table(
          md,
          "Hot methods (top frame), endpoint request threads",
          p.get("hotMethodsOnRequestThreads"));
      table(
          md,
          "Habanero methods on the endpoint's request threads (inclusive: % of their samples with"
              + " the method on the stack)",
          p.get("habaneroMethodsOnRequestThreadsInclusive"));
      table(
          md,
          "Where the endpoint's request threads leave Habanero's code (the innermost Habanero"
              + " frame of each sample)",
          p.get("habaneroCallSitesOnRequestThreads"));
      table(md, "Hot methods (top frame), client threads", p.get("hotMethodsOnClientThreads"));
      table(
          md,
          "Blocked on monitor enter (thread group: monitor class in method; events over the"
              + " profile's 10 ms threshold)",
          p.get("monitorEnterMsByClass"),
          "ms");
    }

    md.append("Total run time: ")
        .append(String.format("%.1f", r.totalMinutes))
        .append(" minutes.\n\n");
    md.append("Verdict: ")
        .append(
            r.failures.isEmpty()
                ? "every changeset SUCCESS, every row exactly once, no request failed."
                : "FAILURES: " + r.failures)
        .append("\n");
    return md.toString();
  }

  private static void row(StringBuilder md, String label, Stats s, Double rps, Long errors) {
    md.append(
        String.format(
            "| %s | %,d | %s | %.2f | %.2f | %.2f | %.1f | %.2f | %s |\n",
            label,
            s.count,
            rps == null ? "" : String.format("%.1f", rps),
            s.p50Ms,
            s.p90Ms,
            s.p99Ms,
            s.maxMs,
            s.meanMs,
            errors == null ? "" : errors.toString()));
  }

  private static void table(StringBuilder md, String title, Object rows) {
    table(md, title, rows, "samples");
  }

  @SuppressWarnings("unchecked")
  private static void table(StringBuilder md, String title, Object rows, String unit) {
    List<Map<String, Object>> list = (List<Map<String, Object>>) rows;
    if (list == null || list.isEmpty()) {
      return;
    }
    md.append(title).append(":\n\n| | ").append(unit).append(" | % |\n|---|---|---|\n");
    for (Map<String, Object> m : list) {
      md.append("| `")
          .append(m.get("name"))
          .append("` | ")
          .append(m.get("count"))
          .append(" | ")
          .append(m.getOrDefault("percent", ""))
          .append(" |\n");
    }
    md.append("\n");
  }
}
