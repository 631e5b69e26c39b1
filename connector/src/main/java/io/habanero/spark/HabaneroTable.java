package io.habanero.spark;

import io.habanero.HabaneroSettings;
import io.habanero.model.ChangeType;
import io.habanero.model.TimeTravel;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.V1Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.sources.InsertableRelation;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * One dataset as a catalog table. Reads scan Delta's own relation ({@link HabaneroScanBuilder});
 * {@code INSERT INTO} creates an APPEND changeset and {@code INSERT OVERWRITE} a REPLACE changeset,
 * each run on the driver like a DataFrame write.
 */
final class HabaneroTable implements SupportsRead, SupportsWrite {
  private final String catalog;
  private final String datasetId;
  private final HabaneroSettings settings;
  private final TimeTravel at;
  private final StructType schema;

  HabaneroTable(
      String catalog,
      String datasetId,
      HabaneroSettings settings,
      TimeTravel at,
      StructType schema) {
    this.catalog = catalog;
    this.datasetId = datasetId;
    this.settings = settings;
    this.at = at;
    this.schema = schema;
  }

  @Override
  public String name() {
    return catalog + "." + datasetId;
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("provider", HabaneroDataSource.SHORT_NAME);
    p.put("location", settings.warehouse() + "/datasets/" + datasetId);
    return p;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(
        TableCapability.BATCH_READ, TableCapability.V1_BATCH_WRITE, TableCapability.TRUNCATE);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return new HabaneroScanBuilder(SparkSession.active(), settings, datasetId, at, schema);
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    if (!(at instanceof TimeTravel.Latest)) {
      throw new UnsupportedOperationException(
          "Cannot write to a time-travel read of dataset '" + datasetId + "'.");
    }
    return new Insert();
  }

  /** {@code INSERT INTO} (APPEND) or, after {@link #truncate()}, {@code INSERT OVERWRITE}. */
  private final class Insert implements WriteBuilder, SupportsTruncate {
    private boolean replace;

    @Override
    public WriteBuilder truncate() {
      replace = true;
      return this;
    }

    @Override
    public V1Write build() {
      ChangeType type = replace ? ChangeType.REPLACE : ChangeType.APPEND;
      return new V1Write() {
        @Override
        public InsertableRelation toInsertableRelation() {
          return (data, overwrite) -> {
            Map<String, String> o = new LinkedHashMap<>();
            o.put(HabaneroOptions.DATASET_ID, datasetId);
            for (HabaneroSettings.Key k : HabaneroSettings.Key.values()) {
              if (settings.get(k) != null) {
                o.put(k.key(), settings.get(k));
              }
            }
            HabaneroOptions options = HabaneroOptions.parse(data.sparkSession(), o);
            FrameWrites.write(
                data.sparkSession(), options, overwrite ? ChangeType.REPLACE : type, false, data);
          };
        }
      };
    }
  }
}
