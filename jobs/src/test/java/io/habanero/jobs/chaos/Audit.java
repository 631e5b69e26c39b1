package io.habanero.jobs.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Checks a dataset of a warehouse on its data, independently of the engine's own bookkeeping:
 *
 * <ul>
 *   <li>the Delta log, read as files: which changeset each version committed (its commit metadata)
 *       and every data file any version ever added;
 *   <li>the changesets as {@code list-changesets} reports them;
 *   <li>the rows, read from the table: the ids and the lineage column.
 * </ul>
 *
 * The expected content is the replay of the committed changesets in version order over the known
 * rows of their sources (APPEND adds, REPLACE replaces all, MODIFY replaces its target's rows), and
 * every changeset's status must agree with the log and the rows.
 */
public final class Audit {
  static final String LINEAGE = "_habanero_changeset_id";

  /** One Delta version: the changeset its commit metadata names, and the files it added. */
  public record Commit(long version, String changesetId, String changeType, List<String> added) {}

  /** A changeset as list-changesets printed it. */
  public record Listed(
      String id,
      String status,
      String changeType,
      String updatesChangesetId,
      String sourcePath,
      String mode,
      String errorMessage,
      Long quarantineCount) {}

  private final SparkSession spark;
  private final Path warehouse;
  private final Sources sources;

  public Audit(SparkSession spark, Path warehouse, Sources sources) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.sources = sources;
  }

  public Path table(String datasetId) {
    return warehouse.resolve("datasets").resolve(datasetId);
  }

  /** The versions of a dataset's Delta log, oldest first, read from its commit files. */
  public List<Commit> commits(String datasetId) {
    Path log = table(datasetId).resolve("_delta_log");
    List<Commit> out = new ArrayList<>();
    if (!Files.isDirectory(log)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(log)) {
      files = s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path f : files) {
      long version = Long.parseLong(f.getFileName().toString().substring(0, 20));
      String changesetId = null;
      String changeType = null;
      List<String> added = new ArrayList<>();
      try {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode n = CliProcess.JSON.readTree(line);
          if (n.has("add")) {
            added.add(decode(n.get("add").get("path").asText()));
          }
          JsonNode meta = n.path("commitInfo").path("userMetadata");
          if (meta.isTextual()) {
            JsonNode h = CliProcess.JSON.readTree(meta.asText()).path("habanero");
            changesetId = h.path("changesetId").asText(null);
            changeType = h.path("changeType").asText(null);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + f, e);
      }
      out.add(new Commit(version, changesetId, changeType, added));
    }
    return out;
  }

  /** Delta's add paths are relative URIs: percent-encoded, and a '+' is a literal '+'. */
  static String decode(String path) {
    return URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Every {@code *.parquet} under the table directory, outside {@code _delta_log}, relative. */
  public List<String> parquetFiles(String datasetId) {
    Path table = table(datasetId);
    if (!Files.isDirectory(table)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(table)) {
      return s.filter(Files::isRegularFile)
          .map(p -> table.relativize(p).toString())
          .filter(p -> !p.startsWith("_delta_log"))
          .filter(p -> p.endsWith(".parquet"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The parquet files that no Delta version references. */
  public List<String> unreferenced(String datasetId) {
    Set<String> referenced = new HashSet<>();
    commits(datasetId).forEach(c -> referenced.addAll(c.added()));
    return parquetFiles(datasetId).stream().filter(p -> !referenced.contains(p)).toList();
  }

  /** The changeset directories under the dataset's quarantine. */
  public List<String> quarantineDirs(String datasetId) {
    Path q = warehouse.resolve("quarantine").resolve(datasetId);
    if (!Files.isDirectory(q)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(q)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The changesets of a list-changesets document, by id. */
  public static Map<String, Listed> listed(JsonNode listChangesets) {
    Map<String, Listed> out = new LinkedHashMap<>();
    if (listChangesets == null) {
      return out;
    }
    for (JsonNode c : listChangesets.path("changesets")) {
      JsonNode q = c.get("quarantine");
      out.put(
          c.path("changesetId").asText(),
          new Listed(
              c.path("changesetId").asText(),
              c.path("status").asText(),
              c.path("changeType").asText(),
              c.path("updatesChangesetId").asText(null),
              c.path("sourceParams").path("s3SourcePath").asText(null),
              c.path("formatParams").path("mode").asText(null),
              c.path("errorInfo").path("errorMessage").asText(null),
              q == null ? null : q.path("recordCount").asLong()));
    }
    return out;
  }

  /** The rows in the table now, as (id, lineage) pairs; empty for a table with no commit. */
  public List<Map.Entry<Integer, String>> rows(String datasetId) {
    List<Map.Entry<Integer, String>> out = new ArrayList<>();
    if (commits(datasetId).isEmpty()) {
      return out;
    }
    org.apache.spark.sql.delta.DeltaLog.clearCache();
    List<Row> rows =
        spark
            .read()
            .format("delta")
            .load(table(datasetId).toString())
            .select("id", LINEAGE)
            .collectAsList();
    for (Row r : rows) {
      out.add(Map.entry(((Number) r.get(0)).intValue(), r.getString(1)));
    }
    return out;
  }

  /**
   * Audits one dataset.
   *
   * @param label the case, for the problem lines
   * @param listChangesets what list-changesets printed for the dataset
   * @param reported the status each create-changeset printed, by changeset id (killed ones absent)
   * @param afterSweep whether the sweep ran, so that unreferenced files and quarantines count
   */
  public Findings audit(
      String label,
      String datasetId,
      JsonNode listChangesets,
      Map<String, String> reported,
      boolean afterSweep) {
    Findings f = new Findings();
    String at = label + " [" + datasetId + "]: ";
    Map<String, Listed> records = listed(listChangesets);
    List<Commit> commits = commits(datasetId);
    Set<String> misreported = new TreeSet<>();

    // 1. Every status agrees with the log: SUCCESS is exactly one commit, FAILED none.
    Map<String, List<Long>> versionsOf = new HashMap<>();
    for (Commit c : commits) {
      if (c.changesetId() == null) {
        f.problem(at + "Delta version " + c.version() + " names no changeset in its metadata");
        continue;
      }
      versionsOf.computeIfAbsent(c.changesetId(), k -> new ArrayList<>()).add(c.version());
      if (!records.containsKey(c.changesetId())) {
        f.problem(
            at
                + "Delta version "
                + c.version()
                + " commits changeset "
                + c.changesetId()
                + ", which list-changesets does not show");
        misreported.add(c.changesetId());
      }
    }
    for (Listed r : records.values()) {
      List<Long> v = versionsOf.getOrDefault(r.id(), List.of());
      switch (r.status()) {
        case "SUCCESS" -> {
          if (v.size() != 1) {
            f.problem(at + r.id() + " is SUCCESS but has " + v.size() + " commits " + v);
            misreported.add(r.id());
          }
        }
        case "FAILED" -> {
          if (!v.isEmpty()) {
            f.problem(at + r.id() + " is FAILED but committed version(s) " + v);
            misreported.add(r.id());
          }
        }
        default -> {
          f.problem(
              at + r.id() + " is " + r.status() + " after recovery (expected SUCCESS/FAILED)");
          misreported.add(r.id());
        }
      }
      String said = reported.get(r.id());
      if (said != null && !said.equals(r.status())) {
        f.problem(
            at + r.id() + ": create-changeset printed " + said + ", the record is " + r.status());
        misreported.add(r.id());
      }
    }

    // 2. Replay the commits over the sources' rows: the expected (id, lineage) pairs.
    Map<String, List<Integer>> active = new LinkedHashMap<>();
    for (Commit c : commits) {
      Listed r = records.get(c.changesetId());
      if (r == null) {
        continue;
      }
      List<Integer> ids = sources.forPath(r.sourcePath()).map(Sources.Source::ids).orElse(null);
      if (ids == null) {
        f.problem(at + c.changesetId() + " read an unknown source " + r.sourcePath());
        continue;
      }
      switch (r.changeType()) {
        case "APPEND" -> active.put(r.id(), ids);
        case "REPLACE" -> {
          active.clear();
          active.put(r.id(), ids);
        }
        case "MODIFY" -> {
          if (!active.containsKey(r.updatesChangesetId())) {
            f.conflictRuleViolations++;
            f.problem(
                at
                    + "MODIFY "
                    + r.id()
                    + " committed at version "
                    + c.version()
                    + " although its target "
                    + r.updatesChangesetId()
                    + " was no longer active then");
          }
          active.remove(r.updatesChangesetId());
          active.put(r.id(), ids);
        }
        default -> f.problem(at + c.changesetId() + " has change type " + r.changeType());
      }
    }
    Map<Map.Entry<Integer, String>, Integer> expected = new HashMap<>();
    active.forEach(
        (cs, ids) -> ids.forEach(id -> expected.merge(Map.entry(id, cs), 1, Integer::sum)));

    // 3. The rows as they are.
    List<Map.Entry<Integer, String>> rows;
    try {
      rows = rows(datasetId);
    } catch (RuntimeException e) {
      f.problem(at + "the table cannot be read: " + e);
      f.rowsLost += expected.values().stream().mapToLong(Integer::longValue).sum();
      rows = List.of();
    }
    Map<Map.Entry<Integer, String>, Integer> actual = new HashMap<>();
    Map<Integer, Integer> idCount = new HashMap<>();
    for (Map.Entry<Integer, String> r : rows) {
      actual.merge(r, 1, Integer::sum);
      idCount.merge(r.getKey(), 1, Integer::sum);
    }
    Map<String, Long> lostBy = new TreeMapCounter();
    expected.forEach(
        (k, n) -> {
          int missing = n - actual.getOrDefault(k, 0);
          if (missing > 0) {
            lostBy.merge(k.getValue(), (long) missing, Long::sum);
          }
        });
    Map<String, Long> unexpectedBy = new TreeMapCounter();
    actual.forEach(
        (k, n) -> {
          int extra = n - expected.getOrDefault(k, 0);
          if (extra > 0) {
            unexpectedBy.merge(k.getValue(), (long) extra, Long::sum);
          }
        });
    long dup = idCount.values().stream().mapToLong(n -> n - 1L).sum();
    f.rowsDuplicated += dup;
    if (dup > 0) {
      f.problem(
          at
              + dup
              + " duplicated row(s): ids "
              + idCount.entrySet().stream()
                  .filter(e -> e.getValue() > 1)
                  .map(Map.Entry::getKey)
                  .toList());
    }
    lostBy.forEach(
        (cs, n) -> {
          f.rowsLost += n;
          f.problem(at + n + " row(s) of SUCCESS changeset " + cs + " are missing");
          misreported.add(cs);
        });
    unexpectedBy.forEach(
        (cs, n) -> {
          f.rowsUnexpected += n;
          Listed r = records.get(cs);
          f.problem(
              at
                  + n
                  + " row(s) of changeset "
                  + cs
                  + " ("
                  + (r == null ? "unknown" : r.changeType() + " " + r.status())
                  + ") that the committed changesets do not account for");
          if (r == null || !"SUCCESS".equals(r.status())) {
            misreported.add(cs);
          }
        });

    // 4. Quarantine: a SUCCESS changeset keeps and counts its bad records; nothing else keeps any.
    List<String> qdirs = quarantineDirs(datasetId);
    for (Listed r : records.values()) {
      if (!"SUCCESS".equals(r.status()) || !"QUARANTINE".equalsIgnoreCase(r.mode())) {
        continue;
      }
      int bad = sources.forPath(r.sourcePath()).map(Sources.Source::badRows).orElse(0);
      long count = r.quarantineCount() == null ? -1 : r.quarantineCount();
      if (count != bad || (bad > 0 && !qdirs.contains(r.id()))) {
        f.problem(
            at
                + "QUARANTINE changeset "
                + r.id()
                + " had "
                + bad
                + " bad record(s); it reports "
                + count
                + (bad > 0 && !qdirs.contains(r.id())
                    ? " and its quarantine directory is gone"
                    : ""));
        misreported.add(r.id());
      }
    }

    // 5. Orphans: data files no version references, quarantines of changesets that did not land.
    List<String> orphans = unreferenced(datasetId);
    List<String> strayQuarantines =
        qdirs.stream()
            .filter(id -> records.get(id) == null || !"SUCCESS".equals(records.get(id).status()))
            .toList();
    if (afterSweep) {
      f.orphanFiles += orphans.size();
      f.orphanQuarantines += strayQuarantines.size();
      if (!orphans.isEmpty()) {
        f.problem(
            at + orphans.size() + " unreferenced parquet file(s) after the sweep: " + orphans);
      }
      if (!strayQuarantines.isEmpty()) {
        f.problem(
            at
                + "quarantine directories of changesets that are not SUCCESS after the sweep: "
                + strayQuarantines);
      }
    } else {
      f.unreferencedBeforeSweep += orphans.size();
    }

    f.changesetsMisreported += misreported.size();
    return f;
  }

  /** The Delta versions that committed each changeset, from the log. */
  public Map<String, Long> versions(String datasetId) {
    Map<String, Long> out = new HashMap<>();
    for (Commit c : commits(datasetId)) {
      if (c.changesetId() != null) {
        out.putIfAbsent(c.changesetId(), c.version());
      }
    }
    return out;
  }

  private static final class TreeMapCounter extends java.util.TreeMap<String, Long> {}
}
