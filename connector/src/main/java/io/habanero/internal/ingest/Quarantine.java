package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * The QUARANTINE mode's split of a source into good rows, which the changeset commits, and
 * malformed records, which it keeps as JSON lines under {@code
 * <warehouse>/quarantine/<datasetId>/<changesetId>/}: one object per record, with the {@code file}
 * it came from, its raw text ({@code record}) and what Spark could parse of it ({@code parsed}).
 *
 * <p>The records are written before the Delta commit and deleted if the changeset fails before it,
 * so a SUCCESS changeset always has its bad records kept and counted, and a FAILED one has none.
 * Only a process that dies between the two leaves an unreferenced directory behind; the sweep
 * ({@link io.habanero.internal.sweep.OrphanSweep}) removes it once that changeset reads as FAILED.
 */
public final class Quarantine {
  /** The column with each row's source file, present while reading in QUARANTINE mode. */
  public static final String SOURCE_FILE = "_habanero_source_file";

  private static final String CORRUPT = SourceFormat.CORRUPT_COLUMN;

  private Quarantine() {}

  /** The well-formed rows, in the dataset's columns. */
  public static Dataset<Row> goodRows(Dataset<Row> rows) {
    return rows.filter(col(CORRUPT).isNull()).drop(CORRUPT, SOURCE_FILE);
  }

  /**
   * The malformed records as {@code file, record, parsed}. Every data column is referenced (in
   * {@code parsed}): Spark refuses a CSV or JSON scan that reads only the corrupt-record column,
   * and with column pruning a row with too few or too many values is only flagged when all of its
   * columns are parsed.
   */
  public static Dataset<Row> badRecords(Dataset<Row> rows) {
    List<Column> data = new ArrayList<>();
    for (String c : rows.columns()) {
      if (!c.equals(CORRUPT) && !c.equals(SOURCE_FILE)) {
        data.add(col("`" + c.replace("`", "``") + "`"));
      }
    }
    return rows.filter(col(CORRUPT).isNotNull())
        .select(
            col(SOURCE_FILE).as("file"),
            col(CORRUPT).as("record"),
            struct(data.toArray(new Column[0])).as("parsed"));
  }

  /**
   * Writes the malformed records to {@code dir} and counts them there.
   *
   * @return how many records were kept; when none, {@code dir} is removed again
   */
  public static long write(Dataset<Row> bad, Path dir, Configuration conf) {
    bad.coalesce(1).write().mode(SaveMode.ErrorIfExists).json(dir.toString());
    long kept =
        bad.sparkSession().read().schema("file STRING, record STRING").json(dir.toString()).count();
    if (kept == 0) {
      discard(dir, conf);
    }
    return kept;
  }

  /** Deletes a changeset's quarantine directory (best effort: it is referenced by no record). */
  public static void discard(Path dir, Configuration conf) {
    try {
      dir.getFileSystem(conf).delete(dir, true);
    } catch (IOException | UncheckedIOException e) {
      // An unreferenced directory is harmless; the changeset's record never points at it.
    }
  }
}
