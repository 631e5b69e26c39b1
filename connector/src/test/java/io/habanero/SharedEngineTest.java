package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.errors.HabaneroException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ErrorCategory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Habanero per SparkSession and settings: the data source and the catalog share it, queries
 * create no threads, and it is released when the session stops. The test stops its own session, so
 * it runs in the plain-session JVM (see the connector pom), never on the suite's shared one.
 * Surefire runs that JVM's classes one after another, and PlainSessionTest builds its session only
 * when none exists, so the order of the two does not matter.
 */
@Tag("plain-session")
class SharedEngineTest {
  @TempDir Path tmp;

  private static int habaneroThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("habanero-"))
            .count();
  }

  @Test
  void oneHabaneroPerSessionAndSettingsSharedByQueriesAndReleasedWhenTheSessionStops() {
    // The plain-session JVM's session if PlainSessionTest ran first (it is done with it), else a
    // new one; either way this test stops it last.
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("habanero-shared-engine")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.catalog.habanero", "io.habanero.spark.HabaneroCatalog")
            .getOrCreate();
    try {
      String wh = tmp.resolve("wh").toString();
      spark.conf().set("spark.habanero.warehouse", wh);
      HabaneroSettings settings = HabaneroSettings.resolve(spark, Map.of());
      Habanero shared = Habanero.forSession(spark, settings);
      assertThat(Habanero.forSession(spark, HabaneroSettings.resolve(spark, Map.of())))
          .isSameAs(shared);
      assertThat(
              Habanero.forSession(
                  spark, HabaneroSettings.resolve(spark, Map.of("warehouse", wh + "-other"))))
          .isNotSameAs(shared);
      assertThat(Habanero.forSession(spark.newSession(), settings)).isNotSameAs(shared);

      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        rows.add(RowFactory.create(i, "n" + i));
      }
      StructType schema =
          new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType);
      spark
          .createDataFrame(rows, schema)
          .write()
          .format("habanero")
          .option("datasetId", "t")
          .save();
      // The write went through the shared instance: it lists the dataset without reopening.
      assertThat(shared.listDatasets()).containsExactly("t");

      int before = habaneroThreads();
      for (int i = 0; i < 20; i++) {
        assertThat(
                spark
                    .read()
                    .format("habanero")
                    .option("datasetId", "t")
                    .load()
                    .where("id = " + i)
                    .collectAsList())
            .extracting(r -> r.getString(1))
            .containsExactly("n" + i);
        assertThat(spark.sql("SELECT count(*) FROM habanero.t").first().getLong(0)).isEqualTo(50);
      }
      // No thread per query: the JVM's changeset threads are all there is (at most the pool's
      // idle workers and the ticker, which the write started).
      assertThat(habaneroThreads()).isLessThanOrEqualTo(Math.max(before, 2));

      // A shared instance is not closed by its users, only by the session's end.
      shared.close();
      assertThat(shared.listDatasets()).containsExactly("t");

      spark.stop();
      assertThatThrownBy(() -> Habanero.forSession(spark, settings))
          .isInstanceOf(ValidationException.class)
          .satisfies(
              e ->
                  assertThat(((HabaneroException) e).category())
                      .isEqualTo(ErrorCategory.VALIDATION))
          .hasMessageContaining("SparkContext has stopped")
          .hasMessageContaining("Fix: build a new session");
    } finally {
      spark.stop();
    }
  }
}
