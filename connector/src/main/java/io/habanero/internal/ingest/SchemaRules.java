package io.habanero.internal.ingest;

import io.habanero.errors.ValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A dataset's schema is fixed by its first changeset. A later changeset must have the same columns
 * with the same types (names compare case-insensitively, nullability is ignored): no silent casts
 * and no silently nulled columns.
 */
public final class SchemaRules {
  /** The hidden column that tags each row with the changeset that wrote it. */
  public static final String LINEAGE_COLUMN = "_habanero_changeset_id";

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
        throw new ValidationException(
            "The source has a column named "
                + LINEAGE_COLUMN
                + ", which Habanero reserves for lineage. Fix: rename that column in the source.");
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

  /** Compares column names only (for formats read with the dataset's types). */
  public static void checkNames(String datasetId, StructType dataset, List<String> sourceNames) {
    List<String> problems = new ArrayList<>();
    Map<String, String> src = new LinkedHashMap<>();
    for (String n : sourceNames) {
      src.put(n.toLowerCase(Locale.ROOT), n);
    }
    for (StructField f : dataset.fields()) {
      if (src.remove(f.name().toLowerCase(Locale.ROOT)) == null) {
        problems.add("column '" + f.name() + "' is missing from the source");
      }
    }
    for (String extra : src.values()) {
      problems.add("column '" + extra + "' is not in the dataset");
    }
    fail(datasetId, problems);
  }

  /** Compares names and types. */
  public static void checkCompatible(String datasetId, StructType dataset, StructType source) {
    List<String> problems = new ArrayList<>();
    Map<String, StructField> src = new LinkedHashMap<>();
    for (StructField f : source.fields()) {
      src.put(f.name().toLowerCase(Locale.ROOT), f);
    }
    for (StructField f : dataset.fields()) {
      StructField s = src.remove(f.name().toLowerCase(Locale.ROOT));
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
    for (StructField extra : src.values()) {
      problems.add("column '" + extra.name() + "' is not in the dataset");
    }
    fail(datasetId, problems);
  }

  private static void fail(String datasetId, List<String> problems) {
    if (!problems.isEmpty()) {
      throw new ValidationException(
          "The source's schema conflicts with dataset '"
              + datasetId
              + "': "
              + String.join("; ", problems)
              + ". Fix: make the source match the dataset's columns and types (declare them with"
              + " formatParams.schema if inference differs), or REPLACE into a new dataset.");
    }
  }
}
