package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.col;

import io.habanero.internal.Errors;
import io.habanero.internal.Lineage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A dataset's schema is fixed by its first changeset. A later changeset must have the same columns
 * with the same types (names compare case-insensitively, nullability is ignored): no silent casts
 * and no silently nulled columns. The one opt-in, {@code mergeSchema=true}, lets a changeset add
 * new columns, which become nullable columns of the dataset (null in every earlier row); missing
 * columns and changed types still conflict.
 */
public final class SchemaRules {
  /** The hidden column that tags each row with the changeset that wrote it. */
  public static final String LINEAGE_COLUMN = Lineage.COLUMN;

  private SchemaRules() {}

  /** Column names quoted for {@code selectExpr}. */
  public static String[] quoted(String[] cols) {
    String[] out = new String[cols.length];
    for (int i = 0; i < cols.length; i++) {
      out[i] = "`" + cols[i].replace("`", "``") + "`";
    }
    return out;
  }

  /** Fails if the source uses the reserved lineage column name. */
  public static void checkNoReservedColumn(StructType source) {
    for (StructField f : source.fields()) {
      if (f.name().equalsIgnoreCase(LINEAGE_COLUMN)) {
        throw Errors.reservedColumn(LINEAGE_COLUMN);
      }
    }
  }

  /** The dataset's user-visible schema: the table schema without the lineage column. */
  public static StructType userSchema(StructType table) {
    List<StructField> out = new ArrayList<>();
    for (StructField f : table.fields()) {
      if (!f.name().equals(LINEAGE_COLUMN)) {
        out.add(f);
      }
    }
    return new StructType(out.toArray(new StructField[0]));
  }

  /**
   * Compares column names only (for formats read with the dataset's types).
   *
   * @param allowNewColumns whether columns the dataset lacks are accepted (the mergeSchema opt-in)
   * @return the source's columns that the dataset lacks, in source order (empty unless allowed)
   */
  public static List<String> checkNames(
      String datasetId, StructType dataset, List<String> sourceNames, boolean allowNewColumns) {
    List<String> problems = new ArrayList<>();
    Map<String, String> src = new LinkedHashMap<>();
    for (String n : sourceNames) {
      src.put(key(n), n);
    }
    for (StructField f : dataset.fields()) {
      if (src.remove(key(f.name())) == null) {
        problems.add("column '" + f.name() + "' is missing from the source");
      }
    }
    List<String> extra = new ArrayList<>(src.values());
    if (!allowNewColumns) {
      for (String e : extra) {
        problems.add("column '" + e + "' is not in the dataset");
      }
    }
    fail(datasetId, problems, !allowNewColumns && !extra.isEmpty());
    return extra;
  }

  /**
   * Compares names and types.
   *
   * @param allowNewColumns whether columns the dataset lacks are accepted (the mergeSchema opt-in)
   * @return the source's columns that the dataset lacks, in source order (empty unless allowed)
   */
  public static List<StructField> checkCompatible(
      String datasetId, StructType dataset, StructType source, boolean allowNewColumns) {
    List<String> problems = new ArrayList<>();
    Map<String, StructField> src = new LinkedHashMap<>();
    for (StructField f : source.fields()) {
      src.put(key(f.name()), f);
    }
    for (StructField f : dataset.fields()) {
      StructField s = src.remove(key(f.name()));
      if (s == null) {
        problems.add("column '" + f.name() + "' is missing from the source");
      } else if (!s.dataType().catalogString().equals(f.dataType().catalogString())) {
        problems.add(
            "column '"
                + f.name()
                + "' is "
                + s.dataType().catalogString()
                + " in the source but "
                + f.dataType().catalogString()
                + " in the dataset");
      }
    }
    List<StructField> extra = new ArrayList<>(src.values());
    if (!allowNewColumns) {
      for (StructField e : extra) {
        problems.add("column '" + e.name() + "' is not in the dataset");
      }
    }
    fail(datasetId, problems, !allowNewColumns && !extra.isEmpty());
    return extra;
  }

  /**
   * The columns a changeset writes: the dataset's, in its order, then the new ones (nullable, as
   * every row written before them reads null there).
   */
  public static StructType evolved(StructType dataset, List<StructField> newColumns) {
    StructType out = dataset;
    for (StructField f : newColumns) {
      out = out.add(f.name(), f.dataType(), true, f.metadata());
    }
    return out;
  }

  /**
   * How names match: case-insensitively, as Spark (spark.sql.caseSensitive=false) and Delta resolve
   * them, and without a byte-order mark that a reader left on the first name.
   */
  private static String key(String name) {
    return withoutBom(name).toLowerCase(Locale.ROOT);
  }

  /** The name without a leading byte-order mark (U+FEFF). */
  public static String withoutBom(String name) {
    return name.startsWith("\uFEFF") ? name.substring(1) : name;
  }

  /**
   * The rows with exactly the {@code target} columns, in its order and spelling: each is the
   * source's column of the same name, matched as {@link #key} does, so a source header {@code ID}
   * lands in the dataset's {@code id}. {@code extra} columns are kept as they are, after them.
   */
  public static Dataset<Row> byName(Dataset<Row> rows, StructType target, List<String> extra) {
    Map<String, String> source = new LinkedHashMap<>();
    for (String c : rows.columns()) {
      source.putIfAbsent(key(c), c);
    }
    List<Column> out = new ArrayList<>();
    for (StructField f : target.fields()) {
      String name = source.getOrDefault(key(f.name()), f.name());
      out.add(col(quoted(new String[] {name})[0]).as(f.name()));
    }
    for (String e : extra) {
      out.add(col(quoted(new String[] {e})[0]));
    }
    return rows.select(out.toArray(new Column[0]));
  }

  private static void fail(String datasetId, List<String> problems, boolean hadNewColumns) {
    if (!problems.isEmpty()) {
      throw Errors.schemaConflict(datasetId, problems, hadNewColumns);
    }
  }
}
