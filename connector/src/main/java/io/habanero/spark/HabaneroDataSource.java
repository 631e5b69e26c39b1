package io.habanero.spark;

import io.habanero.model.ChangeType;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * The {@code habanero} data source: {@code spark.read.format("habanero")} and {@code
 * df.write.format("habanero")}.
 *
 * <p>Reads return Delta's own relation for the dataset (see {@link DatasetReads}), so Spark plans
 * Delta's native scan. Writes create one changeset each, recorded like any other. Like Delta's own
 * {@code format("delta")}, this is a provider of relations, which keeps every save mode usable and
 * the read plan Delta's; the {@code habanero} catalog ({@link HabaneroCatalog}) is the DataSource
 * V2 side.
 *
 * <p>Options: see {@link HabaneroOptions}.
 */
public final class HabaneroDataSource
    implements DataSourceRegister, RelationProvider, CreatableRelationProvider {
  public static final String SHORT_NAME = "habanero";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext, scala.collection.immutable.Map<String, String> parameters) {
    HabaneroOptions o = HabaneroOptions.parse(sqlContext.sparkSession(), javaMap(parameters));
    o.checkForRead();
    return DatasetReads.relation(
        sqlContext.sparkSession(),
        o.settings(),
        o.datasetId(),
        o.timeTravel(),
        o.includeChangesetId());
  }

  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters,
      Dataset<Row> data) {
    HabaneroOptions o = HabaneroOptions.parse(sqlContext.sparkSession(), javaMap(parameters));
    o.checkForWrite();
    ChangeType type = o.changeType(mode);
    boolean mustBeNew = mode == SaveMode.ErrorIfExists && !o.hasChangeType();
    FrameWrites.write(sqlContext.sparkSession(), o, type, mustBeNew, data);
    StructType schema = data.schema();
    // Spark only asks the returned relation for its schema (to refresh cached plans).
    return new BaseRelation() {
      @Override
      public SQLContext sqlContext() {
        return sqlContext;
      }

      @Override
      public StructType schema() {
        return schema;
      }
    };
  }

  static Map<String, String> javaMap(scala.collection.Map<String, String> m) {
    return JavaConverters.mapAsJavaMap(m);
  }
}
