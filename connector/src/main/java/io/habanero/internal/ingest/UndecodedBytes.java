package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import io.habanero.errors.ValidationException;
import io.habanero.internal.Errors;
import io.habanero.internal.Messages;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * Bytes that are not valid in a text source's declared encoding. Spark's CSV and spark-xml readers
 * decode them as U+FFFD, the replacement character, and would store {@code Citro\uFFFDn} as if it
 * were data. So a decoded value that holds U+FFFD is a malformed record: the changeset fails and
 * names it, or, in QUARANTINE mode, the record is quarantined. A file that really holds U+FFFD (the
 * bytes EF BF BD in UTF-8) is refused the same way; the character has no use in data but to mark
 * what was lost in an earlier conversion.
 *
 * <p>The guard is one filter over the values the changeset writes anyway, so the happy path pays a
 * byte search per text value and no extra pass; the count and the examples are gathered only after
 * a failure.
 */
final class UndecodedBytes {
  static final char REPLACEMENT = '\uFFFD';

  /** The message of the error the guard raises inside Spark's tasks. */
  static final String MARK = "HABANERO_UNDECODED_BYTES";

  private static final String CORRUPT = SourceFormat.CORRUPT_COLUMN;

  private Dataset<Row> unguarded;
  private Column undecoded;
  private Column text;

  /**
   * The rows, failing (or, for quarantine, flagging as corrupt) every row with a text value that
   * holds U+FFFD.
   */
  Dataset<Row> guard(Dataset<Row> rows, boolean quarantine) {
    List<Column> values = new ArrayList<>();
    for (StructField f : rows.schema().fields()) {
      if (f.name().equals(CORRUPT) || f.name().equals(Quarantine.SOURCE_FILE)) {
        continue;
      }
      Column c = col("`" + f.name().replace("`", "``") + "`");
      if (f.dataType() instanceof StringType) {
        values.add(c);
      } else if (holdsText(f.dataType())) {
        values.add(c.cast("string"));
      }
    }
    if (values.isEmpty()) {
      return rows;
    }
    Column any = null;
    for (Column v : values) {
      Column hit = v.contains(String.valueOf(REPLACEMENT));
      any = any == null ? hit : any.or(hit);
    }
    unguarded = rows;
    undecoded = any;
    text = concat_ws(",", values.toArray(new Column[0]));
    if (quarantine) {
      return rows.withColumn(
          CORRUPT, when(col(CORRUPT).isNull().and(any), text).otherwise(col(CORRUPT)));
    }
    return rows.filter(when(any, raise_error(lit(MARK))).otherwise(lit(true)));
  }

  /** Whether a failure is this guard's. */
  static boolean raised(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (String.valueOf(c.getMessage()).contains(MARK)) {
        return true;
      }
    }
    return false;
  }

  /** Counts the undecodable records and quotes the first few with their files. */
  ValidationException explain(String format, String encoding) {
    Dataset<Row> bad = unguarded.filter(undecoded).select(input_file_name(), text).cache();
    try {
      long count = bad.count();
      List<String> examples = new ArrayList<>();
      for (Row row : bad.limit(3).collectAsList()) {
        examples.add(row.getString(0) + ": " + Messages.oneLine(clip(row.getString(1))));
      }
      return Errors.undecodableRecords(format, encoding, count, examples);
    } finally {
      bad.unpersist();
    }
  }

  private static String clip(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }

  private static boolean holdsText(DataType t) {
    String s = t.catalogString();
    return !(t instanceof BinaryType) && (s.contains("string") || s.contains("<"));
  }
}
