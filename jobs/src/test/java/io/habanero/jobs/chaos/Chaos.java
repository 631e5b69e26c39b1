package io.habanero.jobs.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.jobs.HabaneroCli;
import io.habanero.jobs.chaos.CliProcess.Child;
import io.habanero.jobs.chaos.CliProcess.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Crash and race scenarios with real CLI processes on one warehouse, each checked on the data (see
 * {@link Audit}): a {@code create-changeset} killed with SIGKILL at a chosen point and retried with
 * the same clientToken, and two {@code create-changeset} processes started at once. Setup, the
 * sweep and the final listings run the same CLI in this JVM, on the given session.
 */
public final class Chaos {
  /** Where a kill lands: a delay after the process started, or a point in its progress. */
  public enum Trigger {
    /** {@code delayMillis} after the process started (JVM start, Spark start, validation). */
    STARTED,
    /** As soon as the changeset's record appears in the warehouse (PENDING/RUNNING). */
    RECORDED,
    /** The first progress line of the phase (then {@code delayMillis}). */
    READING,
    WRITING,
    COMMITTING,
    /**
     * As soon as a new Delta version appears in the table's log: the commit landed, and the SUCCESS
     * record may or may not be written yet.
     */
    COMMITTED
  }

  /** A create-changeset request. */
  public record Request(
      String datasetId,
      String changeType,
      Sources.Source source,
      String updatesChangesetId,
      boolean quarantine,
      String clientToken) {
    public List<String> args() {
      List<String> a =
          new ArrayList<>(
              List.of(
                  "create-changeset",
                  "--dataset-id",
                  datasetId,
                  "--change-type",
                  changeType,
                  "--source-params",
                  "s3SourcePath=" + source.s3SourcePath(),
                  "--format-type",
                  "CSV"));
      if (quarantine) {
        a.add("--format-params");
        a.add("mode=QUARANTINE");
      }
      if (updatesChangesetId != null) {
        a.add("--updates-changeset-id");
        a.add(updatesChangesetId);
      }
      if (clientToken != null) {
        a.add("--client-token");
        a.add(clientToken);
      }
      return a;
    }

    public String describe() {
      return changeType
          + (quarantine ? " (QUARANTINE, " + source.badRows() + " bad row(s))" : "")
          + (updatesChangesetId != null ? " of " + updatesChangesetId : "");
    }
  }

  /** What a kill case did and found. */
  public record KillOutcome(
      String label,
      Request request,
      Trigger trigger,
      long delayMillis,
      boolean killed,
      int exitCode,
      String changesetId,
      String statusOnDiskAtKill,
      String statusAfterRecovery,
      String retryId,
      String retryStatus,
      int retryExit,
      Findings findings) {
    public String summary() {
      return String.format(
          "%s: %s killed at %s+%dms: %s, exit %d, changeset %s (%s on disk) -> %s after"
              + " recovery; retry with the same clientToken: %s %s (exit %d)",
          label,
          request.describe(),
          trigger,
          delayMillis,
          killed ? "SIGKILL" : "NOT KILLED (ended first)",
          exitCode,
          changesetId,
          statusOnDiskAtKill,
          statusAfterRecovery,
          retryId,
          retryStatus,
          retryExit);
    }
  }

  /** What a race did and found. */
  public record RaceOutcome(
      String label,
      Request a,
      Request b,
      Result resultA,
      Result resultB,
      Map<String, Long> versions,
      Findings findings) {
    public String summary() {
      return String.format(
          "%s: %s -> %s | %s -> %s",
          label,
          a.describe(),
          describe(resultA, versions),
          b.describe(),
          describe(resultB, versions));
    }

    private static String describe(Result r, Map<String, Long> versions) {
      JsonNode c = r.changeset();
      if (c == null) {
        return "exit " + r.code() + ", no changeset (" + lastError(r) + ")";
      }
      String id = c.path("id").asText();
      Long v = versions.get(id);
      return c.path("status").asText()
          + " "
          + id
          + (v == null ? "" : " at version " + v)
          + ", exit "
          + r.code()
          + (c.has("errorInfo") ? ": " + c.path("errorInfo").path("errorMessage").asText() : "");
    }
  }

  private static final Pattern PROGRESS =
      Pattern.compile("^habanero: changeset ([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+) ([A-Z_]+):");

  private final CliProcess cli;
  private final SparkSession spark;
  private final Sources sources;
  private final Audit audit;
  private final List<String> habaneroConf;
  private final Duration timeout;
  private final long leaseMillis;

  private static final String LEASE_KEY = "spark.habanero.changeset.lease-timeout-seconds";

  /** The status each create-changeset printed, by changeset id. */
  private final Map<String, String> reported = new ConcurrentHashMap<>();

  /**
   * @param habaneroConf {@code spark.habanero.*=v} settings for every command (in-process too)
   */
  public Chaos(
      CliProcess cli,
      SparkSession spark,
      Sources sources,
      List<String> habaneroConf,
      Duration timeout) {
    this.cli = cli;
    this.spark = spark;
    this.sources = sources;
    this.audit = new Audit(spark, cli.warehouse(), sources);
    this.habaneroConf = List.copyOf(habaneroConf);
    this.timeout = timeout;
    this.leaseMillis =
        habaneroConf.stream()
            .filter(c -> c.startsWith(LEASE_KEY + "="))
            .map(c -> Long.parseLong(c.substring(LEASE_KEY.length() + 1)) * 1000)
            .findFirst()
            .orElse(120_000L);
  }

  public Audit audit() {
    return audit;
  }

  public Sources sources() {
    return sources;
  }

  /** Runs the CLI in this JVM on the session (setup, sweep, listings). */
  public Result inProcess(String... args) {
    List<String> all = new ArrayList<>(List.of("--warehouse", cli.warehouse().toString()));
    for (String c : habaneroConf) {
      all.add("--conf");
      all.add(c);
    }
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    long start = System.nanoTime();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = HabaneroCli.run(all.toArray(String[]::new), o, e, spark);
    }
    return new Result(
        "in-process " + args[0],
        code,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Creates a changeset in this JVM; it must succeed. Returns its id. */
  public String setup(Request r) {
    Result res = inProcess(r.args().toArray(String[]::new));
    JsonNode c = res.changeset();
    if (res.code() != 0 || c == null || !"SUCCESS".equals(c.path("status").asText())) {
      throw new IllegalStateException("setup " + r.describe() + " failed: " + res);
    }
    reported.put(c.path("id").asText(), "SUCCESS");
    return c.path("id").asText();
  }

  /** {@code sweep --safety-window-minutes 0} in this JVM, checked against the contract. */
  public Findings sweep(String label, String datasetId) {
    Findings f = new Findings();
    Result r = inProcess("sweep", "--dataset-id", datasetId, "--safety-window-minutes", "0");
    JsonNode j = r.json();
    boolean ok =
        r.code() == 0
            && j != null
            && j.path("datasets").isArray()
            && j.has("dryRun")
            && !j.path("dryRun").asBoolean();
    if (ok) {
      for (JsonNode d : j.path("datasets")) {
        ok &=
            d.has("datasetId")
                && d.has("dataFilesRemoved")
                && d.has("bytesRemoved")
                && d.has("quarantineDirectoriesRemoved")
                && d.path("removed").isArray();
      }
    }
    if (!ok) {
      f.sweepFailures++;
      f.problem(
          label
              + " ["
              + datasetId
              + "]: sweep --safety-window-minutes 0 did not exit 0 with the contract's JSON: exit "
              + r.code()
              + ", "
              + lastError(r)
              + (r.out().isBlank() ? "" : ", stdout " + oneLine(r.out())));
    }
    return f;
  }

  /** list-changesets for the dataset in this JVM. */
  public JsonNode listInProcess(String datasetId) {
    Result r = inProcess("list-changesets", "--dataset-id", datasetId, "--max-results", "100");
    if (r.code() != 0 || r.json() == null) {
      throw new IllegalStateException("list-changesets failed: " + r);
    }
    if (r.json().hasNonNull("nextToken")) {
      throw new IllegalStateException("more than 100 changesets on " + datasetId);
    }
    return r.json();
  }

  /** Sweeps the dataset, lists it and audits it with the orphan checks. */
  public Findings finalAudit(String label, String datasetId) {
    Findings f = new Findings();
    int before = audit.unreferenced(datasetId).size();
    f.add(sweep(label, datasetId));
    Findings a = audit.audit(label, datasetId, listInProcess(datasetId), reported, true);
    a.unreferencedBeforeSweep = before;
    f.add(a);
    return f;
  }

  /**
   * Starts {@code request} in a new process, kills it with SIGKILL at the trigger, checks in a new
   * process that recovery resolved the changeset and that the data agrees, retries with the same
   * clientToken in a new process, sweeps and audits again.
   */
  public KillOutcome kill(String label, Request request, Trigger trigger, long delayMillis) {
    String ds = request.datasetId();
    Path recordDir = cli.warehouse().resolve("changesets").resolve(ds);
    Set<String> before = recordIds(recordDir);
    int versionsBefore = audit.commits(ds).size();
    Child child = cli.start("kill-" + label, request.args().toArray(String[]::new));
    Optional<String> line = Optional.empty();
    boolean reached;
    if (trigger == Trigger.STARTED) {
      reached = true;
    } else if (trigger == Trigger.RECORDED) {
      reached =
          child.awaitCondition(
              () -> recordIds(recordDir).stream().anyMatch(id -> !before.contains(id)), timeout);
    } else if (trigger == Trigger.COMMITTED) {
      reached = child.awaitCondition(() -> deltaVersions(ds) > versionsBefore, timeout);
    } else {
      String phase = trigger.name();
      line =
          child.awaitErrLine(
              l -> {
                Matcher m = PROGRESS.matcher(l);
                return m.find() && m.group(1).equals(ds) && m.group(3).equals(phase);
              },
              timeout);
      reached = line.isPresent();
    }
    if (reached && delayMillis > 0) {
      CliProcess.sleep(delayMillis);
    }
    Result killed;
    boolean wasKilled;
    if (reached && child.isAlive()) {
      killed = child.kill9();
      wasKilled = killed.killed();
    } else {
      killed = child.await(timeout);
      wasKilled = false;
    }
    long killedAt = System.nanoTime();
    Findings afterKill = new Findings();
    String at = label + " [" + ds + "]: ";
    if (!wasKilled) {
      // A kill that missed (the process ended first) is no fault of the engine: the case is
      // still checked, as a normal run, and the outcome says it was not killed.
      JsonNode c = killed.changeset();
      if (c != null) {
        reported.put(c.path("id").asText(), c.path("status").asText());
      }
    }
    String id =
        line.map(
                l -> {
                  Matcher m = PROGRESS.matcher(l);
                  return m.find() ? m.group(2) : null;
                })
            .orElse(null);
    if (id == null) {
      Set<String> now = recordIds(recordDir);
      now.removeAll(before);
      id = now.size() == 1 ? now.iterator().next() : null;
    }

    String onDisk = id == null ? "not recorded" : statusOnDisk(recordDir, id);

    // Recovery, seen from a new process after the lease timeout (on this host the dead owner is
    // seen at once by its process id; another host's readers wait for the lease to run out).
    long sinceKill = (System.nanoTime() - killedAt) / 1_000_000;
    if (sinceKill < leaseMillis) {
      CliProcess.sleep(leaseMillis - sinceKill);
    }
    Result list =
        cli.run(
            "list-" + label,
            timeout,
            "list-changesets",
            "--dataset-id",
            ds,
            "--max-results",
            "100");
    String statusAfter = null;
    if (list.code() != 0 || list.json() == null) {
      if (id != null || list.code() != HabaneroCli.NOT_FOUND) {
        afterKill.problem(at + "list-changesets after the kill failed: " + list);
      }
    } else if (id != null) {
      Audit.Listed l = Audit.listed(list.json()).get(id);
      statusAfter = l == null ? "ABSENT" : l.status();
      if (!"SUCCESS".equals(statusAfter) && !"FAILED".equals(statusAfter)) {
        afterKill.changesetsMisreported++;
        afterKill.problem(
            at
                + "the killed changeset "
                + id
                + " is "
                + statusAfter
                + " in a new process after the kill (expected SUCCESS or FAILED)");
      }
    }
    if (list.json() != null) {
      Findings data = audit.audit(label + " after the kill", ds, list.json(), reported, false);
      data.changesetsMisreported =
          Math.max(data.changesetsMisreported, afterKill.changesetsMisreported);
      data.problems.addAll(0, afterKill.problems);
      afterKill = data;
    }

    // The same request with the same clientToken, in a new process: it lands exactly once.
    Result retry = cli.run("retry-" + label, timeout, request.args().toArray(String[]::new));
    JsonNode rc = retry.changeset();
    String retryId = rc == null ? null : rc.path("id").asText();
    String retryStatus = rc == null ? "exit " + retry.code() : rc.path("status").asText();
    if (rc != null) {
      reported.put(retryId, retryStatus);
    }
    Findings later = new Findings();
    if (request.clientToken() != null) {
      if (id != null && retryId != null && !id.equals(retryId)) {
        later.clientTokenViolations++;
        later.problem(
            at
                + "the retry with clientToken "
                + request.clientToken()
                + " created changeset "
                + retryId
                + ", not the killed "
                + id);
      }
      // A retry with the same clientToken is the same changeset (DESIGN: idempotent create): it
      // reports what the killed one became, SUCCESS exactly when its commit landed, and never
      // lands a second time. After a FAILED one, landing the rows needs a new clientToken.
      // A kill before anything was recorded leaves nothing to return: the retry is a new
      // changeset, which must land.
      boolean recorded = statusAfter != null && !"ABSENT".equals(statusAfter);
      String expected = recorded ? statusAfter : "SUCCESS";
      if (!expected.equals(retryStatus)) {
        later.clientTokenViolations++;
        later.problem(
            at
                + "the retry with the same clientToken is not what the killed changeset became ("
                + expected
                + "): "
                + retryStatus
                + " "
                + retryId
                + ", exit "
                + retry.code()
                + ": "
                + (rc != null && rc.has("errorInfo")
                    ? rc.path("errorInfo").path("errorCategory").asText()
                        + ": "
                        + rc.path("errorInfo").path("errorMessage").asText()
                    : lastError(retry)));
      }
    }
    later.add(finalAudit(label + " after the retry and the sweep", ds));
    Findings total = new Findings();
    total.addLater(afterKill, later);
    return new KillOutcome(
        label,
        request,
        trigger,
        delayMillis,
        wasKilled,
        killed.code(),
        id,
        onDisk,
        statusAfter,
        retryId,
        retryStatus,
        retry.code(),
        total);
  }

  /** Starts both requests in new processes at once, waits for both, and checks the outcome. */
  public RaceOutcome race(String label, Request a, Request b) {
    String ds = a.datasetId();
    Child ca = cli.start("race-" + label + "-a", a.args().toArray(String[]::new));
    Child cb = cli.start("race-" + label + "-b", b.args().toArray(String[]::new));
    Result ra = ca.await(timeout);
    Result rb = cb.await(timeout);
    for (Result r : List.of(ra, rb)) {
      JsonNode c = r.changeset();
      if (c != null) {
        reported.put(c.path("id").asText(), c.path("status").asText());
      }
    }
    Map<String, Long> versions = audit.versions(ds);
    Findings f = new Findings();
    String at = label + " [" + ds + "]: ";
    boolean sameToken = a.clientToken() != null && a.clientToken().equals(b.clientToken());
    if (sameToken) {
      String ida = ra.changeset() == null ? null : ra.changeset().path("id").asText();
      String idb = rb.changeset() == null ? null : rb.changeset().path("id").asText();
      if (ida == null || !ida.equals(idb) || ra.code() != 0 || rb.code() != 0) {
        f.clientTokenViolations++;
        f.problem(
            at
                + "two processes with clientToken "
                + a.clientToken()
                + " did not both return one SUCCESS changeset: "
                + RaceOutcome.describe(ra, versions)
                + " | "
                + RaceOutcome.describe(rb, versions));
      }
    } else {
      checkRacer(f, at, a, ra, b, rb, versions);
      checkRacer(f, at, b, rb, a, ra, versions);
    }
    f.add(finalAudit(label, ds));
    return new RaceOutcome(label, a, b, ra, rb, versions, f);
  }

  /**
   * One racer's outcome against the rules: a committed changeset exits 0 with SUCCESS; an APPEND or
   * REPLACE always commits (applied again after a lost race); a MODIFY may fail only when the other
   * racer committed and superseded its target, with exit 5 and a message naming the winner.
   */
  private void checkRacer(
      Findings f,
      String at,
      Request x,
      Result rx,
      Request y,
      Result ry,
      Map<String, Long> versions) {
    JsonNode cx = rx.changeset();
    String idx = cx == null ? null : cx.path("id").asText();
    JsonNode cy = ry.changeset();
    String idy = cy == null ? null : cy.path("id").asText();
    boolean committed = idx != null && versions.containsKey(idx);
    boolean otherCommitted = idy != null && versions.containsKey(idy);
    String what = x.describe() + " (" + RaceOutcome.describe(rx, versions) + ")";
    if (committed) {
      if (rx.code() != 0 || !"SUCCESS".equals(cx.path("status").asText())) {
        f.problem(at + what + " committed but did not exit 0 with SUCCESS");
      }
      return;
    }
    if (!"MODIFY".equals(x.changeType())) {
      f.conflictRuleViolations++;
      f.problem(at + what + " did not commit; an " + x.changeType() + " must be applied again");
      return;
    }
    boolean supersedes =
        otherCommitted
            && ("REPLACE".equals(y.changeType())
                || ("MODIFY".equals(y.changeType())
                    && y.updatesChangesetId().equals(x.updatesChangesetId())));
    if (!supersedes) {
      f.conflictRuleViolations++;
      f.problem(
          at + what + " did not commit, though its target was not superseded by the other racer");
      return;
    }
    String message =
        cx != null && cx.has("errorInfo")
            ? cx.path("errorInfo").path("errorMessage").asText()
            : String.join(" ", rx.habaneroLines());
    if (rx.code() != HabaneroCli.CONFLICT) {
      f.conflictRuleViolations++;
      f.problem(at + what + " lost to " + idy + " but exited " + rx.code() + ", not 5");
    }
    if (!message.contains(idy)) {
      f.conflictRuleViolations++;
      f.problem(at + what + " lost to " + idy + " but its message does not name it: " + message);
    }
  }

  /** What a killed changeset is: its change type, and QUARANTINE mode with bad rows or not. */
  public enum KillKind {
    APPEND,
    APPEND_QUARANTINE,
    MODIFY,
    REPLACE,
    REPLACE_QUARANTINE
  }

  /** The pairs of change types that race. */
  public enum Pair {
    APPEND_APPEND_NEW_DATASET("APPEND/APPEND on a new dataset"),
    APPEND_APPEND("APPEND/APPEND on an existing dataset"),
    REPLACE_APPEND("REPLACE/APPEND"),
    MODIFY_MODIFY("MODIFY/MODIFY of the same target"),
    MODIFY_REPLACE("MODIFY/REPLACE"),
    SAME_CLIENT_TOKEN("APPEND/APPEND with the same clientToken");

    public final String description;

    Pair(String description) {
      this.description = description;
    }
  }

  /** A dataset with one APPEND of {@code rows} rows, made in this JVM; returns its changeset. */
  public String base(String datasetId, int rows) {
    return setup(
        new Request(
            datasetId, "APPEND", sources.fresh(datasetId + "-base", rows, 0), null, false, null));
  }

  /**
   * Creates dataset {@code datasetId} with a base changeset, then runs {@link #kill} for a
   * changeset of the given kind with clientToken {@code tok-<datasetId>}.
   */
  public KillOutcome kill(
      String label, String datasetId, KillKind kind, int rows, Trigger trigger, long delayMillis) {
    String target = base(datasetId, 5);
    String token = "tok-" + datasetId;
    Request r =
        switch (kind) {
          case APPEND ->
              new Request(
                  datasetId,
                  "APPEND",
                  sources.fresh(datasetId + "-a", rows, 0),
                  null,
                  false,
                  token);
          case APPEND_QUARANTINE ->
              new Request(
                  datasetId, "APPEND", sources.fresh(datasetId + "-a", rows, 2), null, true, token);
          case MODIFY ->
              new Request(
                  datasetId,
                  "MODIFY",
                  sources.withIds(datasetId + "-fix", baseIds(datasetId), 0),
                  target,
                  false,
                  token);
          case REPLACE ->
              new Request(
                  datasetId,
                  "REPLACE",
                  sources.fresh(datasetId + "-r", rows, 0),
                  null,
                  false,
                  token);
          case REPLACE_QUARANTINE ->
              new Request(
                  datasetId,
                  "REPLACE",
                  sources.fresh(datasetId + "-r", rows, 1),
                  null,
                  true,
                  token);
        };
    return kill(label, r, trigger, delayMillis);
  }

  /** Sets up dataset {@code datasetId} for the pair (a base changeset, unless new) and races it. */
  public RaceOutcome race(Pair pair, String datasetId, int rows) {
    String ds = datasetId;
    return switch (pair) {
      case APPEND_APPEND_NEW_DATASET ->
          race(
              pair.description,
              new Request(ds, "APPEND", sources.fresh(ds + "-a", rows, 0), null, false, null),
              new Request(ds, "APPEND", sources.fresh(ds + "-b", rows, 0), null, false, null));
      case APPEND_APPEND -> {
        base(ds, 5);
        yield race(
            pair.description,
            new Request(ds, "APPEND", sources.fresh(ds + "-a", rows, 0), null, false, null),
            new Request(ds, "APPEND", sources.fresh(ds + "-b", rows, 1), null, true, null));
      }
      case REPLACE_APPEND -> {
        base(ds, 5);
        yield race(
            pair.description,
            new Request(ds, "REPLACE", sources.fresh(ds + "-r", rows, 0), null, false, null),
            new Request(ds, "APPEND", sources.fresh(ds + "-a", rows, 0), null, false, null));
      }
      case MODIFY_MODIFY -> {
        String t = base(ds, 5);
        yield race(
            pair.description,
            new Request(
                ds, "MODIFY", sources.withIds(ds + "-fix-a", baseIds(ds), 0), t, false, null),
            new Request(
                ds, "MODIFY", sources.withIds(ds + "-fix-b", baseIds(ds), 0), t, false, null));
      }
      case MODIFY_REPLACE -> {
        String t = base(ds, 5);
        yield race(
            pair.description,
            new Request(ds, "MODIFY", sources.withIds(ds + "-fix", baseIds(ds), 0), t, false, null),
            new Request(ds, "REPLACE", sources.fresh(ds + "-r", rows, 0), null, false, null));
      }
      case SAME_CLIENT_TOKEN -> {
        base(ds, 5);
        Sources.Source same = sources.fresh(ds + "-a", rows, 0);
        yield race(
            pair.description,
            new Request(ds, "APPEND", same, null, false, "tok-" + ds),
            new Request(ds, "APPEND", same, null, false, "tok-" + ds));
      }
    };
  }

  private List<Integer> baseIds(String datasetId) {
    return sources
        .forPath(sources.pathOf(datasetId + "-base").toString())
        .orElseThrow(() -> new IllegalStateException("no base for " + datasetId))
        .ids();
  }

  /** What an injected input fault did and found. */
  public record FaultOutcome(String label, String outcome, Findings findings) {}

  /**
   * A malformed record without QUARANTINE: the changeset must end FAILED (VALIDATION) and commit
   * nothing, never drop the record silently.
   */
  public FaultOutcome malformedInput(String label, String datasetId, int rows) {
    base(datasetId, 5);
    Request r =
        new Request(
            datasetId, "APPEND", sources.fresh(datasetId + "-bad", rows, 1), null, false, null);
    Result res = cli.run("fault-" + label, timeout, r.args().toArray(String[]::new));
    JsonNode c = res.changeset();
    Findings f = new Findings();
    String at = label + " [" + datasetId + "]: ";
    String outcome =
        "exit "
            + res.code()
            + ", "
            + (c == null
                ? lastError(res)
                : c.path("status").asText()
                    + " "
                    + c.path("errorInfo").path("errorCategory").asText(""));
    if (c != null) {
      reported.put(c.path("id").asText(), c.path("status").asText());
    }
    if (c == null
        || !"FAILED".equals(c.path("status").asText())
        || !"VALIDATION".equals(c.path("errorInfo").path("errorCategory").asText())
        || res.code() != HabaneroCli.CHANGESET_FAILED) {
      f.changesetsMisreported++;
      f.problem(
          at
              + "a malformed record without QUARANTINE must fail the changeset (VALIDATION, exit 1): "
              + outcome);
    }
    f.add(finalAudit(label, datasetId));
    return new FaultOutcome(label, outcome, f);
  }

  /**
   * The source file is rewritten (other rows, another length) while the changeset runs, at the
   * trigger: the changeset either fails, or commits exactly the rows it listed at its start, never
   * a mix.
   */
  public FaultOutcome sourceRewrittenMidIngest(
      String label, String datasetId, int rows, Trigger trigger) {
    base(datasetId, 5);
    Sources.Source s = sources.fresh(datasetId + "-a", rows, 0);
    Request r = new Request(datasetId, "APPEND", s, null, false, null);
    Child child = cli.start("fault-" + label, r.args().toArray(String[]::new));
    String phase = trigger.name();
    boolean reached =
        child
            .awaitErrLine(
                l -> {
                  Matcher m = PROGRESS.matcher(l);
                  return m.find() && m.group(1).equals(datasetId) && m.group(3).equals(phase);
                },
                timeout)
            .isPresent();
    StringBuilder other = new StringBuilder("id,name\n");
    for (int i = 0; i <= rows; i++) {
      other.append(900_000 + i).append(",rewritten\n");
    }
    try {
      Files.writeString(s.path(), other, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Result res = child.await(timeout);
    JsonNode c = res.changeset();
    if (c != null) {
      reported.put(c.path("id").asText(), c.path("status").asText());
    }
    String outcome =
        (reached ? "rewritten at " + trigger : "rewritten after the end")
            + ": exit "
            + res.code()
            + ", "
            + (c == null ? lastError(res) : c.path("status").asText());
    Findings f = finalAudit(label, datasetId);
    return new FaultOutcome(label, outcome, f);
  }

  /** The status the record file holds as written (no recovery), for the report. */
  private static String statusOnDisk(Path recordDir, String changesetId) {
    try {
      return CliProcess.JSON
          .readTree(recordDir.resolve(changesetId + ".json").toFile())
          .path("status")
          .asText("?");
    } catch (IOException e) {
      return "unreadable";
    }
  }

  /** How many commit files the dataset's Delta log holds (cheap: a directory listing). */
  private int deltaVersions(String datasetId) {
    Path log = audit.table(datasetId).resolve("_delta_log");
    if (!Files.isDirectory(log)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(log)) {
      return (int) s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).count();
    } catch (IOException e) {
      return 0;
    }
  }

  private static Set<String> recordIds(Path recordDir) {
    if (!Files.isDirectory(recordDir)) {
      return new java.util.HashSet<>();
    }
    try (Stream<Path> s = Files.list(recordDir)) {
      return s.map(p -> p.getFileName().toString())
          // Records only: not the index's files (_store.json, _latest.json) nor temporaries.
          .filter(n -> n.endsWith(".json") && !n.startsWith(".") && !n.startsWith("_"))
          .map(n -> n.substring(0, n.length() - 5))
          .collect(Collectors.toCollection(java.util.HashSet::new));
    } catch (IOException e) {
      if (!Files.isDirectory(recordDir)) {
        return new java.util.HashSet<>();
      }
      throw new UncheckedIOException(e);
    }
  }

  /** The last Habanero line a process printed on stderr (its error), or its exit code. */
  static String lastError(Result r) {
    List<String> lines =
        r.habaneroLines().stream().filter(l -> !PROGRESS.matcher(l).find()).toList();
    return lines.isEmpty() ? "no error line" : lines.get(lines.size() - 1);
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
