package io.habanero.internal.delta;

import io.habanero.internal.Messages;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.types.StructType;

/**
 * The data files of a dataset's Delta table: those on disk, and those that any version of its log
 * references. Shared by the sweep ({@code OrphanSweep}) and by a failed attempt's own cleanup
 * ({@link DeltaCommit#discard}).
 */
public final class DeltaFiles {
  /** Classic, multi-part and V2 checkpoints. */
  private static final Pattern CHECKPOINT =
      Pattern.compile("\\d{20}\\.checkpoint(\\.[^/]+)?\\.(parquet|json)");

  /** Coordinated commits not yet backfilled, in {@code _delta_log/_commits/}. */
  private static final Pattern UNBACKFILLED = Pattern.compile("\\d{20}\\.[^.]+\\.json");

  /** The actions whose {@code path} names a file of the table. */
  private static final String[] FILE_ACTIONS = {"add", "remove", "cdc"};

  private DeltaFiles() {}

  /** The log cannot be read completely, so nothing may be deleted on its account. */
  public static final class UnreadableLogException extends RuntimeException {
    UnreadableLogException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Whether Spark and Delta treat a file or directory name as hidden: it starts with {@code _} or
   * {@code .} ({@code _delta_log}, {@code _change_data}, checksums, temporary files).
   */
  public static boolean hidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  /** Whether {@code name} is a data file's name: a visible Parquet file. */
  public static boolean isDataFile(String name) {
    return !hidden(name) && name.endsWith(".parquet");
  }

  /**
   * Every data file on disk under {@code table}, recursively (partition folders included), skipping
   * hidden directories ({@code _delta_log}, {@code _change_data}, ...). Empty for a missing table.
   */
  public static List<FileStatus> onDisk(FileSystem fs, Path table) throws IOException {
    List<FileStatus> out = new ArrayList<>();
    Deque<Path> dirs = new ArrayDeque<>();
    dirs.push(table);
    while (!dirs.isEmpty()) {
      Path dir = dirs.pop();
      FileStatus[] entries;
      try {
        entries = fs.listStatus(dir);
      } catch (FileNotFoundException e) {
        continue; // removed meanwhile, or no table yet
      }
      for (FileStatus s : entries) {
        String name = s.getPath().getName();
        if (s.isDirectory()) {
          if (!hidden(name)) {
            dirs.push(s.getPath());
          }
        } else if (isDataFile(name)) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /**
   * Every file that any available version of the table references, as qualified paths: the {@code
   * add}, {@code remove} and {@code cdc} paths of every commit file still in {@code _delta_log}
   * (and of unbackfilled coordinated commits), of every checkpoint (classic, multi-part, V2 and its
   * sidecars), and the current snapshot's files as Delta itself computes them. Removed files count
   * too: a version before their removal may still be read. Paths are decoded as Delta does: a URI,
   * relative to the table unless absolute.
   *
   * @throws UnreadableLogException if the table has no {@code _delta_log}, or any of it cannot be
   *     listed or parsed
   */
  public static Set<Path> referenced(SparkSession spark, FileSystem fs, Path table) {
    Path logDir = new Path(table, "_delta_log");
    List<Path> json = new ArrayList<>();
    List<Path> parquet = new ArrayList<>();
    try {
      FileStatus[] entries;
      try {
        entries = fs.listStatus(logDir);
      } catch (FileNotFoundException e) {
        throw new UnreadableLogException(
            "the table " + table + " has data files but no _delta_log", e);
      }
      for (FileStatus s : entries) {
        String name = s.getPath().getName();
        if (s.isDirectory() && (name.equals("_sidecars") || name.equals("_commits"))) {
          for (FileStatus c : fs.listStatus(s.getPath())) {
            String n = c.getPath().getName();
            if (name.equals("_sidecars") && n.endsWith(".parquet")) {
              parquet.add(c.getPath());
            } else if (name.equals("_sidecars") && n.endsWith(".json")) {
              json.add(c.getPath());
            } else if (name.equals("_commits") && UNBACKFILLED.matcher(n).matches()) {
              json.add(c.getPath());
            }
          }
        } else if (s.isFile() && DeltaLogFiles.COMMIT.matcher(name).matches()) {
          json.add(s.getPath());
        } else if (s.isFile() && CHECKPOINT.matcher(name).matches()) {
          (name.endsWith(".parquet") ? parquet : json).add(s.getPath());
        }
      }
    } catch (IOException e) {
      throw new UnreadableLogException(
          "cannot list " + logDir + " (" + Messages.oneLine(e.getMessage()) + ")", e);
    }
    Set<Path> out = new HashSet<>();
    for (Path p : json) {
      readJson(fs, table, p, out);
    }
    try {
      if (!parquet.isEmpty()) {
        Dataset<Row> cp =
            spark
                .read()
                .option("mergeSchema", "true")
                .parquet(parquet.stream().map(Path::toString).toArray(String[]::new));
        StructType schema = cp.schema();
        for (String action : FILE_ACTIONS) {
          if (schema.getFieldIndex(action).isDefined()) {
            for (String raw :
                cp.where(action + ".path IS NOT NULL")
                    .select(action + ".path")
                    .as(Encoders.STRING())
                    .collectAsList()) {
              out.add(resolve(fs, table, raw));
            }
          }
        }
      }
      // Delta's own view of the current version, which also proves the log loads as a whole.
      Snapshot snapshot =
          DeltaSession.forTable(spark, table)
              .update(false, scala.Option.empty(), scala.Option.empty());
      if (snapshot.version() >= 0) {
        for (String raw :
            snapshot.allFiles().select("path").as(Encoders.STRING()).collectAsList()) {
          out.add(resolve(fs, table, raw));
        }
      }
    } catch (UnreadableLogException e) {
      throw e;
    } catch (Exception e) {
      // Spark's job failures are checked SparkExceptions, thrown through Scala undeclared.
      throw new UnreadableLogException(
          "cannot read the Delta log of " + table + " (" + Messages.oneLine(e.getMessage()) + ")",
          e);
    }
    return out;
  }

  private static void readJson(FileSystem fs, Path table, Path file, Set<Path> out) {
    try {
      for (String raw : DeltaLogFiles.read(fs, file).paths()) {
        out.add(resolve(fs, table, raw));
      }
    } catch (IOException | RuntimeException e) {
      throw new UnreadableLogException(
          "cannot read " + file + " (" + Messages.oneLine(e.getMessage()) + ")", e);
    }
  }

  /** A path from the log, as Delta decodes it: a URI, relative to the table unless absolute. */
  public static Path resolve(FileSystem fs, Path table, String raw) {
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URI in the Delta log: " + raw, e);
    }
    Path p = new Path(uri);
    if (uri.getScheme() != null) {
      return p;
    }
    return fs.makeQualified(p.isUriPathAbsolute() ? p : new Path(table, p));
  }

  /** The rows in a Parquet file, from its footer. */
  public static long rowCount(Configuration conf, Path file) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return r.getRecordCount();
    }
  }

  /**
   * Deletes a data file and its hidden checksum sibling {@code .<name>.crc}, if any (a checksummed
   * file system such as the local one deletes that itself).
   *
   * @return whether the data file was deleted by this call
   */
  public static boolean delete(FileSystem fs, Path file) throws IOException {
    boolean deleted = fs.delete(file, false);
    // A checksummed file system deletes the sibling with the file; S3A writes none (and asking
    // would cost two requests per file).
    if (!(fs instanceof ChecksumFileSystem) && !"s3a".equals(file.toUri().getScheme())) {
      fs.delete(new Path(file.getParent(), "." + file.getName() + ".crc"), false);
    }
    return deleted;
  }
}
