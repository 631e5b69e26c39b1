package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;

import io.habanero.internal.Errors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The subset of JsonPath that selects record objects in a document: {@code $}, {@code $[*]}, {@code
 * $.a.b} and {@code $.a.b[*]}. A selected array is exploded into one record per element.
 */
final class JsonPathSelector {
  private final String path;
  private final List<String> fields;

  private JsonPathSelector(String path, List<String> fields) {
    this.path = path;
    this.fields = fields;
  }

  static JsonPathSelector parse(String path) {
    String p = path.trim();
    if (!p.startsWith("$")) {
      throw unsupported(path);
    }
    p = p.substring(1);
    if (p.endsWith("[*]")) {
      p = p.substring(0, p.length() - 3);
    }
    List<String> fields = new ArrayList<>();
    if (!p.isEmpty()) {
      if (!p.startsWith(".")) {
        throw unsupported(path);
      }
      for (String f : p.substring(1).split("\\.", -1)) {
        if (!f.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw unsupported(path);
        }
        fields.add(f);
      }
    }
    return new JsonPathSelector(path, fields);
  }

  private static RuntimeException unsupported(String path) {
    return Errors.invalid(
        "formatParams.jsonPath",
        path,
        "only paths of the form $, $[*], $.a.b or $.a.b[*] are supported",
        "point jsonPath at the object or array of objects that holds the records");
  }

  /** Selects the records from documents read as rows; arrays are exploded. */
  Dataset<Row> select(Dataset<Row> docs) {
    Dataset<Row> cur = docs;
    // Each step must name a field the documents have: Spark would fail the select with an
    // unresolved column, which reads as an internal error.
    DataType at = docs.schema();
    for (int i = 0; i < fields.size(); i++) {
      String f = fields.get(i);
      String here = "$" + (i == 0 ? "" : "." + String.join(".", fields.subList(0, i)));
      if (!(at instanceof StructType st) || st.getFieldIndex(f).isEmpty()) {
        throw Errors.invalid(
            "formatParams.jsonPath",
            path,
            at instanceof StructType st2
                ? "the documents have no field '"
                    + f
                    + "' at "
                    + here
                    + "; the fields there are "
                    + Arrays.toString(st2.fieldNames())
                : here + " is a " + at.simpleString() + ", which has no field '" + f + "'",
            "point jsonPath at the object or array of objects that holds the records");
      }
      at = st.apply(f).dataType();
    }
    if (!fields.isEmpty()) {
      cur =
          cur.select(
              col(String.join(".", fields.stream().map(f -> "`" + f + "`").toList())).as("_r"));
    } else {
      return cur;
    }
    DataType t = cur.schema().apply("_r").dataType();
    if (t instanceof ArrayType) {
      cur = cur.select(explode(col("_r")).as("_r"));
      t = ((ArrayType) t).elementType();
    }
    if (!(t instanceof StructType)) {
      throw Errors.invalid(
          "formatParams.jsonPath",
          "$." + String.join(".", fields),
          "it selects a " + t.simpleString() + ", not objects",
          "point jsonPath at an object or an array of objects");
    }
    return cur.select("_r.*");
  }
}
