package io.habanero.internal.delta;

import io.habanero.internal.Errors;
import io.habanero.internal.Json;
import io.habanero.internal.Lineage;
import io.habanero.model.ChangeType;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.DeltaOptions;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.delta.commands.WriteIntoDelta;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * One changeset's Delta transaction, split so that Habanero can veto between writing files and
 * committing them:
 *
 * <ol>
 *   <li>{@link #start} opens an optimistic transaction at the table's current version.
 *   <li>{@link #writeFiles} writes the changeset's data files through Delta's own {@code
 *       WriteIntoDelta} (schema checks, stats, replaceWhere) and returns the actions, without
 *       committing. The files are invisible until the commit.
 *   <li>The caller checks for a stop request and for changed source files.
 *   <li>{@link #commit} commits all actions as exactly one Delta version, whose commit metadata
 *       names the changeset. Or {@link #discard} deletes the uncommitted files: only for failures
 *       before the commit was attempted (or refused as a conflict), never after an unknown commit
 *       outcome, whose files are left to the sweep.
 * </ol>
 *
 * APPEND appends; REPLACE overwrites the table; MODIFY overwrites with {@code replaceWhere} on the
 * lineage column, which removes the named changeset's rows and adds the new ones in one commit.
 */
public final class DeltaCommit {
  private final SparkSession spark;
  private final DeltaLog log;
  private final OptimisticTransaction txn;
  private SaveMode mode;
  private DeltaOptions options;
  private long writeStartMillis = -1;

  private DeltaCommit(SparkSession spark, DeltaLog log) {
    this.spark = spark;
    this.log = log;
    this.txn = log.startTransaction();
  }

  public static DeltaCommit start(SparkSession spark, Path tablePath) {
    return new DeltaCommit(spark, DeltaSession.forTable(spark, tablePath));
  }

  /** The version this transaction read; -1 for a table that does not exist yet. */
  public long readVersion() {
    return txn.readVersion();
  }

  /** The table's schema (with the lineage column), or null for a new table. */
  public StructType tableSchema() {
    return readVersion() < 0 ? null : txn.metadata().schema();
  }

  /**
   * Writes the data files for {@code data} (already tagged with the lineage column).
   *
   * @param mergeSchema whether columns the table lacks are added to its schema, in the same commit
   *     (Delta's own schema merge; the caller has checked that they are only new columns)
   */
  public Written writeFiles(
      Dataset<Row> data,
      ChangeType type,
      String changesetId,
      String updatesChangesetId,
      boolean mergeSchema) {
    Map<String, String> opts = new TreeMap<>();
    if (mergeSchema) {
      opts.put(DeltaOptions.MERGE_SCHEMA_OPTION(), "true");
    }
    switch (type) {
      case APPEND -> mode = SaveMode.Append;
      case REPLACE -> mode = SaveMode.Overwrite;
      case MODIFY -> {
        mode = SaveMode.Overwrite;
        opts.put(
            "replaceWhere",
            String.format("%s IN ('%s', '%s')", Lineage.COLUMN, updatesChangesetId, changesetId));
      }
    }
    options = new DeltaOptions(scalaMap(opts), spark.sessionState().conf());
    Map<String, String> tableProperties = new TreeMap<>();
    List<String> needMapping = namesNeedingColumnMapping(data.schema());
    if (!needMapping.isEmpty()) {
      if (readVersion() < 0) {
        // Names such as "Current Price" are kept as the source gives them: Delta stores them
        // through column mapping, which the new table is created with.
        tableProperties.put("delta.columnMapping.mode", "name");
      } else if (!usesColumnMapping()) {
        // Without column mapping the table has no such column yet, so these are all new ones.
        throw Errors.namesDeltaCannotStore(datasetIdOf(), needMapping);
      }
    }
    writeStartMillis = System.currentTimeMillis();
    WriteIntoDelta write =
        new WriteIntoDelta(
            log,
            mode,
            options,
            JavaConverters.asScalaBuffer(new ArrayList<String>()).toSeq(),
            scalaMap(tableProperties),
            data,
            Option.empty(),
            Option.empty());
    return new Written(write.write(txn, spark, Option.empty(), false));
  }

  /**
   * The actions that {@link #writeFiles} returned, not yet committed: the data files it wrote (and
   * the metadata change of a new table or a schema merge).
   */
  public static final class Written {
    private final Seq<Action> actions;

    private Written(Seq<Action> actions) {
      this.actions = actions;
    }
  }

  /** Characters Delta cannot store in a column name unless the table uses column mapping. */
  private static final String NAME_CHARS_NEEDING_MAPPING = " ,;{}()\n\t=";

  /** The (dotted) names of columns, nested ones included, that only column mapping can store. */
  static List<String> namesNeedingColumnMapping(StructType schema) {
    List<String> out = new ArrayList<>();
    collectNamesNeedingMapping(schema, "", out);
    return out;
  }

  private static void collectNamesNeedingMapping(DataType type, String prefix, List<String> out) {
    if (type instanceof StructType st) {
      for (StructField f : st.fields()) {
        String name = prefix + f.name();
        for (char c : NAME_CHARS_NEEDING_MAPPING.toCharArray()) {
          if (f.name().indexOf(c) >= 0) {
            out.add(name);
            break;
          }
        }
        collectNamesNeedingMapping(f.dataType(), name + ".", out);
      }
    } else if (type instanceof ArrayType at) {
      collectNamesNeedingMapping(at.elementType(), prefix, out);
    } else if (type instanceof MapType mt) {
      collectNamesNeedingMapping(mt.keyType(), prefix, out);
      collectNamesNeedingMapping(mt.valueType(), prefix, out);
    }
  }

  private boolean usesColumnMapping() {
    return !txn.metadata().columnMappingMode().name().equalsIgnoreCase("none");
  }

  private String datasetIdOf() {
    return log.dataPath().getName();
  }

  /**
   * Whether the actions add no rows: no file, or only files whose statistics count none. A file
   * without a row count (statistics switched off) counts as rows, so nothing is refused on a guess.
   */
  public static boolean addsNoRows(Written written) {
    for (Action a : JavaConverters.seqAsJavaList(written.actions)) {
      if (a instanceof AddFile add) {
        Option<Object> n = add.numLogicalRecords();
        if (!n.isDefined() || (Long) n.get() > 0) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Commits as one version, with the changeset's {@code SetTransaction} ({@code appId} = {@link
   * #transactionId}), which Delta keeps in every later snapshot: a changeset whose transaction is
   * already in the table is never committed again.
   *
   * @param userMetadata the commit metadata naming the changeset
   * @return the committed version
   * @throws IllegalStateException when the table already holds this changeset's transaction
   */
  public long commit(Written written, String userMetadata, String changesetId) {
    String appId = transactionId(changesetId);
    if (txn.txnVersion(appId) >= 0) {
      throw new IllegalStateException(
          "changeset " + changesetId + " is already committed to " + log.dataPath());
    }
    List<Action> all = new ArrayList<>(JavaConverters.seqAsJavaList(written.actions));
    all.add(new SetTransaction(appId, 0L, Option.apply(System.currentTimeMillis())));
    return txn.commit(
        JavaConverters.asScalaBuffer(all).toSeq(),
        new DeltaOperations.Write(
            mode,
            Option.apply(JavaConverters.asScalaBuffer(new ArrayList<String>()).toSeq()),
            options.replaceWhere(),
            Option.apply(userMetadata)));
  }

  /** The Delta SetTransaction application id of a changeset. */
  public static String transactionId(String changesetId) {
    return "habanero-" + changesetId;
  }

  /**
   * Whether a commit failed because Delta found a conflicting concurrent commit. Delta checks for
   * conflicts before it writes the commit file, so such a failure is certain: nothing landed.
   */
  public static boolean isConflict(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.util.ConcurrentModificationException
          || c instanceof org.apache.spark.sql.delta.DeltaConcurrentModificationException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A Delta commit made by a changeset.
   *
   * @param updatesChangesetId for a MODIFY, the changeset it modified (null otherwise, and for
   *     commits made before this was recorded)
   */
  public record Commit(
      long version, String changesetId, String changeType, String updatesChangesetId) {}

  /** The changesets that committed after {@code afterVersion}, oldest first. */
  public static List<Commit> commitsAfter(Configuration conf, Path tablePath, long afterVersion) {
    List<Commit> out = new ArrayList<>();
    scan(
        conf,
        tablePath,
        afterVersion,
        c -> {
          out.add(c);
          return false;
        });
    return out;
  }

  /** The commit's timestamp: the commit file's modification time, as Delta itself uses. */
  public long commitTimestamp(long version) {
    return DeltaLogFiles.commitTime(log.newDeltaHadoopConf(), log.dataPath(), version)
        .orElseThrow(
            () ->
                new UncheckedIOException(
                    new FileNotFoundException(
                        DeltaLogFiles.commitPath(log.dataPath(), version) + " does not exist")));
  }

  /** Rows in the files this changeset added. */
  public static long rowsAdded(Written written) {
    long rows = 0;
    for (Action a : JavaConverters.seqAsJavaList(written.actions)) {
      if (a instanceof AddFile add) {
        Option<Object> n = add.numLogicalRecords();
        if (n.isDefined()) {
          rows += (Long) n.get();
        }
      }
    }
    return rows;
  }

  /**
   * Deletes the data files written by an uncommitted transaction; they were never visible. Only for
   * a certain failure: nothing of this transaction was committed.
   *
   * <ol>
   *   <li>Every AddFile of {@code written} (null when the write itself failed), with its checksum.
   *   <li>Delta's empty file: the first task of a write job creates a file even when it has no rows
   *       (Spark keeps the schema that way), and Delta then drops its AddFile ({@code
   *       TransactionalWrite.writeFiles} keeps only AddFiles with rows), so the file is on disk but
   *       in no action: a header-only CSV REPLACE refused as empty input leaves one. Delta names
   *       data files with a random UUID, so nothing ties the file to this write; it is found by
   *       what it is instead: a visible top-level Parquet file of an unpartitioned table (a
   *       partitioned write creates no file for a task without rows), modified since this write
   *       started, whose footer counts 0 rows, that no version of the log references (read after
   *       finding it), while no other changeset of the dataset is PENDING or RUNNING ({@code
   *       othersMayBeWriting}, asked after this write ended: another changeset records PENDING
   *       before it writes, so one that wrote since is seen, and one already ended has committed or
   *       discarded its files; its empty file, if any, is unreferenced garbage too). Habanero never
   *       commits a file without rows, so removing one cannot lose data; only a writer outside
   *       Habanero with Delta's statistics switched off would commit one, and such writers on a
   *       dataset's table are not part of Habanero's model (the sweep protects them by its safety
   *       window alone). When another changeset is running, or anything cannot be read, the file is
   *       left to the sweep.
   * </ol>
   *
   * The same rule, without the 0-row condition, removes the files of a Spark write job that failed
   * midway (no action list: its finished tasks' files are in none): every complete Parquet file
   * written since it started that no version references, while no other changeset of the dataset is
   * PENDING or RUNNING. Tasks cancelled by the failure may still be writing after it returns; their
   * files are incomplete when listed (their footer does not read) or appear later, and are left to
   * the sweep, as is everything when another changeset runs.
   */
  public void discard(Written written, java.util.function.BooleanSupplier othersMayBeWriting) {
    if (written != null) {
      for (Action a : JavaConverters.seqAsJavaList(written.actions)) {
        if (a instanceof AddFile add) {
          try {
            Path p = new Path(log.dataPath(), new Path(new java.net.URI(add.path())));
            DeltaFiles.delete(p.getFileSystem(log.newDeltaHadoopConf()), p);
          } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            // Best effort: an unreferenced file is invisible, and the sweep removes it later.
          }
        }
      }
    }
    try {
      discardUnlisted(written == null, othersMayBeWriting);
    } catch (IOException | RuntimeException e) {
      // Left to the sweep.
    }
  }

  /** Slack for coarse or skewed modification times (S3 keeps whole seconds). */
  private static final long MTIME_SLACK_MILLIS = 2_000;

  /**
   * @param writeFailed whether the write job itself failed (no action list), so every complete
   *     unreferenced file it may have written goes, not only an empty one
   */
  private void discardUnlisted(
      boolean writeFailed, java.util.function.BooleanSupplier othersMayBeWriting)
      throws IOException {
    if (writeStartMillis < 0 || !txn.metadata().partitionColumns().isEmpty()) {
      return;
    }
    Configuration conf = log.newDeltaHadoopConf();
    Path table = log.dataPath();
    FileSystem fs = table.getFileSystem(conf);
    List<Path> empty = new ArrayList<>();
    FileStatus[] top;
    try {
      top = fs.listStatus(table);
    } catch (FileNotFoundException e) {
      return;
    }
    for (FileStatus f : top) {
      if (f.isFile()
          && DeltaFiles.isDataFile(f.getPath().getName())
          && f.getModificationTime() >= writeStartMillis - MTIME_SLACK_MILLIS) {
        try {
          long rows = DeltaFiles.rowCount(conf, f.getPath());
          if (rows == 0 || writeFailed) {
            empty.add(f.getPath());
          }
        } catch (IOException | RuntimeException e) {
          // Not a complete Parquet file (another writer's, still open): not this one.
        }
      }
    }
    if (empty.isEmpty() || othersMayBeWriting.getAsBoolean()) {
      return;
    }
    java.util.Set<Path> referenced = DeltaFiles.referenced(spark, fs, fs.makeQualified(table));
    for (Path p : empty) {
      Path q = fs.makeQualified(p);
      if (!referenced.contains(q)) {
        DeltaFiles.delete(fs, q);
      }
    }
  }

  /**
   * Finds the version a changeset committed by scanning commit metadata after {@code afterVersion};
   * used to resolve a changeset whose process died, and a commit whose outcome was unknown.
   */
  public static OptionalLong findCommit(
      Configuration conf, Path tablePath, String changesetId, long afterVersion) {
    long[] found = {-1};
    scan(
        conf,
        tablePath,
        afterVersion,
        c -> {
          if (changesetId.equals(c.changesetId())) {
            found[0] = c.version();
            return true;
          }
          return false;
        });
    return found[0] < 0 ? OptionalLong.empty() : OptionalLong.of(found[0]);
  }

  /**
   * The changesets named in the commit files after {@code afterVersion}, oldest first, until {@code
   * stop} says so. A commit without commitInfo names none; one whose commitInfo has no userMetadata
   * names "(not Habanero)".
   */
  private static void scan(
      Configuration conf,
      Path tablePath,
      long afterVersion,
      java.util.function.Predicate<Commit> stop) {
    DeltaLogFiles.scan(
        conf,
        tablePath,
        afterVersion,
        f -> f.commitInfo().isPresent() && stop.test(commit(f.version(), f.commitInfo().get())));
  }

  private static Commit commit(long version, DeltaLogFiles.CommitInfo info) {
    if (info.userMetadata() == null) {
      return new Commit(version, "(not Habanero)", "?", null);
    }
    return info.habanero()
        .map(h -> new Commit(version, h.changesetId(), h.changeType(), h.updatesChangesetId()))
        .orElse(new Commit(version, "", "", null));
  }

  /** The commit metadata that names a changeset (and, for a MODIFY, the changeset it modifies). */
  public static String userMetadata(
      String datasetId, String changesetId, ChangeType type, String updatesChangesetId) {
    Map<String, String> named = new TreeMap<>();
    named.put("datasetId", datasetId);
    named.put("changesetId", changesetId);
    named.put("changeType", type.name());
    if (updatesChangesetId != null) {
      named.put("updatesChangesetId", updatesChangesetId);
    }
    return Json.writeString(Map.of("habanero", named));
  }

  @SuppressWarnings("unchecked")
  /** A Java map as an immutable Scala map. */
  public static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> m) {
    return (scala.collection.immutable.Map<String, String>)
        JavaConverters.mapAsScalaMapConverter(m)
            .asScala()
            .toMap(scala.Predef$.MODULE$.<scala.Tuple2<String, String>>$conforms());
  }
}
