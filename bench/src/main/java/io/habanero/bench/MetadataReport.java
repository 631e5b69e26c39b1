package io.habanero.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The results of {@link MetadataBenchmark}: Markdown and JSON, the verdicts, the failures. */
final class MetadataReport {
  private final MetadataBenchmark b;
  private final boolean smoke;
  private final List<MetadataBenchmark.SizeResult> local;
  private final List<MetadataBenchmark.SizeResult> s3;
  private final double seconds;
  private final Map<String, Object> machine = BenchSupport.machine();

  MetadataReport(
      MetadataBenchmark b,
      boolean smoke,
      List<MetadataBenchmark.SizeResult> local,
      List<MetadataBenchmark.SizeResult> s3,
      double seconds) {
    this.b = b;
    this.smoke = smoke;
    this.local = local;
    this.s3 = s3;
    this.seconds = seconds;
  }

  static String how(int warmups, int runs, int readBatch) {
    return String.format(
        "Each N has a fresh warehouse and one dataset. Changeset 1 is a real CSV APPEND"
            + " (createChangeset: Delta version 0 with protocol, metadata and a data file)."
            + " Changesets 2..N are written through the store's own write path, as a runner writes"
            + " them, without a Spark write job: for changeset i, ChangesetLog.create(PENDING"
            + " record, built as NewRecords builds one for a CSV request), then the Delta commit"
            + " file _delta_log/<i-1>.json (a commitInfo as Delta writes it for Habanero's WRITE,"
            + " whose userMetadata is DeltaCommit.userMetadata(dataset, changeset, type,"
            + " updatesChangesetId), and the changeset's SetTransaction, but no data file), then"
            + " ChangesetLog.write(SUCCESS, deltaVersion, commitTime = the commit file's mtime),"
            + " which indexes the version from that commit file exactly as after a real commit."
            + " The mix: every 100th changeset a REPLACE, every 50th at offset 25 (25, 75, 125,"
            + " ...) a MODIFY of the one before it (an active APPEND), the rest APPEND; so"
            + " retirement entries of both kinds exist. While fabricating, the table is"
            + " checkpointed every %,d versions; at the end Delta checkpoints the last version"
            + " (DeltaLog.update + checkpoint) and every older commit, checksum and checkpoint file"
            + " is deleted, as Delta's log cleanup does once they are older than"
            + " delta.logRetentionDuration (30 days): the log keeps the last commit, its"
            + " checkpoint and _last_checkpoint. Time travel to the fabricated versions is not"
            + " measured. Then, on the Habanero of each N (not the fabrication's engine), in"
            + " this order: APPEND (a real 2-row CSV from a"
            + " working location), REPLACE (the same), MODIFY (real; each one modifies the"
            + " previous result: the first the last REPLACE), UpdateChangeset (continuing that"
            + " chain), a MODIFY of a superseded changeset (the last REPLACE; refused at validation"
            + " with a ConflictException, nothing recorded), GetChangeset of the oldest changeset"
            + " (retired), the first ListChangesets page (maxResults 10) and the page at slot N/2"
            + " (its nextToken built as the API builds it). The writes come first so that, at every"
            + " N, the reads meet changesets in the same state (retired by a later REPLACE), which"
            + " makes their S3 requests comparable. Each operation: %d warm-up(s), then %d measured"
            + " runs, median; every run goes round all the N in turn (N = 10, 1,000, ..., 10,"
            + " 1,000, ...), so that a change in the machine's load touches every N alike; locally a read's sample is the mean of %d back-to-back calls (on S3"
            + " one call). Every result is checked: the row counts and lineage after each kind of"
            + " write, the MODIFY targets' updatedBy, the refusal recording nothing, the pages'"
            + " changesets in slot order with a nextToken, the oldest changeset retired.",
        MetadataBenchmark.FABRICATION_CHECKPOINT_EVERY, warmups, runs, readBatch);
  }

  void write(Path out) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    StringBuilder md = new StringBuilder();
    md.append("# Changeset metadata benchmark: each operation's cost against N changesets\n\n");
    md.append("Machine: ").append(machine).append("\n\n");
    md.append("Load average (1, 5, 15 min) at the end: ").append(loadAverage()).append("\n\n");
    String how = how(b.warmups, b.runs, b.readBatch);
    md.append("How: ").append(how);
    if (smoke) {
      md.append(" SMOKE MODE: small N, a regression check, not a measurement.");
    }
    md.append("\n\n");
    json.put("machine", machine);
    json.put("loadAverageAtEnd", loadAverage());
    json.put("smoke", smoke);
    json.put("how", how);
    json.put("warmups", b.warmups);
    json.put("runs", b.runs);
    json.put("readCallsPerSample", b.readBatch);

    if (!local.isEmpty()) {
      md.append("## Local warehouse: median ms per operation\n\n");
      localTable(md, json);
      md.append('\n');
      fabricationTable(md, local);
    }
    if (!s3.isEmpty()) {
      md.append("\n## S3 (S3Proxy on loopback): requests per operation\n\n");
      s3Table(md, json);
      md.append('\n');
      fabricationTable(md, s3);
    }
    json.put("local", bySize(local));
    json.put("s3", bySize(s3));
    json.put("seconds", seconds);
    json.put("failures", b.failures);
    md.append(String.format("%nTotal run time: %.1f minutes.%n", seconds / 60));
    md.append("\nVerdict: ")
        .append(
            b.failures.isEmpty()
                ? "every result checked and correct"
                    + (smoke
                        ? "; S3 requests constant in N (timings reported only)."
                        : "; all targets met.")
                : "FAILED (below).")
        .append('\n');
    if (!b.failures.isEmpty()) {
      md.append("\nFAILURES:\n");
      b.failures.forEach(f -> md.append("- ").append(f).append('\n'));
    }
    Files.createDirectories(out);
    String name = smoke ? "metadata-smoke" : "metadata-latest";
    Files.writeString(out.resolve(name + ".md"), md.toString());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve(name + ".json").toFile(), json);
    System.out.println(md);
    BenchSupport.log("wrote " + out.resolve(name + ".md") + " and .json");
  }

  private static Map<String, Object> bySize(List<MetadataBenchmark.SizeResult> rs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (MetadataBenchmark.SizeResult r : rs) {
      m.put(String.valueOf(r.n), r);
    }
    return m;
  }

  private void localTable(StringBuilder md, Map<String, Object> json) {
    MetadataBenchmark.SizeResult lo = local.get(0);
    MetadataBenchmark.SizeResult hi = local.get(local.size() - 1);
    md.append("| operation |");
    for (MetadataBenchmark.SizeResult r : local) {
      md.append(String.format(" N=%,d |", r.n));
    }
    md.append(String.format(" ratio N=%,d / N=%,d | target | |%n", hi.n, lo.n));
    md.append("|---|");
    md.append("---|".repeat(local.size()));
    md.append("---|---|---|\n");
    Map<String, Object> ratios = new LinkedHashMap<>();
    for (String op : MetadataBenchmark.OPS) {
      md.append("| ").append(op).append(" |");
      for (MetadataBenchmark.SizeResult r : local) {
        md.append(String.format(" %s |", ms(r.ops.get(op).medianMs())));
      }
      double ratio = hi.ops.get(op).medianMs() / lo.ops.get(op).medianMs();
      boolean met = ratio <= MetadataBenchmark.TARGET;
      ratios.put(op, ratio);
      String verdict = smoke ? "reported" : met ? "PASS" : "MISSED";
      md.append(String.format(" %.2f | ≤ %.1f | %s |%n", ratio, MetadataBenchmark.TARGET, verdict));
      if (!smoke && !met && local.size() > 1) {
        b.failures.add(
            String.format(
                "local %s: N=%d / N=%d = %.2f, above the target %.1f",
                op, hi.n, lo.n, ratio, MetadataBenchmark.TARGET));
      }
    }
    json.put("localRatios", ratios);
  }

  private static String ms(double v) {
    return v >= 100
        ? String.format("%.0f", v)
        : v >= 10 ? String.format("%.1f", v) : String.format("%.2f", v);
  }

  private void s3Table(StringBuilder md, Map<String, Object> json) {
    md.append(
        "Requests per call, counted by an AWS SDK request handler on S3A (every HTTP request"
            + " Delta, Spark and Habanero send through the shared FileSystem), by the keys they"
            + " touch: \"store\" is the changeset store (<warehouse>/changesets/), \"Delta log\""
            + " the table's _delta_log, \"data\" its data files, \"source\" the working"
            + " location read. \"total\" is their sum, without the ticker's requests: while a"
            + " changeset runs, Habanero's ticker polls its stop marker once a second (HEAD + LIST)"
            + " and rewrites its record every 10 s (heartbeat: LIST + PUT), so their number follows"
            + " the run's duration, not N; they are shown apart (\"ticker\": stop polls +"
            + " heartbeats). When the measured runs differ, a cell shows each run; the runs are"
            + " compared run by run (Delta checkpoints at the same runs at every N, as the N are"
            + " multiples of 10). Cross-check: "
            + ioCheck()
            + "\n\n");
    md.append("| operation |");
    for (MetadataBenchmark.SizeResult r : s3) {
      md.append(String.format(" total N=%,d |", r.n));
    }
    for (MetadataBenchmark.SizeResult r : s3) {
      md.append(String.format(" store N=%,d |", r.n));
    }
    md.append(" Delta log | data | source | ticker | constant in N | ms (");
    List<String> ns = new ArrayList<>();
    for (MetadataBenchmark.SizeResult r : s3) {
      ns.add(String.format("N=%,d", r.n));
    }
    md.append(String.join(", ", ns)).append(") |\n|---|");
    md.append("---|".repeat(2 * s3.size()));
    md.append("---|---|---|---|---|---|\n");
    Map<String, Object> constant = new LinkedHashMap<>();
    MetadataBenchmark.SizeResult base = s3.get(0);
    for (String op : MetadataBenchmark.OPS) {
      md.append("| ").append(op).append(" |");
      boolean same = true;
      for (MetadataBenchmark.SizeResult r : s3) {
        md.append(' ').append(runs(r.ops.get(op).countedRequests())).append(" |");
        List<Long> a = base.ops.get(op).countedRequests();
        List<Long> c = r.ops.get(op).countedRequests();
        for (int i = 0; i < Math.min(a.size(), c.size()); i++) {
          same &= c.get(i) <= a.get(i);
        }
      }
      for (MetadataBenchmark.SizeResult r : s3) {
        md.append(' ').append(runs(r.ops.get(op).byCategory(S3RequestCounter.STORE))).append(" |");
      }
      for (String cat :
          new String[] {
            S3RequestCounter.DELTA_LOG, S3RequestCounter.DATA, S3RequestCounter.SOURCE
          }) {
        List<String> per = new ArrayList<>();
        for (MetadataBenchmark.SizeResult r : s3) {
          per.add(runs(r.ops.get(op).byCategory(cat)));
        }
        md.append(' ').append(String.join(" / ", per)).append(" |");
      }
      List<String> ticker = new ArrayList<>();
      for (MetadataBenchmark.SizeResult r : s3) {
        ticker.add(
            runs(r.ops.get(op).byCategory(S3RequestCounter.STOP_POLLS))
                + " + "
                + runs(r.ops.get(op).byCategory(S3RequestCounter.HEARTBEATS)));
      }
      md.append(' ').append(String.join(" / ", ticker)).append(" |");
      md.append(same ? " yes |" : " NO |");
      List<String> t = new ArrayList<>();
      for (MetadataBenchmark.SizeResult r : s3) {
        t.add(ms(r.ops.get(op).medianMs()));
      }
      md.append(' ').append(String.join(" / ", t)).append(" |\n");
      constant.put(op, same);
    }
    md.append(
        "\n(\"Delta log\", \"data\", \"source\", \"ticker\", \"ms\": each N's value, in the"
            + " order of the columns, separated by /.)\n");
    json.put("s3ConstantInN", constant);
  }

  /** Whether the handler's count of every request matches the sum of S3A's request counters. */
  private String ioCheck() {
    long runs = 0;
    long equal = 0;
    for (MetadataBenchmark.SizeResult r : s3) {
      for (MetadataBenchmark.OpResult o : r.ops.values()) {
        List<Long> mine = o.allRequests();
        for (int i = 0; i < mine.size(); i++) {
          runs++;
          equal += mine.get(i).equals(o.ioStatisticsRequests.get(i)) ? 1 : 0;
        }
      }
    }
    return String.format(
        "in %d of %d measured runs the handler's count of all requests equals the sum of the"
            + " request counters in the IOStatistics of the warehouse's S3A FileSystem (%s): all"
            + " the reads and refusals. In a write the handler counts more, the requests of"
            + " Spark's tasks (reading the source, writing and reading data files), which run"
            + " under their own Hadoop user and so get S3A instances of their own; the JSON has"
            + " both counts of every run.",
        equal, runs, String.join(", ", MetadataBenchmark.REQUEST_COUNTERS));
  }

  /** One value when all runs agree, else every run's. */
  private static String runs(List<Long> xs) {
    if (xs.isEmpty()) {
      return "–";
    }
    boolean all = xs.stream().allMatch(x -> x.equals(xs.get(0)));
    return all ? String.valueOf(xs.get(0)) : xs.toString().replace(" ", "");
  }

  private static void fabricationTable(StringBuilder md, List<MetadataBenchmark.SizeResult> rs) {
    md.append(
        "| N | fabrication s | changesets/s | checkpoint + log trim s | commit files deleted |"
            + " _delta_log after the trim |\n|---|---|---|---|---|---|\n");
    for (MetadataBenchmark.SizeResult r : rs) {
      md.append(
          String.format(
              "| %,d | %.1f | %.0f | %.1f | %,d | %s |%n",
              r.n,
              r.fabricationSeconds,
              (r.n - 1) / r.fabricationSeconds,
              r.checkpointSeconds,
              r.deltaLogFilesDeleted,
              String.join(", ", r.deltaLogAfterCleanup)));
    }
  }

  private static String loadAverage() {
    try {
      String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return p[0] + ", " + p[1] + ", " + p[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
