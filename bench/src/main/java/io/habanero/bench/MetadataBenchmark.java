package io.habanero.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.Habanero;
import io.habanero.errors.ConflictException;
import io.habanero.internal.Ids;
import io.habanero.internal.Json;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import io.habanero.internal.delta.DeltaCommit;
import io.habanero.internal.engine.Engine;
import io.habanero.internal.ingest.SchemaRules;
import io.habanero.internal.warehouse.Warehouse;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.GetWorkingLocationRequest;
import io.habanero.model.IngestionStatus;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.ListChangesetsResponse;
import io.habanero.model.LocationType;
import io.habanero.model.TimeTravel;
import io.habanero.model.UpdateChangesetRequest;
import io.habanero.model.UpdateChangesetResponse;
import io.habanero.testkit.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import scala.Option;

/**
 * {@code scripts/bench metadata}: the changeset operations on datasets of N = 10 … 100,000
 * changesets. Each N gets a fresh warehouse: the first changeset is a real CSV APPEND; changesets 2
 * … N are written through the store's own write path as a runner writes them, without a Spark job:
 * the PENDING record ({@code ChangesetLog.create}), a Delta commit file naming the changeset in its
 * commit metadata (a commitInfo with Habanero's {@code userMetadata}, and the changeset's
 * SetTransaction, as a real commit has, but no data files), then the SUCCESS record with the
 * version ({@code ChangesetLog.write}, which indexes it from the commit file). The Delta log is
 * then checkpointed and its older commit files deleted, as Delta's log retention does on a
 * long-lived table. Then the writes are timed (real changesets: APPEND, REPLACE, MODIFY,
 * UpdateChangeset, and a MODIFY of a superseded changeset, refused), then the reads (GetChangeset
 * of the oldest changeset, the first ListChangesets page and one from the middle), each run going
 * round every N in turn. Every result is checked. On S3 (S3Proxy on loopback) the same is done at
 * smaller N and every S3 request of each operation is counted, by what it touches.
 */
public final class MetadataBenchmark {
  static final String DS = "meta";
  static final String BUCKET = "bench";
  static final int PAGE = 10;

  /** Delta checkpoints made while fabricating (a real table has one every 10 commits). */
  static final int FABRICATION_CHECKPOINT_EVERY = 10_000;

  /** The growth target for local timings: N_max / N_min. */
  static final double TARGET = 1.5;

  /** Operations, in the order they run at each N. */
  static final String APPEND = "APPEND";

  static final String REPLACE = "REPLACE";
  static final String MODIFY = "MODIFY";
  static final String UPDATE = "UpdateChangeset";
  static final String REJECT = "MODIFY of a superseded changeset (refused)";
  static final String GET = "GetChangeset (oldest)";
  static final String LIST_FIRST = "ListChangesets first page";
  static final String LIST_MIDDLE = "ListChangesets middle page";
  static final List<String> OPS =
      List.of(APPEND, REPLACE, MODIFY, UPDATE, REJECT, GET, LIST_FIRST, LIST_MIDDLE);

  /** The IOStatistics counters of S3A that count requests (hadoop-aws 3.3.4 names). */
  static final List<String> REQUEST_COUNTERS =
      List.of(
          "action_http_head_request",
          "action_http_get_request",
          "object_list_request",
          "object_continue_list_request",
          "object_put_request",
          "object_delete_request",
          "object_bulk_delete_request",
          "object_copy_requests",
          "object_multipart_initiated",
          "multipart_upload_part_put",
          "multipart_upload_completed",
          "object_multipart_aborted",
          "multipart_upload_list");

  private static final String CSV = "id,name\n1,alpha\n2,beta\n";
  private static final long CSV_ROWS = 2;

  final SparkSession spark;
  final java.nio.file.Path work;
  final int warmups;
  final int runs;
  final int readBatch;
  final List<String> failures = new ArrayList<>();

  MetadataBenchmark(
      SparkSession spark, java.nio.file.Path work, int warmups, int runs, int readBatch) {
    this.spark = spark;
    this.work = work;
    this.warmups = warmups;
    this.runs = runs;
    this.readBatch = readBatch;
  }

  // ---------------------------------------------------------------- results

  /** One operation at one N: the time of each measured sample, and on S3 its requests. */
  static final class OpResult {
    public List<Double> ms = new ArrayList<>();
    public int callsPerSample = 1;

    /** Per measured run: requests by category (S3 only). */
    public List<Map<String, Long>> requests = new ArrayList<>();

    /** Per measured run: the sum of S3A's request counters (S3 only). */
    public List<Long> ioStatisticsRequests = new ArrayList<>();

    @com.fasterxml.jackson.annotation.JsonProperty("medianMs")
    public double medianMs() {
      return ms.isEmpty() ? Double.NaN : Measure.median(ms);
    }

    /** Requests per run, without the ticker's (which follow the run's duration, not N). */
    @com.fasterxml.jackson.annotation.JsonProperty("requestsWithoutTicker")
    public List<Long> countedRequests() {
      return sum(S3RequestCounter.COUNTED);
    }

    /** Every request per run, the ticker's included (to compare with S3A's IOStatistics). */
    @com.fasterxml.jackson.annotation.JsonProperty("requestsAll")
    public List<Long> allRequests() {
      List<String> all = new ArrayList<>(S3RequestCounter.COUNTED);
      all.addAll(S3RequestCounter.TICKER);
      return sum(all);
    }

    private List<Long> sum(List<String> categories) {
      List<Long> out = new ArrayList<>();
      for (Map<String, Long> r : requests) {
        long sum = 0;
        for (String c : categories) {
          sum += r.getOrDefault(c, 0L);
        }
        out.add(sum);
      }
      return out;
    }

    public List<Long> byCategory(String category) {
      List<Long> out = new ArrayList<>();
      for (Map<String, Long> r : requests) {
        out.add(r.getOrDefault(category, 0L));
      }
      return out;
    }
  }

  /** One N on one site. */
  static final class SizeResult {
    public String site;
    public int n;
    public double fabricationSeconds;
    public double checkpointSeconds;
    public List<String> deltaLogAfterCleanup = new ArrayList<>();
    public long deltaLogFilesDeleted;
    public Map<String, OpResult> ops = new LinkedHashMap<>();
  }

  // ---------------------------------------------------------------- sites

  /** Where a warehouse lives: a local directory or a prefix of the S3Proxy bucket. */
  interface Site {
    String name();

    Map<String, String> settings(int n);

    boolean s3();
  }

  Site local() {
    return new Site() {
      @Override
      public String name() {
        return "local";
      }

      @Override
      public Map<String, String> settings(int n) {
        return Map.of("warehouse", work.resolve("local").resolve("n" + n).toString());
      }

      @Override
      public boolean s3() {
        return false;
      }
    };
  }

  static Site s3Site(S3Server s3, String prefix) {
    return new Site() {
      @Override
      public String name() {
        return "s3";
      }

      @Override
      public Map<String, String> settings(int n) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("warehouse", "s3a://" + BUCKET + "/" + prefix + "n" + n);
        o.put("region", "us-east-1");
        o.put("s3.endpoint", s3.endpoint().toString());
        o.put("s3.path-style-access", "true");
        // One driver writes; without Delta's DynamoDB log store, S3 writes need this.
        o.put("s3.single-writer", "true");
        return o;
      }

      @Override
      public boolean s3() {
        return true;
      }
    };
  }

  /**
   * Points S3A at {@code s3} with its static key pair, and installs the request counter. Must run
   * before the first s3a FileSystem of the bucket is created (S3A reads these at initialization).
   */
  static void configureS3a(SparkSession spark, S3Server s3) {
    spark.conf().set("fs.s3a.access.key", s3.accessKeyId());
    spark.conf().set("fs.s3a.secret.key", s3.secretAccessKey());
    spark
        .conf()
        .set(
            "fs.s3a.aws.credentials.provider",
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    spark.conf().set("fs.s3a.audit.enabled", "true");
    spark
        .conf()
        .set("fs.s3a.audit.service.classname", "org.apache.hadoop.fs.s3a.audit.impl.NoopAuditor");
    spark.conf().set("fs.s3a.audit.request.handlers", S3RequestCounter.class.getName());
  }

  /** Starts S3Proxy (static credentials, no session token needed) with the bench bucket. */
  static S3Server startS3() throws IOException {
    S3Server s3 =
        S3Server.builder()
            .credentials("habanero-bench", "habanero-bench-secret")
            .allowRequestsWithoutToken(true)
            .start();
    s3.createBucket(BUCKET);
    return s3;
  }

  // ---------------------------------------------------------------- one N

  /** One dataset under test: its warehouse, the Habanero that times it, and the ops' state. */
  final class Target implements AutoCloseable {
    final Site site;
    final int n;
    final Habanero h;
    final Warehouse wh;
    final Engine engine;
    final ChangesetLog log;
    final String src;
    final Changeset first;
    final SizeResult res = new SizeResult();
    final FileSystem s3fs;

    long rowsBefore;
    final List<String> replaced = new ArrayList<>();
    final List<String> modifyTargets = new ArrayList<>();
    final List<String> updates = new ArrayList<>();
    String current;
    List<String> firstIds;
    List<String> middleIds;
    String middleToken;

    Target(Site site, int n) throws Exception {
      if (n < PAGE) {
        throw new IllegalArgumentException("N must be at least " + PAGE + ": " + n);
      }
      this.site = site;
      this.n = n;
      res.site = site.name();
      res.n = n;
      Map<String, String> settings = site.settings(n);
      BenchSupport.log(site.name() + " N=" + n + ": warehouse " + settings.get("warehouse"));
      h = Habanero.create(spark, settings);
      wh = Warehouse.open(h.settings(), spark.sessionState().newHadoopConf());
      if (wh.exists(wh.recordDir(DS)) || wh.exists(wh.datasetPath(DS))) {
        throw new IllegalStateException("the warehouse is not fresh: " + wh.root());
      }
      s3fs = site.s3() ? wh.fs() : null;
      src = h.getWorkingLocation(new GetWorkingLocationRequest(LocationType.INGESTION)).s3Uri();
      Path srcFile = sourceFile(src);
      try (FSDataOutputStream out =
          srcFile.getFileSystem(spark.sessionState().newHadoopConf()).create(srcFile, true)) {
        out.write(CSV.getBytes(StandardCharsets.UTF_8));
      }
      first = success(h, csv(ChangeType.APPEND, src).build());
      // The fabrication's own engine on the same warehouse: the timed Habanero shares nothing
      // with it but the files.
      engine = new Engine(spark, h.settings(), wh);
      log = engine.log();
      long t0 = System.nanoTime();
      fabricate(engine, wh, n, src);
      res.fabricationSeconds = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      checkpointAndTrim(wh, n, res);
      res.checkpointSeconds = (System.nanoTime() - t0) / 1e9;
      BenchSupport.log(
          String.format(
              "%s N=%d: fabricated in %.1f s (%.0f changesets/s), checkpoint + log trim %.1f s;"
                  + " _delta_log now %s",
              site.name(),
              n,
              res.fabricationSeconds,
              (n - 1) / res.fabricationSeconds,
              res.checkpointSeconds,
              res.deltaLogAfterCleanup));
      checkFabricated(h, log, n, first);
    }

    /** The changesets the writes made so far (the refused MODIFY makes none). */
    long slotsAfterWrites() {
      return n + 4L * (warmups + runs);
    }

    @Override
    public void close() {
      engine.close();
      h.close();
    }
  }

  /**
   * The position of changeset {@code i} (1-based, 1 = the real first one) in the mix: every 100th a
   * REPLACE, every 50th at offset 25 (25, 75, 125, …) a MODIFY of changeset i−1 (an APPEND that is
   * still active: no REPLACE came after it), the rest APPEND.
   */
  static ChangeType typeOf(long i) {
    if (i > 1 && i % 100 == 0) {
      return ChangeType.REPLACE;
    }
    if (i % 50 == 25) {
      return ChangeType.MODIFY;
    }
    return ChangeType.APPEND;
  }

  /** Writes changesets 2 … n through the store's write path, as a runner writes them. */
  void fabricate(Engine engine, Warehouse wh, int n, String src) throws Exception {
    ChangesetLog log = engine.log();
    Path table = wh.datasetPath(DS);
    Path deltaLog = new Path(table, "_delta_log");
    FileSystem fs = wh.fs();
    FileStatus srcStatus = fs.getFileStatus(sourceFile(src));
    String previous = log.slot(DS, 0).orElseThrow();
    long started = System.nanoTime();
    long lastReport = started;
    for (int i = 2; i <= n; i++) {
      long version = i - 1;
      ChangeType type = typeOf(i);
      String target = type == ChangeType.MODIFY ? previous : null;
      ChangesetRecord r = pendingRecord(Ids.newId(), type, target, src, srcStatus);
      log.create(r);
      Path commit = new Path(deltaLog, String.format("%020d.json", version));
      writeCommit(wh, commit, commitFile(r, version));
      r.readVersion = version - 1;
      r.status = IngestionStatus.SUCCESS;
      r.deltaVersion = version;
      r.commitTime = fs.getFileStatus(commit).getModificationTime();
      r.rowsWritten = 0L; // the commit adds no data file
      r.heartbeatTime = System.currentTimeMillis();
      r.endTime = r.heartbeatTime;
      log.write(r);
      previous = r.changesetId;
      if (i % FABRICATION_CHECKPOINT_EVERY == 0 && i < n) {
        checkpoint(table, version);
      }
      long now = System.nanoTime();
      if (i % 10_000 == 0 || now - lastReport > 30e9) {
        lastReport = now;
        BenchSupport.log(
            String.format(
                "  %s: %,d of %,d changesets (%.0f/s)",
                wh.root(), i, n, (i - 1) / ((now - started) / 1e9)));
      }
    }
  }

  /** The CSV file in working location {@code src}, as a Hadoop path (s3:// is read as s3a://). */
  static Path sourceFile(String src) {
    String dir = src.startsWith("s3://") ? "s3a://" + src.substring("s3://".length()) : src;
    return new Path(dir.endsWith("/") ? dir + "part-0.csv" : dir + "/part-0.csv");
  }

  /** A PENDING record as NewRecords.fromRequest builds one for a CSV request. */
  static ChangesetRecord pendingRecord(
      String id, ChangeType type, String target, String src, FileStatus srcFile) {
    ChangesetRecord r = new ChangesetRecord();
    r.changesetId = id;
    r.datasetId = DS;
    r.changeType = type;
    r.updatesChangesetId = target;
    r.createTime = System.currentTimeMillis();
    r.status = IngestionStatus.PENDING;
    r.owner = ChangesetRecord.Owner.current();
    r.heartbeatTime = r.createTime;
    r.formatType = FormatType.CSV;
    r.sourceParams = new LinkedHashMap<>(Map.of("s3SourcePath", src));
    r.formatParams = new LinkedHashMap<>();
    r.tags = new LinkedHashMap<>();
    // The request fingerprint, as NewRecords.fingerprint computes it.
    Map<String, Object> canon = new TreeMap<>();
    canon.put("datasetId", DS);
    canon.put("changeType", type.name());
    canon.put("sourceParams", new TreeMap<>(r.sourceParams));
    canon.put("formatType", FormatType.CSV.name());
    canon.put("formatParams", new TreeMap<>());
    canon.put("tags", new TreeMap<>());
    canon.put("updatesChangesetId", String.valueOf(target));
    r.requestFingerprint = ChangesetLog.sha256(Json.writeString(canon));
    r.sourceFiles =
        new ArrayList<>(
            List.of(
                new ChangesetRecord.SourceFile(
                    srcFile.getPath().toString(),
                    srcFile.getLen(),
                    srcFile.getModificationTime())));
    return r;
  }

  /**
   * The commit file a runner's commit of {@code r} writes, without its data file actions: the
   * commitInfo Delta writes for Habanero's WRITE (mode, predicate for MODIFY, readVersion,
   * userMetadata naming the changeset) and the changeset's SetTransaction.
   */
  static byte[] commitFile(ChangesetRecord r, long version) throws IOException {
    long now = System.currentTimeMillis();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("mode", r.changeType == ChangeType.APPEND ? "Append" : "Overwrite");
    params.put("partitionBy", "[]");
    if (r.changeType == ChangeType.MODIFY) {
      params.put(
          "predicate",
          String.format(
              "%s IN ('%s', '%s')",
              SchemaRules.LINEAGE_COLUMN, r.updatesChangesetId, r.changesetId));
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("timestamp", now);
    info.put("operation", "WRITE");
    info.put("operationParameters", params);
    info.put("readVersion", version - 1);
    info.put("isolationLevel", "Serializable");
    info.put("isBlindAppend", r.changeType == ChangeType.APPEND);
    info.put(
        "operationMetrics", Map.of("numFiles", "0", "numOutputRows", "0", "numOutputBytes", "0"));
    info.put(
        "userMetadata",
        DeltaCommit.userMetadata(r.datasetId, r.changesetId, r.changeType, r.updatesChangesetId));
    info.put("engineInfo", "Apache-Spark/3.5.7 Delta-Lake/3.3.2");
    info.put("txnId", UUID.randomUUID().toString());
    Map<String, Object> txn = new LinkedHashMap<>();
    txn.put("appId", DeltaCommit.transactionId(r.changesetId));
    txn.put("version", 0);
    txn.put("lastUpdated", now);
    ObjectMapper m = new ObjectMapper();
    String text =
        m.writeValueAsString(Map.of("commitInfo", info))
            + "\n"
            + m.writeValueAsString(Map.of("txn", txn))
            + "\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes a new commit file as Delta's log stores do: never over an existing version. */
  static void writeCommit(Warehouse wh, Path file, byte[] bytes) throws IOException {
    if (wh.isLocal()) {
      java.nio.file.Path target = java.nio.file.Path.of(file.toUri());
      java.nio.file.Path tmp =
          Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      if (!Files.exists(target)) {
        throw new IOException("commit file not written: " + target);
      }
    } else {
      try (FSDataOutputStream out = wh.fs().create(file, false)) {
        out.write(bytes);
      }
    }
  }

  private void checkpoint(Path table, long expectVersion) {
    DeltaLog dl = DeltaLog.forTable(spark, table);
    Snapshot s = dl.update(false, Option.empty(), Option.empty());
    if (s.version() != expectVersion) {
      throw new IllegalStateException(
          "Delta sees version " + s.version() + " of " + table + ", expected " + expectVersion);
    }
    dl.checkpoint(s, Option.empty());
  }

  private static final Pattern VERSIONED = Pattern.compile("(\\d{20})\\..*");

  /**
   * Checkpoints the table at its last version and deletes every older commit, checksum and
   * checkpoint file, as Delta's log cleanup does once they are past delta.logRetentionDuration.
   */
  private void checkpointAndTrim(Warehouse wh, int n, SizeResult res) throws IOException {
    Path table = wh.datasetPath(DS);
    long last = n - 1;
    checkpoint(table, last);
    Path deltaLog = new Path(table, "_delta_log");
    FileSystem fs = wh.fs();
    long deleted = 0;
    for (FileStatus f : fs.listStatus(deltaLog)) {
      Matcher m = VERSIONED.matcher(f.getPath().getName());
      if (f.isFile() && m.matches() && Long.parseLong(m.group(1)) < last) {
        if (!fs.delete(f.getPath(), false)) {
          throw new IOException("cannot delete " + f.getPath());
        }
        deleted++;
      }
    }
    res.deltaLogFilesDeleted = deleted;
    for (FileStatus f : fs.listStatus(deltaLog)) {
      res.deltaLogAfterCleanup.add(f.getPath().getName() + (f.isDirectory() ? "/" : ""));
    }
    res.deltaLogAfterCleanup.sort(null);
    // Delta itself must read the trimmed log: from the checkpoint, at the last version.
    Snapshot s = DeltaLog.forTable(spark, table).update(false, Option.empty(), Option.empty());
    if (s.version() != last) {
      throw new IllegalStateException("after the trim Delta sees version " + s.version());
    }
  }

  /** Checks the fabricated history through the API before anything is timed. */
  private void checkFabricated(Habanero h, ChangesetLog log, int n, Changeset first) {
    ListChangesetsResponse p = h.listChangesets(new ListChangesetsRequest(DS, PAGE, null));
    require(p.changesets().size() == PAGE, "first page size " + p.changesets().size());
    require(p.changesets().get(0).changesetId().equals(first.id()), "slot 0 is the real changeset");
    require(log.slot(DS, n - 1).isPresent() && log.slot(DS, n).isEmpty(), "N slots exactly");
    ChangesetSummary oldest = get(h, first.id());
    if (n >= 100) {
      // Retired by the first REPLACE (changeset 100, slot 99), at its commit time.
      ChangesetSummary replace = get(h, log.slot(DS, 99).orElseThrow());
      require(replace.changeType() == ChangeType.REPLACE, "changeset 100 is a REPLACE");
      require(
          oldest.activeUntilTimestamp() != null
              && oldest.activeUntilTimestamp().equals(replace.activeFromTimestamp()),
          "the oldest changeset is retired by the first REPLACE: " + oldest);
    } else {
      require(oldest.activeUntilTimestamp() == null, "the oldest changeset is active: " + oldest);
    }
    if (n >= 25) {
      ChangesetSummary modify = get(h, log.slot(DS, 24).orElseThrow());
      ChangesetSummary target = get(h, log.slot(DS, 23).orElseThrow());
      require(modify.changeType() == ChangeType.MODIFY, "changeset 25 is a MODIFY");
      require(
          modify.changesetId().equals(target.updatedByChangesetId()),
          "changeset 24 is updated by changeset 25: " + target);
    }
    ChangesetSummary lastOne = get(h, log.slot(DS, n - 1).orElseThrow());
    require(lastOne.status() == IngestionStatus.SUCCESS, "the last changeset is SUCCESS");
    require(log.inFlight(DS).isEmpty(), "nothing in flight");
  }

  // ---------------------------------------------------------------- timed operations

  /** A timed operation: what it does to one target, and how its results are checked. */
  private interface Op {
    /** Before the first run, outside the timing. */
    default void prepare(Target t) throws Exception {}

    /** One timed call. */
    void run(Target t) throws Exception;

    /** After the last run, outside the timing. */
    default void verify(Target t) throws Exception {}
  }

  /** The operations, in the order they run on every target. */
  private Map<String, Op> ops() {
    Map<String, Op> ops = new LinkedHashMap<>();
    int perOp = warmups + runs;
    ops.put(
        APPEND,
        new Op() {
          @Override
          public void prepare(Target t) {
            t.rowsBefore = count(t.h);
          }

          @Override
          public void run(Target t) {
            success(t.h, csv(ChangeType.APPEND, t.src).build());
          }

          @Override
          public void verify(Target t) {
            require(
                count(t.h) == t.rowsBefore + perOp * CSV_ROWS,
                "each APPEND added " + CSV_ROWS + " rows");
          }
        });
    ops.put(
        REPLACE,
        new Op() {
          @Override
          public void run(Target t) {
            t.replaced.add(success(t.h, csv(ChangeType.REPLACE, t.src).build()).id());
          }

          @Override
          public void verify(Target t) {
            t.current = t.replaced.get(t.replaced.size() - 1);
            requireOnly(t.h, t.current, "after the REPLACEs");
          }
        });
    ops.put(
        MODIFY,
        new Op() {
          @Override
          public void run(Target t) {
            Changeset c =
                success(t.h, csv(ChangeType.MODIFY, t.src).updatesChangesetId(t.current).build());
            t.modifyTargets.add(t.current);
            t.current = c.id();
          }

          @Override
          public void verify(Target t) {
            requireOnly(t.h, t.current, "after the MODIFY chain");
            for (int i = 0; i < t.modifyTargets.size(); i++) {
              String by = i + 1 < t.modifyTargets.size() ? t.modifyTargets.get(i + 1) : t.current;
              require(
                  by.equals(get(t.h, t.modifyTargets.get(i)).updatedByChangesetId()),
                  "each MODIFY target is updated by its MODIFY");
            }
          }
        });
    ops.put(
        UPDATE,
        new Op() {
          @Override
          public void run(Target t) {
            UpdateChangesetResponse u =
                t.h.updateChangeset(
                    new UpdateChangesetRequest(
                        null,
                        DS,
                        t.current,
                        Map.of("s3SourcePath", t.src),
                        Map.of("formatType", "CSV")));
            t.updates.add(u.changesetId());
            t.current = u.changesetId();
          }

          @Override
          public void verify(Target t) {
            for (String id : t.updates) {
              ChangesetSummary u = get(t.h, id);
              require(
                  u.status() == IngestionStatus.SUCCESS && u.changeType() == ChangeType.MODIFY,
                  "UpdateChangeset's changeset is a SUCCESS MODIFY: " + u);
            }
            requireOnly(t.h, t.current, "after the UpdateChangeset chain");
            require(
                t.log.slot(DS, t.slotsAfterWrites() - 1).isPresent()
                    && t.log.slot(DS, t.slotsAfterWrites()).isEmpty(),
                "every write made exactly one changeset");
          }
        });
    ops.put(
        REJECT,
        new Op() {
          @Override
          public void run(Target t) {
            // The last REPLACE: the first MODIFY superseded it.
            String superseded = t.replaced.get(t.replaced.size() - 1);
            try {
              t.h.createChangeset(
                  csv(ChangeType.MODIFY, t.src).updatesChangesetId(superseded).build());
              throw new IllegalStateException("a MODIFY of a superseded changeset was accepted");
            } catch (ConflictException e) {
              if (!e.getMessage().contains("superseded")) {
                throw e;
              }
            }
          }

          @Override
          public void verify(Target t) {
            require(t.log.slot(DS, t.slotsAfterWrites()).isEmpty(), "a refusal records nothing");
            require(t.log.inFlight(DS).isEmpty(), "nothing in flight after the refusals");
          }
        });
    ops.put(
        GET,
        t -> {
          ChangesetSummary s = get(t.h, t.first.id());
          require(
              s.changeType() == ChangeType.APPEND
                  && s.status() == IngestionStatus.SUCCESS
                  && s.activeUntilTimestamp() != null
                  && s.updatedByChangesetId() == null,
              "the oldest changeset: SUCCESS APPEND, retired by a REPLACE: " + s);
        });
    ops.put(
        LIST_FIRST,
        new Op() {
          @Override
          public void prepare(Target t) {
            t.firstIds = slotIds(t.log, 0, PAGE);
          }

          @Override
          public void run(Target t) {
            ListChangesetsResponse p =
                t.h.listChangesets(new ListChangesetsRequest(DS, PAGE, null));
            requirePage(p, t.firstIds, "first page");
          }
        });
    ops.put(
        LIST_MIDDLE,
        new Op() {
          @Override
          public void prepare(Target t) {
            long middle = t.n / 2;
            t.middleIds = slotIds(t.log, middle, PAGE);
            t.middleToken = token(middle, t.log.slot(DS, middle - 1).orElseThrow());
          }

          @Override
          public void run(Target t) {
            ListChangesetsResponse p =
                t.h.listChangesets(new ListChangesetsRequest(DS, PAGE, t.middleToken));
            requirePage(p, t.middleIds, "page at slot " + t.n / 2);
          }
        });
    return ops;
  }

  /**
   * Runs every operation on every target, interleaved: for each operation, each warm-up and
   * measured run goes round the targets (N = 10, 1,000, …, 10, 1,000, …), so a change in the
   * machine's load touches every N alike. Times, and on S3 counts, the measured runs.
   */
  void timeAll(List<Target> targets) throws Exception {
    for (Map.Entry<String, Op> e : ops().entrySet()) {
      String name = e.getKey();
      Op op = e.getValue();
      boolean read = name.equals(GET) || name.equals(LIST_FIRST) || name.equals(LIST_MIDDLE);
      Map<Target, OpResult> results = new LinkedHashMap<>();
      for (Target t : targets) {
        op.prepare(t);
        OpResult r = new OpResult();
        r.callsPerSample = read && t.s3fs == null ? readBatch : 1;
        results.put(t, r);
      }
      for (int i = 0; i < warmups + runs; i++) {
        for (Target t : targets) {
          OpResult r = results.get(t);
          Map<String, Long> before = t.s3fs == null ? null : S3RequestCounter.snapshot();
          long ioBefore = t.s3fs == null ? 0 : ioRequests(t.s3fs);
          long t0 = System.nanoTime();
          for (int b = 0; b < r.callsPerSample; b++) {
            op.run(t);
          }
          double ms = (System.nanoTime() - t0) / 1e6 / r.callsPerSample;
          if (i >= warmups) {
            r.ms.add(ms);
            if (t.s3fs != null) {
              r.requests.add(S3RequestCounter.diff(before, S3RequestCounter.snapshot()));
              r.ioStatisticsRequests.add(ioRequests(t.s3fs) - ioBefore);
            }
          }
        }
      }
      for (Target t : targets) {
        op.verify(t);
        OpResult r = results.get(t);
        t.res.ops.put(name, r);
        BenchSupport.log(
            String.format(
                "  %s N=%d %s: median %.2f ms %s%s",
                t.site.name(),
                t.n,
                name,
                r.medianMs(),
                r.ms,
                t.s3fs == null
                    ? ""
                    : " requests " + r.countedRequests() + " " + r.requests.get(0)));
      }
    }
  }

  /** Builds a target per N on {@code site}, times them all, closes them. */
  List<SizeResult> measure(Site site, List<Integer> sizes) throws Exception {
    List<Target> targets = new ArrayList<>();
    try {
      for (int n : sizes) {
        targets.add(new Target(site, n));
      }
      timeAll(targets);
    } finally {
      for (Target t : targets) {
        t.close();
      }
    }
    List<SizeResult> out = new ArrayList<>();
    for (Target t : targets) {
      out.add(t.res);
    }
    return out;
  }

  /** A ListChangesets nextToken for slot {@code slot}, as PageTokens.encode makes it. */
  static String token(long slot, String idOfSlotBefore) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((slot + "." + idOfSlotBefore).getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> slotIds(ChangesetLog log, long from, int count) {
    List<String> out = new ArrayList<>();
    for (long s = from; s < from + count; s++) {
      out.add(log.slot(DS, s).orElseThrow());
    }
    return out;
  }

  private static void requirePage(ListChangesetsResponse p, List<String> ids, String what) {
    List<String> got = new ArrayList<>();
    for (ChangesetSummary s : p.changesets()) {
      got.add(s.changesetId());
    }
    require(got.equals(ids), what + ": expected " + ids + " in slot order, got " + got);
    require(p.nextToken() != null, what + ": a nextToken");
  }

  static long ioRequests(FileSystem fs) {
    org.apache.hadoop.fs.statistics.IOStatistics stats =
        org.apache.hadoop.fs.statistics.IOStatisticsSupport.retrieveIOStatistics(fs);
    if (stats == null) {
      return -1;
    }
    Map<String, Long> c = stats.counters();
    long sum = 0;
    for (String k : REQUEST_COUNTERS) {
      sum += c.getOrDefault(k, 0L);
    }
    return sum;
  }

  // ---------------------------------------------------------------- helpers

  private static CreateChangesetRequest.Builder csv(ChangeType type, String src) {
    return CreateChangesetRequest.builder()
        .datasetId(DS)
        .changeType(type)
        .formatType(FormatType.CSV)
        .s3SourcePath(src);
  }

  private static Changeset success(Habanero h, CreateChangesetRequest req) {
    Changeset c = h.createChangeset(req).changeset();
    require(
        c.status() == IngestionStatus.SUCCESS,
        req.changeType() + " ended " + c.status() + ": " + c.errorInfo());
    return c;
  }

  private static ChangesetSummary get(Habanero h, String id) {
    return h.getChangeset(new GetChangesetRequest(DS, id));
  }

  private long count(Habanero h) {
    return h.readDataset(DS).count();
  }

  /** The dataset holds exactly the CSV's rows, all from changeset {@code id}. */
  private void requireOnly(Habanero h, String id, String when) {
    List<Row> rows =
        h.readDataset(DS, new TimeTravel.Latest(), true)
            .groupBy(SchemaRules.LINEAGE_COLUMN)
            .count()
            .collectAsList();
    require(
        rows.size() == 1
            && rows.get(0).getString(0).equals(id)
            && rows.get(0).getLong(1) == CSV_ROWS,
        when + ": the dataset should hold the " + CSV_ROWS + " rows of " + id + " only: " + rows);
  }

  static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("wrong result: " + what);
    }
  }

  // ---------------------------------------------------------------- the whole run

  /** Options of {@code scripts/bench metadata}. */
  record Options(
      boolean smoke,
      List<Integer> sizes,
      List<Integer> s3Sizes,
      java.nio.file.Path out,
      java.nio.file.Path work) {
    static Options parse(String[] args) {
      boolean smoke = false;
      List<Integer> sizes = null;
      List<Integer> s3Sizes = null;
      java.nio.file.Path out = java.nio.file.Path.of("benchmarks/results");
      java.nio.file.Path work = java.nio.file.Path.of("benchmarks/work");
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--smoke" -> smoke = true;
          case "--sizes" -> sizes = ints(args[++i]);
          case "--s3-sizes" -> s3Sizes = ints(args[++i]);
          case "--out" -> out = java.nio.file.Path.of(args[++i]);
          case "--work" -> work = java.nio.file.Path.of(args[++i]);
          default -> {
            System.err.println(
                "usage: scripts/bench metadata [--smoke] [--sizes N,N,...] [--s3-sizes N,N,...]"
                    + " [--out DIR] [--work DIR]");
            System.exit(2);
          }
        }
      }
      if (sizes == null) {
        sizes = smoke ? List.of(10, 300) : List.of(10, 1_000, 10_000, 100_000);
      }
      if (s3Sizes == null) {
        s3Sizes = smoke ? List.of(10, 50) : List.of(10, 1_000);
      }
      return new Options(smoke, sizes, s3Sizes, out, work);
    }

    private static List<Integer> ints(String s) {
      List<Integer> out = new ArrayList<>();
      if (!s.isBlank()) {
        for (String p : s.split(",")) {
          out.add(Integer.parseInt(p.trim().replace("_", "")));
        }
      }
      return out;
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    SparkSession spark = BenchSupport.session("habanero-bench-metadata");
    int exit;
    try {
      exit = run(spark, o);
    } catch (Exception e) {
      System.err.println("BENCHMARK FAILED with an exception:");
      e.printStackTrace();
      exit = 1;
    }
    spark.stop();
    System.exit(exit);
  }

  static int run(SparkSession spark, Options o) throws Exception {
    long t0 = System.nanoTime();
    java.nio.file.Path work = o.work().toAbsolutePath().resolve("metadata");
    BenchData.deleteTree(work);
    Files.createDirectories(work);
    MetadataBenchmark b =
        new MetadataBenchmark(
            spark, work, o.smoke() ? 1 : 2, o.smoke() ? 3 : 5, o.smoke() ? 5 : 20);
    List<SizeResult> local = new ArrayList<>();
    if (!o.sizes().isEmpty()) {
      try {
        local = b.measure(b.local(), o.sizes());
      } catch (Exception e) {
        e.printStackTrace();
        b.failures.add("local: " + e);
      }
    }
    List<SizeResult> s3 = new ArrayList<>();
    if (!o.s3Sizes().isEmpty()) {
      try (S3Server server = startS3()) {
        configureS3a(spark, server);
        s3 = b.measureS3(server, o.s3Sizes());
      }
    }
    new MetadataReport(b, o.smoke(), local, s3, (System.nanoTime() - t0) / 1e9).write(o.out());
    BenchData.deleteTree(work);
    if (!b.failures.isEmpty()) {
      System.err.println("BENCHMARK FAILED:\n  " + String.join("\n  ", b.failures));
      return 1;
    }
    return 0;
  }

  /** The S3 sizes, in order, on one warehouse prefix each; requests compared across them. */
  List<SizeResult> measureS3(S3Server server, List<Integer> sizes) throws Exception {
    Site site = s3Site(server, "wh-" + Long.toString(System.currentTimeMillis(), 36) + "-");
    List<SizeResult> out = new ArrayList<>();
    try {
      out = measure(site, sizes);
    } catch (Exception e) {
      e.printStackTrace();
      failures.add("s3: " + e);
    }
    checkConstant(out);
    return out;
  }

  /**
   * Fails the run unless every operation's requests at each larger N are at most those at the
   * smallest N, run by run (stop polls aside, which follow the duration).
   */
  void checkConstant(List<SizeResult> s3) {
    if (s3.size() < 2) {
      return;
    }
    SizeResult base = s3.get(0);
    for (SizeResult r : s3.subList(1, s3.size())) {
      for (String op : OPS) {
        List<Long> a = base.ops.get(op).countedRequests();
        List<Long> b = r.ops.get(op).countedRequests();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
          if (b.get(i) > a.get(i)) {
            failures.add(
                String.format(
                    "S3 requests of %s grow with N: %s at N=%d, %s at N=%d (run by run; at N=%d %s,"
                        + " at N=%d %s)",
                    op,
                    a,
                    base.n,
                    b,
                    r.n,
                    base.n,
                    base.ops.get(op).requests,
                    r.n,
                    r.ops.get(op).requests));
            break;
          }
        }
      }
    }
  }
}
