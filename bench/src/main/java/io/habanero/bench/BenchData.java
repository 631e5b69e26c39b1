package io.habanero.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Deterministic benchmark data, generated from a seed with Spark's own hash function, so every run
 * (and every machine) ingests the same bytes.
 */
final class BenchData {
  static final String TRADES_SCHEMA =
      "trade_id BIGINT, symbol STRING, side STRING, quantity INT, price DECIMAL(18,4),"
          + " trade_ts TIMESTAMP, venue STRING, trader_id INT, settle_date DATE, order_ref STRING";
  static final String QUOTES_SCHEMA =
      "quote_id BIGINT, symbol STRING, bid DOUBLE, ask DOUBLE, bid_size INT, ask_size INT,"
          + " quote_ts TIMESTAMP, exchange STRING";
  static final String ACTIONS_SCHEMA =
      "action_id BIGINT, symbol STRING, action_type STRING, ex_date DATE,"
          + " details STRUCT<ratio: DOUBLE, currency: STRING, amount: DOUBLE>";
  static final String TS_FORMAT = "yyyy-MM-dd HH:mm:ss.SSSSSS";

  private BenchData() {}

  static Dataset<Row> trades(SparkSession spark, long start, long rows, int seed) {
    return spark
        .range(start, start + rows)
        .selectExpr(
            "id AS trade_id",
            "element_at(array('AAPL','MSFT','GOOG','AMZN','META','NVDA','JPM','GS','MS','BAC',"
                + "'XOM','CVX','PFE','KO','PEP','WMT','DIS','IBM','ORCL','INTC'),"
                + " cast(pmod(hash(id, "
                + seed
                + "), 20) AS INT) + 1) AS symbol",
            "IF(pmod(hash(id, " + (seed + 1) + "), 2) = 0, 'BUY', 'SELL') AS side",
            "cast(pmod(hash(id, " + (seed + 2) + "), 10000) + 1 AS INT) AS quantity",
            "cast(pmod(hash(id, "
                + (seed + 3)
                + "), 10000000) / 10000.0 + 1 AS DECIMAL(18,4)) AS price",
            "timestamp_micros(1767225600000000 + id * 1000 + pmod(hash(id, "
                + (seed + 4)
                + "), 1000)) AS trade_ts",
            "element_at(array('XNYS','XNAS','BATS','IEXG'), cast(pmod(hash(id, "
                + (seed + 5)
                + "), 4) AS INT) + 1) AS venue",
            "cast(pmod(hash(id, " + (seed + 6) + "), 500) AS INT) AS trader_id",
            "date_add(date'2026-01-02', cast(pmod(hash(id, "
                + (seed + 7)
                + "), 3) AS INT)) AS settle_date",
            "concat('ord-', cast(pmod(hash(id, "
                + (seed + 8)
                + "), 1000000) AS STRING)) AS order_ref");
  }

  static Dataset<Row> quotes(SparkSession spark, long rows, int seed) {
    return spark
        .range(rows)
        .selectExpr(
            "id AS quote_id",
            "concat('SYM', cast(pmod(hash(id, " + seed + "), 200) AS STRING)) AS symbol",
            "round(pmod(hash(id, " + (seed + 1) + "), 100000) / 100.0, 2) AS bid",
            "round(pmod(hash(id, " + (seed + 1) + "), 100000) / 100.0 + 0.01, 2) AS ask",
            "cast(pmod(hash(id, " + (seed + 2) + "), 5000) AS INT) AS bid_size",
            "cast(pmod(hash(id, " + (seed + 3) + "), 5000) AS INT) AS ask_size",
            "timestamp_micros(1767225600000000 + id * 250) AS quote_ts",
            "element_at(array('XNYS','XNAS','BATS'), cast(pmod(hash(id, "
                + (seed + 4)
                + "), 3) AS INT) + 1) AS exchange");
  }

  static Dataset<Row> actions(SparkSession spark, long rows, int seed) {
    return spark
        .range(rows)
        .selectExpr(
            "id AS action_id",
            "concat('SYM', cast(pmod(hash(id, " + seed + "), 200) AS STRING)) AS symbol",
            "element_at(array('DIVIDEND','SPLIT','MERGER'), cast(pmod(hash(id, "
                + (seed + 1)
                + "), 3) AS INT) + 1) AS action_type",
            "date_add(date'2026-01-02', cast(pmod(hash(id, "
                + (seed + 2)
                + "), 365) AS INT)) AS ex_date",
            "named_struct('ratio', round(pmod(hash(id, "
                + (seed + 3)
                + "), 1000) / 100.0, 2),"
                + " 'currency', 'USD', 'amount', round(pmod(hash(id, "
                + (seed + 4)
                + "), 100000) / 100.0, 2)) AS details");
  }

  /** Writes each format of the scenario data once into {@code dir}, unless already there. */
  static void ensure(SparkSession spark, Path dir, long rows, int seed) throws IOException {
    Path done = dir.resolve("_COMPLETE");
    if (Files.exists(done)) {
      return;
    }
    deleteTree(dir);
    Files.createDirectories(dir);
    trades(spark, 0, rows, seed)
        .repartition(4)
        .write()
        .option("header", "true")
        .option("timestampFormat", TS_FORMAT)
        .csv(dir.resolve("trades-csv").toString());
    quotes(spark, rows, seed)
        .repartition(4)
        .write()
        .option("timestampFormat", TS_FORMAT)
        .json(dir.resolve("quotes-json").toString());
    spark
        .read()
        .option("header", "true")
        .option("timestampFormat", TS_FORMAT)
        .schema(TRADES_SCHEMA)
        .csv(dir.resolve("trades-csv").toString())
        .repartition(4)
        .write()
        .parquet(dir.resolve("reference-parquet").toString());
    actions(spark, Math.max(1000, rows / 4), seed)
        .repartition(4)
        .write()
        .format("xml")
        .option("rowTag", "action")
        .option("rootTag", "actions")
        .save(dir.resolve("actions-xml").toString());
    // A small changeset of a few MB, and a replacement batch for REPLACE.
    trades(spark, 10_000_000L, Math.max(1000, 25_000), seed)
        .coalesce(1)
        .write()
        .option("header", "true")
        .option("timestampFormat", TS_FORMAT)
        .csv(dir.resolve("small-csv").toString());
    Files.writeString(done, "rows=" + rows + " seed=" + seed + "\n", StandardCharsets.UTF_8);
  }

  /** Writes {@code files} small CSV files of about 2 KB each (a small-file storm). */
  static void ensureStorm(SparkSession spark, Path dir, int files, int seed) throws IOException {
    Path done = dir.resolve("_COMPLETE");
    if (Files.exists(done)) {
      return;
    }
    deleteTree(dir);
    Files.createDirectories(dir);
    int rowsPerFile = 18;
    java.util.List<Row> rows =
        trades(spark, 20_000_000L, (long) files * rowsPerFile, seed)
            .selectExpr(
                "concat_ws(',', trade_id, symbol, side, quantity, price,"
                    + " date_format(trade_ts, '"
                    + TS_FORMAT
                    + "'), venue, trader_id, settle_date,"
                    + " order_ref) AS line")
            .collectAsList();
    String header =
        "trade_id,symbol,side,quantity,price,trade_ts,venue,trader_id,settle_date,order_ref\n";
    for (int f = 0; f < files; f++) {
      StringBuilder sb = new StringBuilder(header);
      for (int r = 0; r < rowsPerFile; r++) {
        sb.append(rows.get(f * rowsPerFile + r).getString(0)).append('\n');
      }
      Files.writeString(dir.resolve(String.format("part-%05d.csv", f)), sb, StandardCharsets.UTF_8);
    }
    Files.writeString(done, "files=" + files + "\n", StandardCharsets.UTF_8);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static void overwriteParquet(Dataset<Row> df, Path dir) {
    df.write().mode(SaveMode.Overwrite).parquet(dir.toString());
  }
}
