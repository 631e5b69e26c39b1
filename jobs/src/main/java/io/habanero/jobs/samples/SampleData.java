package io.habanero.jobs.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Deterministic sample vendor files for demos and tests: trades (CSV), quotes (JSON lines),
 * reference data (Parquet) and corporate actions (XML, row tag {@code action}). The same seed and
 * size always give byte-identical text files.
 *
 * <p>{@code SampleData <dir> [rows]} writes:
 *
 * <ul>
 *   <li>{@code trades/part-1.csv} and {@code trades/part-2.csv}: trades 1..rows and rows+1..2*rows;
 *   <li>{@code trades/part-1-corrected.csv}: part 1 with corrected prices and quantities, for a
 *       MODIFY of the changeset that loaded part 1;
 *   <li>{@code trades/restated.csv}: a restatement of the whole book, for a REPLACE;
 *   <li>{@code quotes/quotes.jsonl}, {@code reference/} (Parquet) and {@code
 *       corporate-actions/actions.xml}.
 * </ul>
 */
public final class SampleData {
  /** The seed of every generated file. */
  public static final long SEED = 20210503L;

  /** The trades CSV header, in column order. */
  public static final String TRADES_HEADER =
      "trade_id,symbol,side,quantity,price,trade_ts,venue,currency,trader_id,settle_date";

  static final String[] SYMBOLS = {"AAPL", "MSFT", "AMZN", "JPM", "GS", "XOM", "NVDA", "BRK.B"};
  private static final String[] VENUES = {"XNYS", "XNAS", "BATS", "IEXG", "ARCX"};
  private static final String[] TRADERS = {"T001", "T002", "T003", "T004"};
  private static final LocalDateTime SESSION_OPEN = LocalDateTime.of(2024, 3, 15, 13, 30);
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);

  private SampleData() {}

  /**
   * Writes all samples into {@code dir}.
   *
   * @param args {@code <dir> [rows]}; rows per trades part, default 50
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: SampleData <dir> [rows per trades file, default 50]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    writeTextSamples(dir, rows);
    SparkSession spark =
        SparkSession.builder()
            .appName("habanero-samples")
            .master(System.getProperty("spark.master", "local[2]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate();
    try {
      spark.sparkContext().setLogLevel("WARN");
      writeReferenceParquet(spark, dir.resolve("reference"));
    } finally {
      spark.stop();
    }
    System.out.println("Wrote sample data to " + dir.toAbsolutePath());
  }

  /** Writes every text sample (all but the Parquet reference data) into {@code dir}. */
  public static void writeTextSamples(Path dir, int rows) throws IOException {
    Path trades = Files.createDirectories(dir.resolve("trades"));
    Files.writeString(trades.resolve("part-1.csv"), tradesCsv(1, rows, SEED));
    Files.writeString(trades.resolve("part-2.csv"), tradesCsv(rows + 1, rows, SEED + 1));
    Files.writeString(trades.resolve("part-1-corrected.csv"), tradesCsv(1, rows, SEED + 100));
    Files.writeString(trades.resolve("restated.csv"), tradesCsv(1, rows + rows / 2, SEED + 200));
    Path quotes = Files.createDirectories(dir.resolve("quotes"));
    Files.writeString(quotes.resolve("quotes.jsonl"), quotesJsonLines(rows, SEED));
    Path actions = Files.createDirectories(dir.resolve("corporate-actions"));
    Files.writeString(
        actions.resolve("actions.xml"), corporateActionsXml(Math.max(1, rows / 5), SEED));
  }

  /**
   * Trades as CSV with a header: {@value #TRADES_HEADER}. Prices have 4 decimals and timestamps
   * microseconds.
   *
   * @param firstId the first trade_id
   * @param rows how many trades
   * @param seed the random seed
   */
  public static String tradesCsv(int firstId, int rows, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder(TRADES_HEADER).append('\n');
    for (int i = 0; i < rows; i++) {
      LocalDateTime ts =
          SESSION_OPEN.plusNanos((long) i * 1_000_000_000L + r.nextInt(1_000_000) * 1_000L);
      sb.append(firstId + i)
          .append(',')
          .append(pick(r, SYMBOLS))
          .append(',')
          .append(r.nextBoolean() ? "BUY" : "SELL")
          .append(',')
          .append((1 + r.nextInt(50)) * 100)
          .append(',')
          .append(price(r, 20, 900))
          .append(',')
          .append(MICROS.format(ts))
          .append(',')
          .append(pick(r, VENUES))
          .append(",USD,")
          .append(pick(r, TRADERS))
          .append(',')
          .append(LocalDate.from(ts).plusDays(2))
          .append('\n');
    }
    return sb.toString();
  }

  /** Quotes as JSON lines: symbol, bid, ask, sizes and a microsecond quote_ts. */
  public static String quotesJsonLines(int rows, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      BigDecimal bid = price(r, 20, 900);
      BigDecimal ask =
          bid.add(new BigDecimal("0.0100").multiply(BigDecimal.valueOf(1 + r.nextInt(5))));
      LocalDateTime ts = SESSION_OPEN.plusNanos(i * 250_000_000L + r.nextInt(1_000) * 1_000L);
      sb.append(
          String.format(
              Locale.ROOT,
              "{\"quote_id\":%d,\"symbol\":\"%s\",\"bid\":%s,\"ask\":%s,\"bid_size\":%d,"
                  + "\"ask_size\":%d,\"quote_ts\":\"%s\",\"venue\":\"%s\"}%n",
              i + 1,
              pick(r, SYMBOLS),
              bid.toPlainString(),
              ask.toPlainString(),
              (1 + r.nextInt(20)) * 100,
              (1 + r.nextInt(20)) * 100,
              MICROS.format(ts),
              pick(r, VENUES)));
    }
    return sb.toString();
  }

  /**
   * Corporate actions as XML, one {@code <action>} per record with a nested {@code <terms>}
   * element: {@code <action id="CA1"><symbol/><type/><exDate/><terms><ratio/><amount
   * currency="USD"/></terms></action>}.
   */
  public static String corporateActionsXml(int rows, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<actions>\n");
    for (int i = 0; i < rows; i++) {
      boolean dividend = r.nextInt(3) > 0;
      sb.append("  <action id=\"CA")
          .append(i + 1)
          .append("\">\n")
          .append("    <symbol>")
          .append(xml(pick(r, SYMBOLS)))
          .append("</symbol>\n")
          .append("    <type>")
          .append(dividend ? "DIVIDEND" : "SPLIT")
          .append("</type>\n")
          .append("    <exDate>")
          .append(LocalDate.of(2024, 4, 1).plusDays(r.nextInt(60)))
          .append("</exDate>\n")
          .append("    <terms>\n")
          .append("      <ratio>")
          .append(dividend ? "1:1" : (2 + r.nextInt(3)) + ":1")
          .append("</ratio>\n")
          .append("      <amount currency=\"USD\">")
          .append(dividend ? price(r, 0, 3).toPlainString() : "0.0000")
          .append("</amount>\n")
          .append("    </terms>\n")
          .append("  </action>\n");
    }
    return sb.append("</actions>\n").toString();
  }

  /** The reference data (one row per symbol) as rows: symbol, name, isin, lot_size, active. */
  public static List<Row> referenceRows() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < SYMBOLS.length; i++) {
      rows.add(
          RowFactory.create(
              SYMBOLS[i],
              "Company " + SYMBOLS[i],
              String.format(Locale.ROOT, "US%09d%d", 100_000 + i * 7919, i % 10),
              100,
              i != SYMBOLS.length - 1));
    }
    return rows;
  }

  /** Writes {@link #referenceRows()} as Parquet into {@code dir}, replacing it. */
  public static void writeReferenceParquet(SparkSession spark, Path dir) {
    StructType schema =
        new StructType()
            .add("symbol", DataTypes.StringType, false)
            .add("name", DataTypes.StringType, false)
            .add("isin", DataTypes.StringType, false)
            .add("lot_size", DataTypes.IntegerType, false)
            .add("active", DataTypes.BooleanType, false);
    spark
        .createDataFrame(referenceRows(), schema)
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(dir.toAbsolutePath().toString());
    // Spark's bookkeeping files are not data; a source prefix should hold only data files.
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("_") || name.startsWith(".")) {
          Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static BigDecimal price(Random r, int min, int max) {
    return BigDecimal.valueOf(min + r.nextDouble() * (max - min)).setScale(4, RoundingMode.HALF_UP);
  }

  private static String pick(Random r, String[] values) {
    return values[r.nextInt(values.length)];
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;");
  }
}
