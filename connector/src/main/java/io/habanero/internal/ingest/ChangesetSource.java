package io.habanero.internal.ingest;

import io.habanero.errors.HabaneroException;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.internal.Messages;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What one changeset ingests: a fixed set of files read in a declared format ({@link Files}), or a
 * DataFrame handed to the {@code habanero} data source ({@link Frame}). Both go through the same
 * runner, so their bookkeeping (records, status, one Delta commit) is identical.
 */
public sealed interface ChangesetSource permits ChangesetSource.Files, ChangesetSource.Frame {

  /**
   * The rows to write, in the dataset's user columns, with the schema rules applied.
   *
   * @param dataset the dataset's user schema, or null for a new dataset
   */
  Dataset<Row> read(String datasetId, StructType dataset);

  /** Turns a failure while reading or writing into the error to record. */
  RuntimeException explainFailure(Dataset<Row> read, Exception e);

  /** Files in the source (0 for a DataFrame), for progress. */
  int fileCount();

  /** Bytes in the source (0 for a DataFrame), for progress. */
  long totalBytes();

  /** Checks, just before the commit, that the source has not changed. */
  void verifyUnchanged(Configuration conf);

  /** Packs the rows into about as many output files as their size calls for. */
  Dataset<Row> pack(Dataset<Row> rows);

  /** Whether the changeset opted in to adding new nullable columns to the dataset. */
  boolean mergeSchema();

  /** Whether a REPLACE or MODIFY may commit no rows (the explicit opt-in {@code allowEmpty}). */
  boolean allowEmpty();

  /**
   * Whether the source declares its column types (a DataFrame, Parquet, or {@code
   * formatParams.schema}), so a first changeset without rows still fixes a meaningful schema.
   */
  boolean declaresTypes();

  /**
   * Whether malformed records are quarantined rather than failing the changeset; the rows from
   * {@link #read} then carry the corrupt-record and source-file columns that {@link Quarantine}
   * splits on.
   */
  boolean quarantine();

  /** A fixed file set read in a declared format. */
  final class Files implements ChangesetSource {
    /** Input bytes per output file when many small files are packed together. */
    private static final long TARGET_FILE_BYTES = 128L * 1024 * 1024;

    private final SourceFormat format;
    private final SourceSnapshot snapshot;
    private SourceReader reader;

    public Files(SourceFormat format, SourceSnapshot snapshot) {
      this.format = format;
      this.snapshot = snapshot;
    }

    @Override
    public Dataset<Row> read(String datasetId, StructType dataset) {
      reader = new SourceReader(SparkSession.active(), format, snapshot, datasetId, dataset);
      return reader.read();
    }

    /** Turns a failure to read the source into a VALIDATION error naming the bad records/files. */
    @Override
    public RuntimeException explainFailure(Dataset<Row> read, Exception e) {
      if (e instanceof HabaneroException h) {
        return h;
      }
      if (reader != null && UndecodedBytes.raised(e)) {
        return reader.explainUndecoded();
      }
      if (reader != null && SourceReader.isMalformed(e)) {
        return reader.explainMalformed(read, e);
      }
      if (SourceReader.isBadParquet(e)) {
        String detail = Messages.clause(SourceReader.parquetDetail(e));
        // The file, unless the detail names it already.
        return Errors.unreadableParquet(namesAFile(detail) ? null : snapshot.describe(), detail, e);
      }
      return ErrorClassifier.classify(
          e, "The " + format.format() + " source " + Messages.clip(snapshot.describe(), 300));
    }

    private boolean namesAFile(String message) {
      return snapshot.files().stream()
          .anyMatch(f -> message.contains(new org.apache.hadoop.fs.Path(f.path).getName()));
    }

    /**
     * Spark plans one read partition per ~4 MB of small files (its open cost), so thousands of tiny
     * source files would become hundreds of tiny output files. Coalescing (no shuffle) to what the
     * input's size calls for keeps the output file count independent of the input file count. The
     * partition count Spark will plan is computed from the snapshot with Spark's own split rule
     * ({@code FilePartition.maxSplitBytes}), without planning the query.
     */
    @Override
    public Dataset<Row> pack(Dataset<Row> rows) {
      SparkSession spark = rows.sparkSession();
      int parallelism = spark.sparkContext().defaultParallelism();
      long total = snapshot.totalBytes();
      int wanted = (int) Math.max(parallelism, (total + TARGET_FILE_BYTES - 1) / TARGET_FILE_BYTES);
      if (snapshot.files().size() <= wanted) {
        return rows;
      }
      long openCost = spark.sessionState().conf().filesOpenCostInBytes();
      long maxPartitionBytes = spark.sessionState().conf().filesMaxPartitionBytes();
      long withOpenCost = total + snapshot.files().size() * openCost;
      long maxSplit = Math.min(maxPartitionBytes, Math.max(openCost, withOpenCost / parallelism));
      long planned = (withOpenCost + maxSplit - 1) / maxSplit;
      return planned <= 2L * wanted ? rows : rows.coalesce(wanted);
    }

    @Override
    public boolean mergeSchema() {
      return format.mergeSchema();
    }

    @Override
    public boolean quarantine() {
      return format.quarantine();
    }

    @Override
    public boolean allowEmpty() {
      return format.allowEmpty();
    }

    @Override
    public boolean declaresTypes() {
      return format.format() == io.habanero.model.FormatType.PARQUET
          || format.explicitSchema().isPresent();
    }

    @Override
    public int fileCount() {
      return snapshot.files().size();
    }

    @Override
    public long totalBytes() {
      return snapshot.totalBytes();
    }

    @Override
    public void verifyUnchanged(Configuration conf) {
      snapshot.verifyUnchanged(conf);
    }
  }

  /**
   * A DataFrame written with {@code df.write.format("habanero")} or SQL INSERT.
   *
   * @param mergeSchema the DataFrame option {@code mergeSchema}: new columns may be added
   * @param allowEmpty the DataFrame option {@code allowEmpty}: an overwrite may empty the dataset
   */
  record Frame(Dataset<Row> data, boolean mergeSchema, boolean allowEmpty)
      implements ChangesetSource {
    @Override
    public Dataset<Row> read(String datasetId, StructType dataset) {
      StructType schema = data.schema();
      if (schema.fields().length == 0) {
        throw Errors.frameWithoutColumns();
      }
      SchemaRules.checkNoReservedColumn(schema);
      if (dataset == null) {
        return data;
      }
      List<StructField> added =
          SchemaRules.checkCompatible(datasetId, dataset, schema, mergeSchema);
      // Columns are matched by name, as for files; the dataset's order is kept, new ones last.
      return SchemaRules.byName(data, SchemaRules.evolved(dataset, added), List.of());
    }

    @Override
    public RuntimeException explainFailure(Dataset<Row> read, Exception e) {
      if (e instanceof HabaneroException h) {
        return h;
      }
      return ErrorClassifier.classify(e, "The DataFrame");
    }

    @Override
    public Dataset<Row> pack(Dataset<Row> rows) {
      return rows;
    }

    @Override
    public boolean quarantine() {
      return false; // a DataFrame's rows are already parsed
    }

    @Override
    public boolean declaresTypes() {
      return true;
    }

    @Override
    public int fileCount() {
      return 0;
    }

    @Override
    public long totalBytes() {
      return 0;
    }

    @Override
    public void verifyUnchanged(Configuration conf) {
      // A DataFrame's inputs are the caller's; Delta's own conflict checks cover Delta sources.
    }
  }
}
