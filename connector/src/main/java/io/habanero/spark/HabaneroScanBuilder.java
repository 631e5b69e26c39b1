package io.habanero.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.habanero.HabaneroSettings;
import io.habanero.model.TimeTravel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownFilters;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.V1Scan;
import org.apache.spark.sql.sources.And;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.EqualNullSafe;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.IsNotNull;
import org.apache.spark.sql.sources.IsNull;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;
import org.apache.spark.sql.sources.Not;
import org.apache.spark.sql.sources.Or;
import org.apache.spark.sql.sources.StringContains;
import org.apache.spark.sql.sources.StringEndsWith;
import org.apache.spark.sql.sources.StringStartsWith;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;

/**
 * Scans a catalog table by handing the pruned columns and pushed filters to Delta's own relation
 * ({@link DatasetReads}), so the catalog read gets Delta's native Parquet scan, filter pushdown and
 * data skipping. Spark still evaluates every filter after the scan, so a filter that cannot be
 * pushed is never lost.
 */
final class HabaneroScanBuilder
    implements ScanBuilder, SupportsPushDownRequiredColumns, SupportsPushDownFilters {
  private final SparkSession spark;
  private final HabaneroSettings settings;
  private final String datasetId;
  private final TimeTravel at;
  private StructType required;
  private Filter[] pushed = new Filter[0];
  private final List<Column> conditions = new ArrayList<>();

  HabaneroScanBuilder(
      SparkSession spark,
      HabaneroSettings settings,
      String datasetId,
      TimeTravel at,
      StructType schema) {
    this.spark = spark;
    this.settings = settings;
    this.datasetId = datasetId;
    this.at = at;
    this.required = schema;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  @Override
  public Filter[] pushFilters(Filter[] filters) {
    List<Filter> accepted = new ArrayList<>();
    for (Filter f : filters) {
      Optional<Column> c = toColumn(f);
      if (c.isPresent()) {
        accepted.add(f);
        conditions.add(c.get());
      }
    }
    pushed = accepted.toArray(new Filter[0]);
    return filters;
  }

  @Override
  public Filter[] pushedFilters() {
    return pushed;
  }

  @Override
  public Scan build() {
    return new DeltaBackedScan();
  }

  /** A data source filter as a Column, if it is one of the common kinds. */
  static Optional<Column> toColumn(Filter f) {
    if (f instanceof EqualTo e) {
      return Optional.of(col(e.attribute()).equalTo(lit(e.value())));
    } else if (f instanceof EqualNullSafe e) {
      return Optional.of(col(e.attribute()).eqNullSafe(lit(e.value())));
    } else if (f instanceof GreaterThan g) {
      return Optional.of(col(g.attribute()).gt(lit(g.value())));
    } else if (f instanceof GreaterThanOrEqual g) {
      return Optional.of(col(g.attribute()).geq(lit(g.value())));
    } else if (f instanceof LessThan l) {
      return Optional.of(col(l.attribute()).lt(lit(l.value())));
    } else if (f instanceof LessThanOrEqual l) {
      return Optional.of(col(l.attribute()).leq(lit(l.value())));
    } else if (f instanceof In in) {
      return Optional.of(
          col(in.attribute()).isin(Arrays.stream(in.values()).map(v -> lit(v)).toArray()));
    } else if (f instanceof IsNull n) {
      return Optional.of(col(n.attribute()).isNull());
    } else if (f instanceof IsNotNull n) {
      return Optional.of(col(n.attribute()).isNotNull());
    } else if (f instanceof StringStartsWith s) {
      return Optional.of(col(s.attribute()).startsWith(s.value()));
    } else if (f instanceof StringEndsWith s) {
      return Optional.of(col(s.attribute()).endsWith(s.value()));
    } else if (f instanceof StringContains s) {
      return Optional.of(col(s.attribute()).contains(s.value()));
    } else if (f instanceof And a) {
      Optional<Column> l = toColumn(a.left());
      Optional<Column> r = toColumn(a.right());
      return l.isPresent() && r.isPresent() ? Optional.of(l.get().and(r.get())) : Optional.empty();
    } else if (f instanceof Or o) {
      Optional<Column> l = toColumn(o.left());
      Optional<Column> r = toColumn(o.right());
      return l.isPresent() && r.isPresent() ? Optional.of(l.get().or(r.get())) : Optional.empty();
    } else if (f instanceof Not n) {
      return toColumn(n.child()).map(Column::unary_$bang);
    }
    return Optional.empty();
  }

  private final class DeltaBackedScan implements V1Scan {
    @Override
    public StructType readSchema() {
      return required;
    }

    @Override
    public String description() {
      return "Habanero dataset "
          + datasetId
          + " via Delta (pushed to Delta: "
          + Arrays.toString(pushed)
          + ")";
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T extends BaseRelation & TableScan> T toV1TableScan(SQLContext context) {
      Dataset<Row> df =
          spark.baseRelationToDataFrame(
              DatasetReads.relation(spark, settings, datasetId, at, false));
      for (Column c : conditions) {
        df = df.filter(c);
      }
      String[] cols = required.fieldNames();
      Column[] selected = new Column[cols.length];
      for (int i = 0; i < cols.length; i++) {
        selected[i] = org.apache.spark.sql.functions.col("`" + cols[i].replace("`", "``") + "`");
      }
      df = df.select(selected);
      return (T) new DeltaRows(context, required, df);
    }
  }

  /** The rows of Delta's planned scan, handed to Spark as internal rows (no conversion). */
  private static final class DeltaRows extends BaseRelation implements TableScan {
    private final SQLContext context;
    private final StructType schema;
    private final Dataset<Row> df;

    DeltaRows(SQLContext context, StructType schema, Dataset<Row> df) {
      this.context = context;
      this.schema = schema;
      this.df = df;
    }

    @Override
    public SQLContext sqlContext() {
      return context;
    }

    @Override
    public StructType schema() {
      return schema;
    }

    @Override
    public boolean needConversion() {
      return false;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public RDD<Row> buildScan() {
      return (RDD) df.queryExecution().toRdd();
    }
  }
}
