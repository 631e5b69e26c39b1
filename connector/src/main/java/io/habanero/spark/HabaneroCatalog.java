package io.habanero.spark;

import io.habanero.HabaneroSettings;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.internal.Ids;
import io.habanero.model.TimeTravel;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The {@code habanero} SQL catalog: each dataset of the environment is a table.
 *
 * <pre>
 * spark.sql.catalog.habanero=io.habanero.spark.HabaneroCatalog
 * spark.sql.catalog.habanero.warehouse=/data/habanero-warehouse   (optional; any settings key)
 *
 * SHOW TABLES IN habanero
 * SELECT * FROM habanero.trades [VERSION AS OF 3 | VERSION AS OF '&lt;changesetId&gt;'
 *                                | TIMESTAMP AS OF '2026-11-25 10:00:00']
 * INSERT INTO habanero.trades SELECT ...        -- an APPEND changeset
 * INSERT OVERWRITE habanero.trades SELECT ...   -- a REPLACE changeset
 * DESCRIBE habanero.trades
 * </pre>
 *
 * Settings come from the catalog's options ({@code spark.sql.catalog.habanero.<key>}), then the
 * session's {@code spark.habanero.<key>}, then defaults. Datasets are created by their first
 * changeset (a write or the CLI), not by CREATE TABLE.
 */
public final class HabaneroCatalog implements TableCatalog {
  private String name = "habanero";
  private Map<String, String> options = Map.of();

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
    Map<String, String> settings = new LinkedHashMap<>();
    for (HabaneroSettings.Key k : HabaneroSettings.Key.values()) {
      String v = options.get(k.key());
      if (v != null) {
        settings.put(k.key(), v);
      }
    }
    this.options = settings;
  }

  @Override
  public String name() {
    return name;
  }

  HabaneroSettings settings() {
    return HabaneroSettings.resolve(SparkSession.active(), options);
  }

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    checkNamespace(namespace);
    SparkSession spark = SparkSession.active();
    List<Identifier> out = new ArrayList<>();
    for (String id : DatasetReads.habanero(spark, settings()).listDatasets()) {
      out.add(Identifier.of(new String[0], id));
    }
    return out.toArray(new Identifier[0]);
  }

  private void checkNamespace(String[] namespace) throws NoSuchNamespaceException {
    if (namespace.length != 0) {
      throw new NoSuchNamespaceException(namespace);
    }
  }

  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    return load(ident, new TimeTravel.Latest());
  }

  /** {@code VERSION AS OF n} reads Delta version n; {@code VERSION AS OF '<id>'} a changeset. */
  @Override
  public Table loadTable(Identifier ident, String version) throws NoSuchTableException {
    String v = version.trim();
    if (v.matches("\\d+")) {
      return load(ident, new TimeTravel.AtVersion(Long.parseLong(v)));
    }
    return load(ident, new TimeTravel.AtChangeset(Ids.check("VERSION AS OF", v)));
  }

  /** {@code TIMESTAMP AS OF}: the latest version committed at or before the timestamp. */
  @Override
  public Table loadTable(Identifier ident, long timestampMicros) throws NoSuchTableException {
    Instant at = Instant.ofEpochSecond(0, timestampMicros * 1000L);
    String ts =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
            .withZone(ZoneOffset.UTC)
            .format(at);
    // Delta parses timestampAsOf in the session time zone; pass an explicit UTC instant.
    return load(ident, new TimeTravel.AtTimestamp(ts + "Z"));
  }

  private Table load(Identifier ident, TimeTravel at) throws NoSuchTableException {
    if (ident.namespace().length != 0 || !Ids.isValid(ident.name())) {
      throw new NoSuchTableException(ident);
    }
    HabaneroSettings settings = settings();
    StructType schema;
    try {
      schema = DatasetReads.schema(SparkSession.active(), settings, ident.name(), at);
    } catch (ResourceNotFoundException e) {
      if (at instanceof TimeTravel.Latest) {
        throw new NoSuchTableException(ident);
      }
      throw e;
    }
    return new HabaneroTable(name, ident.name(), settings, at, schema);
  }

  @Override
  public boolean tableExists(Identifier ident) {
    try {
      loadTable(ident);
      return true;
    } catch (NoSuchTableException e) {
      return false;
    }
  }

  @Override
  public Table createTable(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    throw unsupported("CREATE TABLE");
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw unsupported("ALTER TABLE");
  }

  @Override
  public boolean dropTable(Identifier ident) {
    throw unsupported("DROP TABLE");
  }

  @Override
  public void renameTable(Identifier oldIdent, Identifier newIdent) {
    throw unsupported("RENAME TABLE");
  }

  private static UnsupportedOperationException unsupported(String what) {
    return new UnsupportedOperationException(
        what
            + " is not supported by the habanero catalog: a dataset is created by its first"
            + " changeset and keeps its full history. Fix: create the dataset with"
            + " df.write.format(\"habanero\").option(\"datasetId\", ...) or the CLI's"
            + " create-changeset; then INSERT INTO / INSERT OVERWRITE habanero.<datasetId> add"
            + " APPEND / REPLACE changesets.");
  }
}
