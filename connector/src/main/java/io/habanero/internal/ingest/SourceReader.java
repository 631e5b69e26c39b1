package io.habanero.internal.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.row_number;

import io.habanero.errors.ValidationException;
import io.habanero.internal.Errors;
import io.habanero.internal.Messages;
import io.habanero.model.FormatType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds the DataFrame of a changeset's source files and applies the schema rules.
 *
 * <ul>
 *   <li>An explicit {@code formatParams.schema} is used as given and must match the dataset.
 *   <li>For a new dataset the schema is the source's own: Parquet's, or inferred for CSV (unless
 *       {@code inferSchema=false}), JSON and XML.
 *   <li>For an existing dataset, CSV, JSON and XML sources are read with the dataset's types once
 *       their column names match, so a value that does not parse is a malformed record, never a
 *       silent cast. Parquet's own types must equal the dataset's.
 *   <li>With {@code mergeSchema=true}, columns the dataset lacks are admitted with the types the
 *       source gives them (inferred, declared or Parquet's), and appended after the dataset's.
 *   <li>With {@code mode=QUARANTINE}, the rows also carry the corrupt-record column (the raw text
 *       of a malformed record, else null) and their source file; {@link Quarantine} splits them.
 * </ul>
 */
public final class SourceReader {
  private static final String CORRUPT = SourceFormat.CORRUPT_COLUMN;

  private final SparkSession spark;
  private final SourceFormat format;
  private final SourceSnapshot snapshot;
  private final String datasetId;
  private final StructType dataset;
  private StructType readSchema;
  private final UndecodedBytes undecoded = new UndecodedBytes();

  /**
   * @param dataset the dataset's user schema, or null for a new dataset
   */
  public SourceReader(
      SparkSession spark,
      SourceFormat format,
      SourceSnapshot snapshot,
      String datasetId,
      StructType dataset) {
    this.spark = spark;
    this.format = format;
    this.snapshot = snapshot;
    this.datasetId = datasetId;
    this.dataset = dataset;
  }

  private DataFrameReader reader() {
    return spark.read().format(format.sparkFormat()).options(format.readerOptions());
  }

  private boolean csvHeader() {
    return format.format() == FormatType.CSV
        && Boolean.parseBoolean(format.readerOptions().get("header"));
  }

  /**
   * The source as rows in the dataset's columns (without the lineage column), followed by any new
   * columns that the mergeSchema opt-in admits. Columns are matched by name, case-insensitively as
   * Spark and Delta resolve them, and keep the dataset's spelling and order.
   */
  public Dataset<Row> read() {
    String[] paths = snapshot.paths();
    boolean merge = format.mergeSchema();
    snapshot.checkLayout(format.format());
    if (format.format() == FormatType.JSON
        && "true".equals(format.readerOptions().get("multiLine"))) {
      JsonDocuments.checkOnePerFile(spark, paths, format.readerOptions().get("encoding"));
    }
    List<StructField> added = List.of();
    Dataset<Row> df;
    if (format.explicitSchema().isPresent()) {
      StructType schema = format.explicitSchema().get();
      if (dataset != null) {
        added = SchemaRules.checkCompatible(datasetId, dataset, schema, merge);
      }
      df = load(typedReader(schema), paths);
    } else if (dataset != null
        && format.format() != FormatType.PARQUET
        && format.jsonPath().isEmpty()) {
      DataFrameReader probe = reader();
      if (format.format() == FormatType.CSV) {
        probe = probe.option("inferSchema", "false");
      }
      StructType probed = withoutCorrupt(load(probe, paths).schema());
      checkDecodedNames(probed);
      List<String> newNames =
          SchemaRules.checkNames(datasetId, dataset, List.of(probed.fieldNames()), merge);
      // Known columns take the dataset's types; new ones the types the source infers.
      StructType inferred =
          newNames.isEmpty() || format.format() != FormatType.CSV
              ? probed
              : load(inferringReader(), paths).schema();
      // Read in the source's own order and spelling: Spark checks a CSV header against the read
      // schema position by position, and matches JSON and XML names case-sensitively.
      List<StructField> read = new ArrayList<>();
      List<StructField> fresh = new ArrayList<>();
      for (StructField f : probed.fields()) {
        Optional<StructField> known = field(dataset, f.name());
        StructField typed =
            known
                .map(k -> new StructField(f.name(), k.dataType(), true, k.metadata()))
                .orElseGet(() -> field(inferred, f.name()).orElse(f));
        read.add(typed);
        if (known.isEmpty()) {
          fresh.add(typed);
        }
      }
      added = fresh;
      df = load(typedReader(new StructType(read.toArray(new StructField[0]))), paths);
    } else {
      df = load(inferringReader(), paths);
      if (format.jsonPath().isPresent()) {
        df = JsonPathSelector.parse(format.jsonPath().get()).select(df);
      }
      if (dataset != null) {
        added = SchemaRules.checkCompatible(datasetId, dataset, withoutCorrupt(df.schema()), merge);
      }
    }
    if (!format.quarantine() && Arrays.asList(df.columns()).contains(CORRUPT)) {
      // Inference met records it could not parse; under FAILFAST they fail the changeset.
      throw explainMalformed(
          null, new IllegalStateException("schema inference found malformed records"));
    }
    StructType columns = withoutCorrupt(df.schema());
    if (columns.fields().length == 0) {
      throw Errors.noColumns(
          format.format().name(), snapshot.describe(), format.readerOptions().get("rowTag"));
    }
    if (format.format() != FormatType.PARQUET) {
      checkDecodedNames(columns);
    }
    if (format.quarantine()) {
      // Read again with the corrupt-record column, which flags each malformed record (and keeps
      // its text), and the file each record came from.
      df =
          load(typedReader(withCorrupt(columns)), paths)
              .withColumn(Quarantine.SOURCE_FILE, input_file_name());
    }
    df = withoutByteOrderMark(df);
    SchemaRules.checkNoReservedColumn(df.schema());
    if (format.format() != FormatType.PARQUET) {
      df = undecoded.guard(df, format.quarantine());
    }
    if (dataset != null) {
      List<String> extra =
          format.quarantine() ? List.of(CORRUPT, Quarantine.SOURCE_FILE) : List.of();
      df = SchemaRules.byName(df, SchemaRules.evolved(dataset, added), extra);
    }
    if (format.skipFirst()) {
      df = dropFirstRowOfEachFile(df);
    }
    return df;
  }

  /**
   * A byte-order mark that Spark left at the start of the first column name is not part of it:
   * renamed away, so {@code \uFEFFid} is {@code id}.
   */
  private static Dataset<Row> withoutByteOrderMark(Dataset<Row> df) {
    String first = df.columns()[0];
    return first.startsWith(BOM) ? df.withColumnRenamed(first, first.substring(BOM.length())) : df;
  }

  private static final String BOM = "\uFEFF";

  /**
   * Fails when a column name was decoded with replacement characters (bytes not valid in the
   * encoding).
   */
  private void checkDecodedNames(StructType schema) {
    List<String> bad = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (f.name().indexOf(UndecodedBytes.REPLACEMENT) >= 0) {
        bad.add(f.name());
      }
    }
    if (!bad.isEmpty()) {
      throw Errors.undecodableNames(format.format().name(), encodingName(), bad);
    }
  }

  private String encodingName() {
    String cs =
        format.readerOptions().get(format.format() == FormatType.XML ? "charset" : "encoding");
    return cs == null ? "UTF-8" : cs;
  }

  /** A reader with a declared schema; CSV headers are then checked against it by name. */
  private DataFrameReader typedReader(StructType schema) {
    readSchema = schema;
    DataFrameReader r = reader().schema(schema);
    return csvHeader() ? r.option("enforceSchema", "false") : r;
  }

  /** A reader that infers types (CSV only when {@code inferSchema} is on, as for new datasets). */
  private DataFrameReader inferringReader() {
    DataFrameReader r = reader();
    return format.format() == FormatType.CSV
        ? r.option("inferSchema", String.valueOf(format.inferSchema()))
        : r;
  }

  /** A reader that puts each malformed record's text in {@link #CORRUPT} instead of failing. */
  private static DataFrameReader permissive(DataFrameReader r) {
    return r.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT);
  }

  private static StructType withCorrupt(StructType schema) {
    return schema.add(DataTypes.createStructField(CORRUPT, DataTypes.StringType, true));
  }

  /** The schema without the corrupt-record column that PERMISSIVE inference may add. */
  private static StructType withoutCorrupt(StructType schema) {
    return new StructType(
        java.util.Arrays.stream(schema.fields())
            .filter(f -> !f.name().equals(CORRUPT))
            .toArray(StructField[]::new));
  }

  private static Optional<StructField> field(StructType schema, String name) {
    String wanted = SchemaRules.withoutBom(name);
    for (StructField f : schema.fields()) {
      if (SchemaRules.withoutBom(f.name()).equalsIgnoreCase(wanted)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  private static Dataset<Row> dropFirstRowOfEachFile(Dataset<Row> df) {
    String[] cols = df.columns();
    return df.withColumn("_hb_file", input_file_name())
        .withColumn("_hb_seq", monotonically_increasing_id())
        .withColumn("_hb_n", row_number().over(Window.partitionBy("_hb_file").orderBy("_hb_seq")))
        .filter(col("_hb_n").gt(1))
        .selectExpr(SchemaRules.quoted(cols));
  }

  /** Above this many files, Spark lists explicit paths with one distributed task per path. */
  private static final int MANY_FILES = 32;

  /**
   * Loads exactly {@code paths}, the snapshot's files.
   *
   * <p>Given thousands of explicit paths, Spark's file index runs a listing job with one task per
   * path, which costs far more than reading small files. So a prefix with many files is loaded as a
   * directory instead, and used only if the files Spark's index fixed at load time ({@code
   * inputFiles()}) are exactly the snapshot's; otherwise (files added or removed since the
   * snapshot, or empty files Spark would include) the explicit paths are loaded.
   *
   * <p>spark-xml (a V1 source) takes one {@code path}, so its files are passed as Hadoop's
   * comma-separated list, with commas in names escaped.
   */
  private Dataset<Row> load(DataFrameReader r, String[] paths) {
    if (format.format() == FormatType.XML) {
      StringBuilder joined = new StringBuilder();
      for (String p : paths) {
        if (joined.length() > 0) {
          joined.append(',');
        }
        joined.append(p.replace("\\", "\\\\").replace(",", "\\,"));
      }
      return r.load(joined.toString());
    }
    boolean partitioned = !snapshot.partitionColumns().isEmpty();
    if (partitioned) {
      // Explicit file paths get partition columns only relative to a base path.
      r = r.option("basePath", snapshot.directory().get());
    }
    if (paths.length > MANY_FILES && snapshot.directory().isPresent()) {
      // recursiveFileLookup would also switch off partition discovery.
      Dataset<Row> whole =
          (partitioned ? r : r.option("recursiveFileLookup", "true"))
              .load(snapshot.directory().get());
      if (snapshot.sameFiles(whole.inputFiles())) {
        return whole;
      }
    }
    return r.load(paths);
  }

  /** Explains a failure of the guard against bytes not valid in the declared encoding. */
  public ValidationException explainUndecoded() {
    return undecoded.explain(format.format().name(), encodingName());
  }

  /** Whether a failure came from a malformed record under fail-fast parsing. */
  public static boolean isMalformed(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      String n = c.getClass().getSimpleName();
      if (n.contains("BadRecordException")
          || m.contains("Malformed")
          || m.contains("MALFORMED")
          || m.contains("FAILFAST")
          || m.contains("CSV header does not conform")
          || n.contains("JsonParseException")
          || n.contains("XMLStreamException")) {
        return true;
      }
    }
    return false;
  }

  /** Whether a failure came from Parquet files whose types disagree or that are not Parquet. */
  public static boolean isBadParquet(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      StackTraceElement[] at = c.getStackTrace();
      if (!(c instanceof java.io.IOException)
          && at.length > 0
          && (at[0].getClassName().startsWith("org.apache.parquet.")
              || at[0]
                  .getClassName()
                  .startsWith("org.apache.spark.sql.execution.datasources.parquet."))) {
        // Raised by the Parquet reader itself (schema conversion, decoding), not by storage.
        return true;
      }
      if (c.getClass().getSimpleName().contains("SchemaColumnConvertNotSupported")
          || m.contains("is not a Parquet file")
          || m.contains("cannot be converted in file")
          || m.contains("FAILED_READ_FILE")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The message of a Parquet failure that says most: the one naming the file (Spark's "Parquet
   * column cannot be converted in file ...", or Parquet's "... is not a Parquet file"), else the
   * root cause's. A job failure's own message is skipped: it holds the executor's stack trace.
   */
  public static String parquetDetail(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null
          && !m.startsWith("Job aborted")
          && (m.contains(" in file ") || m.contains("is not a Parquet file"))) {
        return m;
      }
    }
    return rootMessage(t);
  }

  /**
   * Explains a fail-fast parse failure: reads the source once more, permissively, to count the
   * malformed records and show the first few with their files. Runs only after a failure, so the
   * happy path pays nothing for it.
   */
  public ValidationException explainMalformed(Dataset<Row> failed, Throwable cause) {
    String detail = Messages.clause(rootMessage(cause));
    try {
      StructType known = readSchema != null ? readSchema : format.explicitSchema().orElse(dataset);
      known = known == null ? null : withoutCorrupt(known);
      if (format.format() == FormatType.PARQUET) {
        return malformed(-1, List.of(), detail, cause);
      }
      // A failure before the read (e.g. in schema inference) has no DataFrame. With no known
      // schema either (a new dataset), infer one permissively: the malformed records then land
      // in the corrupt-record column instead of failing the inference.
      StructType base =
          known != null
              ? known
              : failed != null
                  ? failed.schema()
                  : withoutCorrupt(load(permissive(inferringReader()), snapshot.paths()).schema());
      // The same split as QUARANTINE mode: file and raw text of each record that does not parse.
      // When not one record parses, there are no columns to split on: every line is quoted.
      Dataset<Row> bad =
          (base.fields().length == 0
                  ? spark
                      .read()
                      .text(snapshot.paths())
                      .filter("trim(value) != ''")
                      .select(input_file_name().as("file"), col("value").as("record"))
                  : Quarantine.badRecords(
                      load(permissive(reader()).schema(withCorrupt(base)), snapshot.paths())
                          .withColumn(Quarantine.SOURCE_FILE, input_file_name())))
              .cache();
      long count = bad.count();
      List<String> examples = new ArrayList<>();
      for (Row row : bad.limit(3).collectAsList()) {
        String rec = String.valueOf(row.getString(1)).replace('\n', ' ');
        examples.add(
            row.getString(0) + ": " + (rec.length() > 120 ? rec.substring(0, 117) + "..." : rec));
      }
      bad.unpersist();
      return malformed(count, examples, detail, cause);
    } catch (Exception | AssertionError e) { // Spark's job failures are checked SparkExceptions
      return malformed(-1, List.of(), detail, cause);
    }
  }

  private ValidationException malformed(
      long count, List<String> examples, String detail, Throwable cause) {
    return Errors.malformedRecords(
        String.valueOf(format.format()),
        count,
        examples,
        detail,
        snapshot.describe(),
        format.format() == FormatType.JSON
            && !"true".equals(format.readerOptions().get("multiLine")),
        cause);
  }

  static String rootMessage(Throwable t) {
    String msg = String.valueOf(t.getMessage());
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        msg = c.getMessage();
      }
    }
    return msg;
  }
}
