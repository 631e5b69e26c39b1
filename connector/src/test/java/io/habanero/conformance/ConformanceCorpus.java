package io.habanero.conformance;

import io.habanero.model.FormatType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The conformance corpus: small source files in every dialect and edge case that the test resources
 * of peer projects exercise (Spark's CSV/JSON/Parquet suites, spark-xml's resources,
 * apache/parquet-testing), written from scratch here. None of the peers' files is copied.
 *
 * <p>Each file (or directory) comes with its {@link Case}: the Habanero request (formatType and
 * FinSpace formatParams, as DESIGN.md names them), the plain-Spark reader options that mean the
 * same thing, written out by hand rather than derived from Habanero's mapping, and the expected
 * outcome. Each case's {@code why} says what it tells right from wrong.
 *
 * <p>Habanero's documented defaults, spelled as plain-Spark options: CSV {@code header=true},
 * {@code sep=,}, {@code quote="}, {@code escape="} (the quote char, RFC 4180), {@code
 * inferSchema=true}, {@code encoding=UTF-8}; every text format reads FAILFAST, because Habanero
 * fails a changeset on malformed records, so the plain read must not paper over one either.
 */
public final class ConformanceCorpus {
  /** What a case expects of Habanero. */
  public enum Expect {
    /** SUCCESS, and the dataset equals plain Spark's read: columns, types, rows (at least one). */
    MATCH,
    /** SUCCESS with zero rows, and the dataset's columns and types equal plain Spark's. */
    MATCH_EMPTY,
    /** FAILED (or refused at create) with category VALIDATION and every message fragment. */
    VALIDATION
  }

  /**
   * One corpus entry.
   *
   * @param name the source's path below the corpus root, also the test's display name
   * @param format Habanero's formatType
   * @param params Habanero's formatParams (FinSpace keys)
   * @param sparkFormat plain Spark's data source name
   * @param sparkOptions plain Spark's reader options, or null when plain Spark is not compared
   * @param sparkSource what plain Spark reads, below the corpus root (usually {@code name})
   * @param sparkPost what plain Spark does after reading (identity unless the request selects)
   * @param expect the expected outcome
   * @param fragments for VALIDATION: strings the error message must contain (case-insensitive)
   * @param why what the case tells right from wrong
   */
  public record Case(
      String name,
      FormatType format,
      Map<String, String> params,
      String sparkFormat,
      Map<String, String> sparkOptions,
      String sparkSource,
      UnaryOperator<Dataset<Row>> sparkPost,
      Expect expect,
      List<String> fragments,
      String why) {
    @Override
    public String toString() {
      return name;
    }

    /** A dataset id (letters, digits, '-', '_'; at most 26 chars) unique to this case. */
    public String datasetId(int index) {
      String slug = name.replaceAll("[^A-Za-z0-9]+", "_");
      String id = String.format("c%02d_%s", index, slug);
      return id.length() > 26 ? id.substring(0, 26) : id;
    }
  }

  private final Path root;
  private final SparkSession spark;
  private final List<Case> cases = new ArrayList<>();

  private ConformanceCorpus(Path root, SparkSession spark) {
    this.root = root;
    this.spark = spark;
  }

  /** Writes the corpus below {@code root} and returns its cases, in a fixed order. */
  public static List<Case> write(Path root, SparkSession spark) {
    ConformanceCorpus c = new ConformanceCorpus(root, spark);
    c.csv();
    c.json();
    c.xml();
    c.parquet();
    return List.copyOf(c.cases);
  }

  /** The corpus's files on disk, for the size check (every file, data or reference). */
  public static long countFiles(Path root) {
    try (var s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> !p.getFileName().toString().startsWith("_"))
          .filter(p -> !p.toString().contains("/reference/"))
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Case builder

  private final class Builder {
    private final String name;
    private final FormatType format;
    private final Map<String, String> params = new LinkedHashMap<>();
    private final Map<String, String> spark = new LinkedHashMap<>();
    private String sparkSource;
    private UnaryOperator<Dataset<Row>> post = UnaryOperator.identity();
    private boolean compareSpark = true;

    Builder(String name, FormatType format) {
      this.name = name;
      this.format = format;
      this.sparkSource = name;
      // Habanero's defaults, written out as plain Spark options (see the class comment).
      switch (format) {
        case CSV -> {
          spark.put("header", "true");
          spark.put("sep", ",");
          spark.put("quote", "\"");
          spark.put("escape", "\"");
          spark.put("inferSchema", "true");
          spark.put("encoding", "UTF-8");
          spark.put("mode", "FAILFAST");
        }
        case JSON, XML -> spark.put("mode", "FAILFAST");
        case PARQUET -> {}
      }
    }

    /** Habanero formatParams, as key/value pairs. */
    Builder params(String... kv) {
      for (int i = 0; i < kv.length; i += 2) {
        params.put(kv[i], kv[i + 1]);
      }
      return this;
    }

    /** Plain Spark options, as key/value pairs, on top of the defaults. */
    Builder spark(String... kv) {
      for (int i = 0; i < kv.length; i += 2) {
        spark.put(kv[i], kv[i + 1]);
      }
      return this;
    }

    Builder sparkSource(String s) {
      sparkSource = s;
      return this;
    }

    Builder post(UnaryOperator<Dataset<Row>> p) {
      post = p;
      return this;
    }

    /** No plain-Spark read at all (the file is not even readable by Spark). */
    Builder noSpark() {
      compareSpark = false;
      return this;
    }

    private void add(Expect e, List<String> fragments, String why) {
      String sparkName =
          switch (format) {
            case CSV -> "csv";
            case JSON -> "json";
            case PARQUET -> "parquet";
            case XML -> "xml";
          };
      cases.add(
          new Case(
              name,
              format,
              Map.copyOf(params),
              sparkName,
              compareSpark ? Map.copyOf(spark) : null,
              sparkSource,
              post,
              e,
              fragments,
              why));
    }

    void match(String why) {
      add(Expect.MATCH, List.of(), why);
    }

    void matchEmpty(String why) {
      add(Expect.MATCH_EMPTY, List.of(), why);
    }

    /**
     * VALIDATION. For these the plain-Spark options are the PERMISSIVE read that Spark would do,
     * and the test checks that plain Spark really reads the file without complaint: that is what
     * makes Habanero stricter, not merely equally unable.
     */
    void validation(String why, String... fragments) {
      spark.put("mode", "PERMISSIVE");
      add(Expect.VALIDATION, List.of(fragments), why);
    }
  }

  private Builder csvCase(String name) {
    return new Builder(name, FormatType.CSV);
  }

  private Builder jsonCase(String name) {
    return new Builder(name, FormatType.JSON);
  }

  private Builder xmlCase(String name, String rowTag) {
    Builder b = new Builder(name, FormatType.XML);
    b.params("rowTag", rowTag);
    b.spark("rowTag", rowTag);
    return b;
  }

  private Builder parquetCase(String name) {
    return new Builder(name, FormatType.PARQUET);
  }

  // ---------------------------------------------------------------------------------------------
  // File helpers

  private Path path(String rel) {
    Path p = root.resolve(rel);
    try {
      Files.createDirectories(p.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  private void bytes(String rel, byte[] content) {
    try {
      Files.write(path(rel), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void text(String rel, String content) {
    bytes(rel, content.getBytes(StandardCharsets.UTF_8));
  }

  private void text(String rel, String content, Charset cs) {
    bytes(rel, content.getBytes(cs));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private void gzip(String rel, String content) {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(path(rel)))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void bzip2(String rel, String content) {
    BZip2Codec codec = new BZip2Codec();
    codec.setConf(new Configuration());
    try (OutputStream out = codec.createOutputStream(Files.newOutputStream(path(rel)))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // CSV

  private void csv() {
    text(
        "csv/basic.csv",
        """
        id,symbol,price,qty
        1,AAPL,189.5,100
        2,MSFT,411.25,-20
        3,BRK.B,402.0,7
        """);
    csvCase("csv/basic.csv")
        .match(
            "The baseline: header, inferred int/string/double columns. Any mapping error in the"
                + " defaults (header, separator, inference) shows here first.");

    text(
        "csv/rfc4180-doubled-quotes.csv",
        "id,quote,note\n"
            + "1,\"He says \"\"hi\"\"\",plain\n"
            + "2,\"\"\"quoted at both ends\"\"\",x\n"
            + "3,\"a \"\"b\"\", c\",\"\"\"\"\n");
    csvCase("csv/rfc4180-doubled-quotes.csv")
        .match(
            "RFC 4180 / Excel / pandas quoting: a doubled quote inside a quoted field is one"
                + " literal quote. Only escape=\" reads 'He says \"hi\"'; Spark's own default"
                + " escape (backslash) keeps the doubled quotes or splits the field, so a"
                + " Habanero that does not default escaper to the quote char differs.");

    text(
        "csv/backslash-escaped.csv",
        "id,text\n" + "1,\"say \\\"hi\\\"\"\n" + "2,\"path C:\\\\tmp, ok\"\n" + "3,plain\n");
    csvCase("csv/backslash-escaped.csv")
        .params("escaper", "\\")
        .spark("escape", "\\")
        .match(
            "escaper=\\ (Unix-style escaping, Spark's own default): \\\" is a literal quote. Tells"
                + " that escaper reaches Spark's escape option; with the default (\") the"
                + " backslashes would stay in the values.");

    text(
        "csv/quoted-separators.csv",
        """
        id,name,city
        1,"Smith, John","London, UK"
        2,"O'Brien, Tim",Paris
        3,Plain,"Zürich"
        """);
    csvCase("csv/quoted-separators.csv")
        .match(
            "Separators inside quoted fields stay in the value: 3 columns, not 5. A reader"
                + " without quote handling would see extra tokens.");

    text(
        "csv/multiline-quoted.csv",
        "id,comment,qty\n"
            + "1,\"first line\nsecond line\",10\n"
            + "2,\"one line\",20\n"
            + "3,\"a\n\nb (blank line inside)\",30\n");
    csvCase("csv/multiline-quoted.csv")
        .params("multiLine", "true")
        .spark("multiLine", "true")
        .match(
            "multiLine=true: newlines inside quoted fields belong to the value (3 rows, not"
                + " 5). Tells that multiLine reaches Spark.");

    bytes(
        "csv/multiline-crlf.csv",
        ("id,comment\r\n" + "1,\"line one\r\nline two\"\r\n" + "2,\"single\"\r\n" + "3,last\r\n")
            .getBytes(StandardCharsets.UTF_8));
    csvCase("csv/multiline-crlf.csv")
        .params("multiLine", "true")
        .spark("multiLine", "true")
        .match(
            "Windows line endings with multiLine=true, and a CRLF inside a quoted field: the"
                + " record separator must not leave a stray \\r at the end of the last column.");

    bytes(
        "csv/crlf.csv",
        ("id,symbol,price\r\n1,AAPL,1.5\r\n2,MSFT,2.5\r\n3,IBM,3.5\r\n")
            .getBytes(StandardCharsets.UTF_8));
    csvCase("csv/crlf.csv")
        .match(
            "CRLF line endings (Spark's cars-crlf): the last column is a double, not a string"
                + " with a trailing \\r.");

    text("csv/tab-separated.tsv", "id\tname\tprice\n1\tAlpha\t1.25\n2\tBeta, Inc.\t2.5\n");
    csvCase("csv/tab-separated.tsv")
        .params("separator", "\t")
        .spark("sep", "\t")
        .match(
            "Tab separator (Spark's cars.tsv), with a comma inside a value: only sep=\\t gives 3"
                + " columns.");

    text(
        "csv/pipe-single-quote.csv",
        "year|make|comment\n" + "2012|'Tesla'|'No | comment'\n" + "1997|Ford|'it''s fast'\n");
    csvCase("csv/pipe-single-quote.csv")
        .params("separator", "|", "quoteChar", "'")
        .spark("sep", "|", "quote", "'", "escape", "'")
        .match(
            "Pipe separator with single quotes (Spark's cars-alternative): the quoted pipe stays"
                + " in the value, and the default escaper follows quoteChar, so '' is one '.");

    text(
        "csv/semicolon-decimal-comma.csv",
        "Datum;Betrag;Wahrung\n15.03.2024;1.234,56;EUR\n16.03.2024;-7,5;CHF\n");
    csvCase("csv/semicolon-decimal-comma.csv")
        .params("separator", ";")
        .spark("sep", ";")
        .match(
            "European export: ';' separator and decimal commas. The amounts must stay strings"
                + " (exactly as Spark reads them), never be split at the comma.");

    text(
        "csv/latin1-thorn-separator.csv",
        "annéeþmarqueþmodèle\n2012þRenaultþZoé\n1997þCitroënþXsara\n",
        StandardCharsets.ISO_8859_1);
    csvCase("csv/latin1-thorn-separator.csv")
        .params("encoding", "ISO-8859-1", "separator", "þ")
        .spark("encoding", "ISO-8859-1", "sep", "þ")
        .match(
            "ISO-8859-1 file with a non-ASCII separator (Spark's cars_iso-8859-1): the þ byte"
                + " (0xFE) splits the columns only when the file is decoded as declared, and é/ë"
                + " survive. Tells that encoding reaches Spark for CSV.");

    text(
        "csv/windows-1252.csv",
        "id,name,amount\n1,“Smart” quotes,€100\n2,Café–bar,€2\n",
        Charset.forName("windows-1252"));
    csvCase("csv/windows-1252.csv")
        .params("encoding", "windows-1252")
        .spark("encoding", "windows-1252")
        .match(
            "windows-1252 bytes 0x80 (€), 0x93/0x94 (curly quotes) and 0x96 (en dash), which"
                + " ISO-8859-1 maps to control characters: only the declared charset gives €.");

    bytes(
        "csv/utf8-bom.csv",
        concat(UTF8_BOM, "id,name\n1,Ärger\n2,Øre\n".getBytes(StandardCharsets.UTF_8)));
    csvCase("csv/utf8-bom.csv")
        .match(
            "UTF-8 with a byte-order mark (Excel's 'CSV UTF-8'). Spark 3.5 drops the BOM, so the"
                + " first column is 'id'; a reader that decodes the bytes itself, or keeps the"
                + " BOM, names it '\\uFEFFid' and the column lists differ.");

    text("csv/utf16-bom.csv", "id,name\n1,日本\n2,Ελλάδα\n", StandardCharsets.UTF_16);
    csvCase("csv/utf16-bom.csv")
        .params("encoding", "UTF-16", "multiLine", "true")
        .spark("encoding", "UTF-16", "multiLine", "true")
        .match(
            "UTF-16 (big-endian with BOM, as Java writes it), declared: every other byte is 0,"
                + " so nothing but the declared decoding yields the names and CJK/Greek values.");

    text("csv/latin1-undeclared.csv", "id,name\n1,Zoé\n2,Café\n", StandardCharsets.ISO_8859_1);
    csvCase("csv/latin1-undeclared.csv")
        .validation(
            "A Latin-1 file read as the default UTF-8: 0xE9 is not valid UTF-8. Spark stores"
                + " U+FFFD silently; Habanero must fail, name the file and point at encoding.",
            "latin1-undeclared.csv",
            "encoding");

    text(
        "csv/comments.csv",
        "# exported 2024-03-15\nid,symbol,px\n1,AAPL,1.5\n# a comment between rows\n"
            + "2,MSFT,2.5\n#3,IBM,3.5\n4,ORCL,4.5\n# comment on the last line, no newline");
    csvCase("csv/comments.csv")
        .params("comment", "#")
        .spark("comment", "#")
        .match(
            "comment=# (Spark's comments.csv): comment lines before the header, between rows and"
                + " as the unterminated last line are skipped; '#3,IBM' is a comment, not a row."
                + " Without it the header would be '# exported 2024-03-15'.");

    text(
        "csv/null-value.csv",
        """
        id,price,note
        1,NA,first
        2,2.5,NA
        3,,empty
        """);
    csvCase("csv/null-value.csv")
        .params("nullValue", "NA")
        .spark("nullValue", "NA")
        .match(
            "nullValue=NA (Spark's cars-null): 'NA' is null, so price infers as a double; without"
                + " the option it would be a string column.");

    text(
        "csv/empty-vs-quoted-empty.csv",
        """
        id,a,b,c
        1,,"",x
        2,"",,y
        3,z,"",
        """);
    csvCase("csv/empty-vs-quoted-empty.csv")
        .match(
            "Empty unquoted vs quoted-empty fields (Spark's cars-empty-value, emptystring.csv):"
                + " whatever Spark makes of them (null or \"\"), Habanero must make the same.");

    text(
        "csv/quote-disabled.csv",
        """
        id,size,label
        1,5" screen,"quoted"
        2,12",'single'
        """);
    csvCase("csv/quote-disabled.csv")
        .params("quoteChar", "-1")
        .spark("quote", "")
        .match(
            "quoteChar=-1 disables quoting (Spark: quote=\"\"): the inch marks and the quotes"
                + " around \"quoted\" stay in the values; with quoting on, '5\" screen' would"
                + " open a quoted field.");

    text(
        "csv/finance-headers.csv",
        """
        "Trade Date",Ticker,"Current Price","P/E (ttm)","Exch;Venue","Qty=Lots","{note}"
        2024-03-15,AAPL,189.5,29.1,XNAS,100,a
        2024-03-15,SAP,180.25,,XETR,5,b
        """);
    csvCase("csv/finance-headers.csv")
        .match(
            "Vendor headers with spaces and ,;{}()= (Delta's forbidden characters). DESIGN:"
                + " kept exactly (Delta column mapping), never an internal error; plain Spark"
                + " reads them as given.");

    text("csv/unicode-headers.csv", "Währung,数量,Größe,Δ\nEUR,10,1.5,x\nJPY,20,2.5,y\n");
    csvCase("csv/unicode-headers.csv")
        .match("Non-ASCII column names (umlauts, CJK, Greek) are kept as the source gives them.");

    text("csv/header-case/a.csv", "Symbol,Price\nAAPL,1.5\nMSFT,2.5\nORCL,3.5\n");
    text("csv/header-case/b.csv", "SYMBOL,PRICE\nIBM,4.5\n");
    csvCase("csv/header-case")
        .match(
            "Two files whose headers differ only in case: Spark (case-insensitive) takes the"
                + " columns from one header and reads both files' rows; Habanero must not drop"
                + " or misalign the second file.");

    gzip("csv/gzip.csv.gz", "id,symbol\n1,AAPL\n2,MSFT\n");
    csvCase("csv/gzip.csv.gz")
        .params("compression", "gzip")
        .match("gzip-compressed CSV with compression=gzip: read through Hadoop's codec.");

    bzip2("csv/bzip2.csv.bz2", "id,symbol\n1,AAPL\n2,MSFT\n3,IBM\n");
    csvCase("csv/bzip2.csv.bz2")
        .params("compression", "bzip2")
        .match("bzip2-compressed CSV with compression=bzip2.");

    text("csv/partitioned/year=2024/region=EU/part-0.csv", "id,symbol\n1,SAP\n2,ASML\n");
    text("csv/partitioned/year=2024/region=US/part-0.csv", "id,symbol\n3,AAPL\n");
    text("csv/partitioned/year=2025/region=US/part-0.csv", "id,symbol\n4,MSFT\n");
    csvCase("csv/partitioned")
        .match(
            "Partition folders year=/region=: Spark's reader adds year (int) and region"
                + " (string) columns. DESIGN: a directory written with partition folders keeps"
                + " those columns.");

    text(
        "csv/custom-date-formats.csv",
        """
        id,trade_date,ts
        1,15/03/2024,15/03/2024 10:30:00
        2,01/12/2023,01/12/2023 23:59:59
        """);
    csvCase("csv/custom-date-formats.csv")
        .params("dateFormat", "dd/MM/yyyy", "timestampFormat", "dd/MM/yyyy HH:mm:ss")
        .spark("dateFormat", "dd/MM/yyyy", "timestampFormat", "dd/MM/yyyy HH:mm:ss")
        .match(
            "dateFormat/timestampFormat: day-first dates infer as date/timestamp only with the"
                + " formats; otherwise they stay strings.");

    text(
        "csv/iso-dates.csv",
        """
        id,d,ts
        1,2024-03-15,2024-03-15T10:30:00.123Z
        2,1999-12-31,1999-12-31T23:59:59Z
        """);
    csvCase("csv/iso-dates.csv")
        .match("ISO-8601 dates and timestamps with the default formats: inferred like Spark.");

    text(
        "csv/decimals.csv",
        """
        big,long,dbl
        1,1,0.1
        1,9223372036854775807,1.0
        92233720368547758070,1,1.5E10
        """);
    csvCase("csv/decimals.csv")
        .match(
            "Numbers past long (Spark's decimal.csv): 92233720368547758070 infers decimal(20,0),"
                + " Long.MAX stays a long, exponents make a double. A lossy cast shows in the rows.");

    text(
        "csv/booleans.csv",
        """
        id,flag,maybe
        1,true,True
        2,FALSE,
        3,false,yes
        """);
    csvCase("csv/booleans.csv")
        .match(
            "Booleans in any case (Spark's bool.csv) infer as boolean; 'yes' makes its column a"
                + " string.");

    String longValue = "x".repeat(150_000);
    text("csv/long-field.csv", "id,blob\n1," + longValue + "\n2,\"short\"\n");
    csvCase("csv/long-field.csv")
        .match(
            "A 150,000-character field: univocity's default column limit (4096) must not apply"
                + " (Spark sets maxCharsPerColumn=-1).");

    text("csv/skip-first.csv", "id,symbol,px\n0,XXXX,0.0\n1,AAPL,1.5\n2,MSFT,2.5\n");
    text("reference/skip-first.csv", "id,symbol,px\n1,AAPL,1.5\n2,MSFT,2.5\n");
    csvCase("csv/skip-first.csv")
        .params("skipFirst", "true")
        .sparkSource("reference/skip-first.csv")
        .match(
            "skipFirst=true drops the first data row (DESIGN). Spark has no such option, so the"
                + " reference is the file without that row (same types either way).");

    text("csv/no-header.csv", "1,AAPL,1.5\n2,MSFT,2.5\n");
    csvCase("csv/no-header.csv")
        .params("withHeader", "false")
        .spark("header", "false")
        .match("withHeader=false: columns _c0.._c2 and the first line is data (2 rows).");

    text("csv/unescaped-quotes.csv", "a,b,c\n\"x\"y,ccc,ddd\nab,cc\"c,ddd\"\n");
    csvCase("csv/unescaped-quotes.csv")
        .match(
            "Quotes in the middle of unquoted fields (Spark's unescaped-quotes.csv): read the"
                + " way Spark's default unescapedQuoteHandling does, without failing.");

    text(
        "csv/whitespace.csv",
        "id,name,qty\n1,  padded  , 10\n2,\"  quoted pad  \",20 \n\n\n3,x,30\n\n");
    csvCase("csv/whitespace.csv")
        .match(
            "Leading/trailing blanks and blank lines: blank lines are skipped, spaces are kept"
                + " or trimmed exactly as Spark does (ignoreLeading/TrailingWhiteSpace defaults).");

    text(
        "csv/mixed-types.csv",
        """
        a,b,c
        1,1,x
        2.5,2,2
        3,three,
        """);
    csvCase("csv/mixed-types.csv")
        .match(
            "Mixed columns (Spark's mixed-types1.csv): int+double widens to double, int+text is"
                + " a string; every file value survives.");

    text("csv/short-row.csv", "year,make,model\n2012,Tesla,S\n2015,Chevy\n1997,Ford,E350\n");
    csvCase("csv/short-row.csv")
        .validation(
            "A row with fewer tokens than the header. Spark PERMISSIVE pads it with null;"
                + " Habanero refuses, naming the file and quoting the record.",
            "short-row.csv",
            "2015,Chevy");

    text(
        "csv/extra-tokens.csv",
        "year,make,model\n2012,Tesla,S\n1997,Ford,E350,Go get one,,\n2015,Chevy,Volt\n");
    csvCase("csv/extra-tokens.csv")
        .validation(
            "A row with more tokens than the header (Spark's cars-malformed). Spark PERMISSIVE"
                + " drops the extra tokens silently; Habanero refuses, naming file and record.",
            "extra-tokens.csv",
            "1997,Ford,E350,Go get one");

    text("csv/header-only.csv", "id,symbol,price\n");
    csvCase("csv/header-only.csv")
        .validation(
            "A header-only CSV as a first changeset without a declared schema: no row can fix"
                + " the column types (all would be strings). DESIGN: VALIDATION, needs schema.",
            "header-only.csv",
            "schema");
  }

  // ---------------------------------------------------------------------------------------------
  // JSON

  private void json() {
    text(
        "json/lines.json",
        """
        {"id": 1, "symbol": "AAPL", "px": 189.5, "ts": "2024-03-15T10:30:00Z", "ok": true}
        {"id": 2, "symbol": "MSFT", "px": 411, "ts": "2024-03-15T10:31:00Z", "ok": false}
        {"id": 3, "symbol": "IBM", "px": 180.25, "ts": null, "ok": null}
        """);
    jsonCase("json/lines.json")
        .match(
            "JSON Lines, the default: one record per line, int/double widening to double,"
                + " timestamps kept as strings (Spark does not infer them by default).");

    text(
        "json/array-multiline.json",
        """
        [
          {"id": 1, "name": "Alpha"},
          {"id": 2,
           "name": "Beta"},
          {"id": 3, "name": "Gamma"}
        ]
        """);
    jsonCase("json/array-multiline.json")
        .params("multiLine", "true")
        .spark("multiLine", "true")
        .match(
            "A top-level array spread over lines with multiLine=true: one row per element."
                + " Line mode would fail on '[' and the split objects.");

    text(
        "json/pretty-document.json",
        """
        {
          "id": 7,
          "issuer": {
            "name": "ACME Corp",
            "lei": "5493001KJTIIGC8Y1R12"
          },
          "coupons": [2.5, 2.75]
        }
        """);
    jsonCase("json/pretty-document.json")
        .params("multiLine", "true")
        .spark("multiLine", "true")
        .match("One pretty-printed document with multiLine=true: exactly one row.");

    text(
        "json/nested-objects.json",
        """
        {"id": 1, "issuer": {"name": "ACME", "rating": {"sp": "AA", "moody": "Aa2"}}}
        {"id": 2, "issuer": {"name": "Globex", "rating": {"sp": "BBB"}}}
        {"id": 3, "issuer": {"name": "Initech"}}
        """);
    jsonCase("json/nested-objects.json")
        .match(
            "Nested objects become nested structs, missing nested fields null; compared as"
                + " struct<...> catalog strings.");

    text(
        "json/array-of-structs.json",
        """
        {"id": 1, "fills": [{"px": 1.5, "qty": 100}, {"px": 1.6, "qty": 50}]}
        {"id": 2, "fills": [{"px": 2.5, "qty": 10}]}
        {"id": 3, "fills": []}
        """);
    jsonCase("json/array-of-structs.json")
        .match(
            "Arrays of structs (Spark's with-array-fields.json), including an empty array:"
                + " array<struct<px:double,qty:bigint>>, order of elements kept.");

    text(
        "json/mixed-types.json",
        """
        {"a": 1, "b": "text", "c": 1}
        {"a": 2.5, "b": 2, "c": [1, 2]}
        {"a": null, "d": {"x": 1}}
        """);
    jsonCase("json/mixed-types.json")
        .match(
            "Conflicting types across records: int+double widens to double, string+int to"
                + " string, int+array to string (Spark's rule), missing fields null.");

    text(
        "json/nulls.json",
        """
        {"id": 1, "always_null": null, "sometimes": null}
        {"id": 2, "always_null": null, "sometimes": "x"}
        {"id": 3}
        """);
    jsonCase("json/nulls.json")
        .match(
            "A column that is null in every record (Spark infers string) and a sometimes-null"
                + " one; Delta must store the all-null column rather than drop it.");

    text(
        "json/unicode-escapes.json",
        """
        {"id": 1, "s": "caf\\u00e9 \\u20ac5 \\ud83d\\ude00"}
        {"id": 2, "s": "quote \\" backslash \\\\ slash \\/ tab\\tnewline\\n"}
        {"id": 3, "s": "raw UTF-8: Zoë 日本"}
        """);
    jsonCase("json/unicode-escapes.json")
        .match(
            "\\u escapes including a surrogate pair (emoji), \\\" \\\\ \\/ \\t \\n escapes, and"
                + " raw UTF-8: decoded exactly once.");

    text(
        "json/utf16-bom.json",
        "[{\"first\": \"Chris\", \"last\": \"Baird\"},\n{\"first\": \"Zoë\", \"last\": \"Åberg\"}]\n",
        StandardCharsets.UTF_16);
    jsonCase("json/utf16-bom.json")
        .params("encoding", "UTF-16", "multiLine", "true")
        .spark("encoding", "UTF-16", "multiLine", "true")
        .match(
            "UTF-16 with BOM (Spark's utf16WithBOM.json), declared, multiLine: every other byte"
                + " is 0, so only the declared encoding parses.");

    bytes(
        "json/utf32-bom.json",
        concat(
            new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF},
            "[{\"id\": 1, \"name\": \"Ünal\"}, {\"id\": 2, \"name\": \"東京\"}]"
                .getBytes(Charset.forName("UTF-32BE"))));
    jsonCase("json/utf32-bom.json")
        .params("encoding", "UTF-32", "multiLine", "true")
        .spark("encoding", "UTF-32", "multiLine", "true")
        .match("UTF-32 big-endian with BOM (Spark's utf32BEWithBOM.json), declared.");

    bytes(
        "json/utf8-bom.json",
        concat(
            UTF8_BOM,
            "{\"id\": 1, \"name\": \"Ärger\"}\n{\"id\": 2, \"name\": \"Øre\"}\n"
                .getBytes(StandardCharsets.UTF_8)));
    jsonCase("json/utf8-bom.json")
        .match(
            "JSON Lines with a UTF-8 BOM: Jackson skips the BOM, so the first record is a record"
                + " and not a malformed line.");

    text(
        "json/latin1-undeclared.json",
        "{\"id\": 1, \"name\": \"Zoé\"}\n",
        StandardCharsets.ISO_8859_1);
    jsonCase("json/latin1-undeclared.json")
        .validation(
            "Latin-1 bytes read as the default UTF-8 (Spark's malformed_utf8.json): Habanero"
                + " fails naming the file and pointing at encoding.",
            "latin1-undeclared.json",
            "encoding");

    gzip("json/gzip.json.gz", "{\"id\": 1, \"v\": \"a\"}\n{\"id\": 2, \"v\": \"b\"}\n");
    jsonCase("json/gzip.json.gz")
        .params("compression", "gzip")
        .match("gzip-compressed JSON Lines with compression=gzip.");

    text("json/partitioned/date=2024-03-15/part-0.json", "{\"id\": 1}\n{\"id\": 2}\n");
    text("json/partitioned/date=2024-03-16/part-0.json", "{\"id\": 3}\n");
    jsonCase("json/partitioned")
        .match(
            "Partition folders date=YYYY-MM-DD: Spark adds a date column (inferred as date)."
                + " DESIGN: kept, as Spark's reader does.");

    text(
        "json/jsonpath.json",
        """
        {"meta": {"vendor": "X"},
         "data": {"trades": [
           {"id": 1, "px": 1.5},
           {"id": 2, "px": 2.5},
           {"id": 3, "px": 3.5}
         ]}}
        """);
    jsonCase("json/jsonpath.json")
        .params("multiLine", "true", "jsonPath", "$.data.trades[*]")
        .spark("multiLine", "true")
        .post(df -> df.selectExpr("explode(data.trades) AS r").selectExpr("r.*"))
        .match(
            "jsonPath=$.data.trades[*] selects the record objects of an envelope document; plain"
                + " Spark gets there with explode(data.trades). Three rows, not one.");

    text(
        "json/top-level-array-lines.json",
        "[{\"id\": 1}, {\"id\": 2}]\n{\"id\": 3}\n[{\"id\": 4}]\n");
    jsonCase("json/top-level-array-lines.json")
        .match(
            "In line mode, a line holding a JSON array yields one record per element (Spark's"
                + " rule), mixed with plain object lines: 4 rows.");

    text(
        "json/big-numbers.json",
        """
        {"big": 92233720368547758070, "long": 9223372036854775807, "dbl": 1e-5}
        {"big": 1, "long": 1, "dbl": 0.1}
        """);
    jsonCase("json/big-numbers.json")
        .match(
            "Integers past long infer as decimal(20,0), Long.MAX as bigint, exponents as double;"
                + " no precision lost on the way through Delta.");

    text(
        "json/nested-arrays.json",
        """
        {"id": 1, "m": [[1, 2], [3]], "o": {"k": "v"}, "e": []}
        {"id": 2, "m": [], "o": {}, "e": [null]}
        {"id": 3, "m": [[]], "o": {"k": null, "k2": 5}, "e": ["x"]}
        """);
    jsonCase("json/nested-arrays.json")
        .match(
            "Arrays of arrays, empty arrays and empty objects mixed with full ones: inferred as"
                + " array<array<bigint>> and a merged struct; empties are not nulls.");

    text(
        "json/concatenated-documents.json",
        """
        {"id": 1,
         "name": "first"}
        {"id": 2,
         "name": "second"}
        """);
    jsonCase("json/concatenated-documents.json")
        .params("multiLine", "true")
        .spark("multiLine", "true")
        .validation(
            "multiLine=true on several concatenated top-level documents: Spark silently reads"
                + " only the first. Habanero refuses, naming the file, rather than drop rows.",
            "concatenated-documents.json");

    text(
        "json/malformed-line.json",
        "{\"id\": 1, \"name\": \"ok\"}\n{\"id\": 2, \"name\": \"broken\"\n{\"id\": 3, \"name\": \"ok\"}\n");
    jsonCase("json/malformed-line.json")
        .validation(
            "An unterminated record in JSON Lines. Spark PERMISSIVE nulls it (or keeps it in"
                + " _corrupt_record); Habanero fails, naming the file and quoting the line.",
            "malformed-line.json",
            "\"broken\"");
  }

  // ---------------------------------------------------------------------------------------------
  // XML

  private void xml() {
    text(
        "xml/books.xml",
        """
        <?xml version="1.0"?>
        <catalog>
          <book id="bk101">
            <author>Gambardella, Matthew</author>
            <title>XML Developer's Guide</title>
            <price>44.95</price>
            <publish_date>2000-10-01</publish_date>
          </book>
          <book id="bk102">
            <author>Ralls, Kim</author>
            <title>Midnight Rain</title>
            <price>5.95</price>
            <publish_date>2000-12-16</publish_date>
          </book>
        </catalog>
        """);
    xmlCase("xml/books.xml", "book")
        .match(
            "rowTag=book with an id attribute (→ _id, spark-xml's default attributePrefix) and"
                + " child elements; inferred types as spark-xml infers them.");

    text(
        "xml/attribute-prefix.xml",
        """
        <trades>
          <trade id="1" venue="XNAS"><px>1.5</px></trade>
          <trade id="2" venue="XLON"><px>2.5</px></trade>
        </trades>
        """);
    xmlCase("xml/attribute-prefix.xml", "trade")
        .params("attributePrefix", "attr_")
        .spark("attributePrefix", "attr_")
        .match("attributePrefix=attr_: attributes become attr_id/attr_venue, not _id/_venue.");

    text(
        "xml/value-tag.xml",
        """
        <rows>
          <row><id index="1">1</id><price currency="USD">5.95</price></row>
          <row><id index="3">2</id><price currency="EUR">4.5</price></row>
          <row><id index="5">3</id><price>7</price></row>
        </rows>
        """);
    xmlCase("xml/value-tag.xml", "row")
        .params("valueTag", "amount")
        .spark("valueTag", "amount")
        .match(
            "Elements with attributes and text (spark-xml's ages-attribute): the text goes to"
                + " the valueTag field (amount), the attribute to _currency; one row without"
                + " the attribute.");

    text(
        "xml/namespaces.xml",
        """
        <?xml version="1.0"?>
        <catalog xmlns:abc="urn:abc" xmlns:def="urn:def">
          <book id="bk101"><abc:author>Gambardella</abc:author></book>
          <book id="bk102"><def:author>Ralls</def:author></book>
          <book id="bk103"><author>Corets</author></book>
        </catalog>
        """);
    xmlCase("xml/namespaces.xml", "book")
        .match(
            "Namespace-prefixed child elements (spark-xml's books-namespaces): the columns keep"
                + " their prefixes as spark-xml gives them.");

    text(
        "xml/default-namespace.xml",
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <RDF xmlns:r="http://www.w3.org/TR/RDF/" xmlns="http://dmoz.org/rdf/">
          <!-- generated -->
          <Topic r:id="Top/Arts"><catid>1</catid></Topic>
          <Topic r:id="Top/Business"><catid>2</catid></Topic>
        </RDF>
        """);
    xmlCase("xml/default-namespace.xml", "Topic")
        .match(
            "A default namespace on the root and a prefixed attribute (spark-xml's"
                + " topics-namespaces): rows still found by their local rowTag.");

    text(
        "xml/cdata.xml",
        """
        <items>
          <item><id>1</id><desc><![CDATA[Bonds & <notes> "quoted"]]></desc><f><![CDATA[]]></f></item>
          <item><id>2</id><desc><![CDATA[line1
        line2]]></desc><f>x</f></item>
        </items>
        """);
    xmlCase("xml/cdata.xml", "item")
        .match(
            "CDATA sections (spark-xml's cdata.xml): markup characters and a newline kept"
                + " verbatim, and an empty CDATA.");

    text(
        "xml/nested-repeated.xml",
        """
        <catalog>
          <book id="1">
            <genre><id>1</id><name>Computer</name></genre>
            <publish_dates>
              <publish_date><year>2000</year><month>10</month></publish_date>
            </publish_dates>
            <tag>a</tag><tag>b</tag>
          </book>
          <book id="2">
            <genre><id>2</id><name>Fantasy</name></genre>
            <publish_dates>
              <publish_date><year>2000</year><month>12</month></publish_date>
              <publish_date tag="latest"><year>2001</year><month>1</month></publish_date>
            </publish_dates>
            <tag>c</tag>
          </book>
        </catalog>
        """);
    xmlCase("xml/nested-repeated.xml", "book")
        .match(
            "Nested structs and repeated elements (spark-xml's books-complicated): repeated"
                + " <tag> and <publish_date> become arrays even in the row where they occur once.");

    text(
        "xml/empty-elements.xml",
        """
        <rows>
          <row><a>1</a><b></b><c/><d>x</d></row>
          <row><a>2</a><b>y</b><c>z</c><d></d></row>
        </rows>
        """);
    xmlCase("xml/empty-elements.xml", "row")
        .params("treatEmptyValuesAsNulls", "true")
        .spark("treatEmptyValuesAsNulls", "true")
        .match("Empty and self-closed elements with treatEmptyValuesAsNulls=true: null, not \"\".");

    text(
        "xml/surrounding-spaces.xml",
        """
        <rows>
          <row><name>  Alice  </name><qty> 10 </qty></row>
          <row><name>
              Bob
            </name><qty>20</qty></row>
        </rows>
        """);
    xmlCase("xml/surrounding-spaces.xml", "row")
        .params("ignoreSurroundingSpaces", "true")
        .spark("ignoreSurroundingSpaces", "true")
        .match(
            "ignoreSurroundingSpaces=true: values trimmed, so qty infers as a number; with the"
                + " default the padding would stay.");

    text(
        "xml/latin1.xml",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<cars>\n"
            + "<car><make>Citroën</make><model>Xsara Picasso</model></car>\n"
            + "<car><make>Renault</make><model>Zoé</model></car>\n</cars>\n",
        StandardCharsets.ISO_8859_1);
    xmlCase("xml/latin1.xml", "car")
        .params("encoding", "ISO-8859-1")
        .spark("charset", "ISO-8859-1")
        .match(
            "ISO-8859-1 XML (spark-xml's cars_iso-8859-1) with encoding declared: Habanero's"
                + " encoding must reach spark-xml's own option, charset; otherwise ë/é are"
                + " mangled.");

    text(
        "xml/latin1-undeclared.xml",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<cars>\n"
            + "<car><make>Citroën</make></car>\n</cars>\n",
        StandardCharsets.ISO_8859_1);
    xmlCase("xml/latin1-undeclared.xml", "car")
        .validation(
            "Latin-1 bytes read with the default UTF-8 (no encoding param): spark-xml stores"
                + " U+FFFD; Habanero fails naming the file and pointing at encoding.",
            "latin1-undeclared.xml",
            "encoding");

    text(
        "xml/self-closing-rows.xml",
        """
        <trades>
          <trade id="1" px="10.5" side="B"/>
          <trade id="2" px="11" side="S"/>
          <trade id="3" px="9.75" side="B"></trade>
        </trades>
        """);
    xmlCase("xml/self-closing-rows.xml", "trade")
        .match("Self-closing rows that carry only attributes: 3 rows of _id/_px/_side.");

    gzip(
        "xml/gzip.xml.gz",
        "<rows><row><id>1</id><v>a</v></row><row><id>2</id><v>b</v></row></rows>\n");
    xmlCase("xml/gzip.xml.gz", "row")
        .params("compression", "gzip")
        .match("gzip-compressed XML with compression=gzip.");

    text(
        "xml/exclude-attribute.xml",
        """
        <rows>
          <row kind="a"><id>1</id><v unit="kg">2.5</v></row>
          <row kind="b"><id>2</id><v>3</v></row>
        </rows>
        """);
    xmlCase("xml/exclude-attribute.xml", "row")
        .params("excludeAttribute", "true")
        .spark("excludeAttribute", "true")
        .match("excludeAttribute=true: no _kind/_unit columns; v is a plain value.");

    text(
        "xml/null-value.xml",
        """
        <rows>
          <row><id>1</id><px>N/A</px></row>
          <row><id>2</id><px>2.5</px></row>
        </rows>
        """);
    xmlCase("xml/null-value.xml", "row")
        .params("nullValue", "N/A")
        .spark("nullValue", "N/A")
        .match("nullValue=N/A: px is null in row 1 and a double column, not a string.");

    text(
        "xml/comments-pi.xml",
        """
        <?xml version="1.0"?>
        <!-- header comment -->
        <rows>
          <row><!-- inside --><id>1</id><?pi ignore?><v>a</v></row>
          <row><id>2</id><v>b<!-- in text --></v></row>
        </rows>
        """);
    xmlCase("xml/comments-pi.xml", "row")
        .match("XML comments and processing instructions inside rows are not data.");

    text(
        "xml/timestamps.xml",
        """
        <rows>
          <row><id>1</id><ts>15/03/2024 10:30:00</ts><d>15/03/2024</d></row>
          <row><id>2</id><ts>01/12/2023 23:59:59</ts><d>01/12/2023</d></row>
        </rows>
        """);
    xmlCase("xml/timestamps.xml", "row")
        .params("timestampFormat", "dd/MM/yyyy HH:mm:ss", "dateFormat", "dd/MM/yyyy")
        .spark("timestampFormat", "dd/MM/yyyy HH:mm:ss", "dateFormat", "dd/MM/yyyy")
        .match("timestampFormat/dateFormat reach spark-xml's inference.");

    text(
        "xml/malformed.xml",
        """
        <rows>
          <row><id>1</id><v>a</v></row>
          <row><id>2</id><v>b</row>
          <row><id>3</id><v>c</v></row>
        </rows>
        """);
    xmlCase("xml/malformed.xml", "row")
        .validation(
            "An unclosed element inside a row (spark-xml's cars-malformed). spark-xml PERMISSIVE"
                + " nulls the row; Habanero fails, naming the file.",
            "malformed.xml");
  }

  // ---------------------------------------------------------------------------------------------
  // Parquet

  private void sparkParquet(String rel, Dataset<Row> df, String codec) {
    df.coalesce(1)
        .write()
        .option("compression", codec)
        .mode("overwrite")
        .parquet(root.resolve(rel).toString());
  }

  private void lowLevel(
      String rel,
      MessageType schema,
      CompressionCodecName codec,
      boolean dictionary,
      ParquetProperties.WriterVersion version,
      Consumer<List<Group>> rows) {
    List<Group> groups = new ArrayList<>();
    rows.accept(groups);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(path(rel).toUri()))
            .withType(schema)
            .withConf(new Configuration())
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dictionary)
            .withWriterVersion(version)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (Group g : groups) {
        w.write(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void lowLevel(String rel, MessageType schema, Consumer<List<Group>> rows) {
    lowLevel(
        rel,
        schema,
        CompressionCodecName.UNCOMPRESSED,
        false,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        rows);
  }

  /** INT96: nanoseconds of the day (8 bytes LE) then the Julian day (4 bytes LE). */
  private static Binary int96(Instant t) {
    long epochDay = Math.floorDiv(t.getEpochSecond(), 86_400L);
    long nanosOfDay = (t.getEpochSecond() - epochDay * 86_400L) * 1_000_000_000L + t.getNano();
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(nanosOfDay);
    b.putInt((int) (epochDay + 2_440_588L));
    return Binary.fromConstantByteArray(b.array());
  }

  /** A decimal's unscaled value, big-endian two's complement, sign-extended to {@code len}. */
  private static Binary fixedDecimal(String value, int scale, int len) {
    byte[] raw = new BigDecimal(value).setScale(scale).unscaledValue().toByteArray();
    byte[] out = new byte[len];
    byte pad = (byte) (raw[0] < 0 ? 0xFF : 0);
    Arrays.fill(out, 0, len - raw.length, pad);
    System.arraycopy(raw, 0, out, len - raw.length, raw.length);
    return Binary.fromConstantByteArray(out);
  }

  private static Binary varDecimal(String value, int scale) {
    return Binary.fromConstantByteArray(
        new BigDecimal(value).setScale(scale).unscaledValue().toByteArray());
  }

  private static MessageType parse(String s) {
    return MessageTypeParser.parseMessageType(s);
  }

  private void parquet() {
    StructType flat =
        new StructType()
            .add("i", DataTypes.IntegerType)
            .add("l", DataTypes.LongType)
            .add("s", DataTypes.ShortType)
            .add("b", DataTypes.ByteType)
            .add("f", DataTypes.FloatType)
            .add("d", DataTypes.DoubleType)
            .add("dec", DataTypes.createDecimalType(10, 2))
            .add("wide", DataTypes.createDecimalType(38, 10))
            .add("str", DataTypes.StringType)
            .add("flag", DataTypes.BooleanType)
            .add("day", DataTypes.DateType)
            .add("ts", DataTypes.TimestampType)
            .add("bin", DataTypes.BinaryType);
    Dataset<Row> flatRows =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    1,
                    9_000_000_000L,
                    (short) 7,
                    (byte) -3,
                    1.25f,
                    2.5,
                    new BigDecimal("12345678.91"),
                    new BigDecimal("1234567890123456789012345678.0123456789"),
                    "Zoë",
                    true,
                    Date.valueOf("2024-03-15"),
                    Timestamp.from(Instant.parse("2024-03-15T10:30:00.123456Z")),
                    new byte[] {0, 1, (byte) 0xFF}),
                RowFactory.create(
                    2,
                    -1L,
                    (short) 0,
                    (byte) 0,
                    0f,
                    -0.5,
                    new BigDecimal("-0.01"),
                    new BigDecimal("0E-10"),
                    "",
                    false,
                    Date.valueOf("1970-01-01"),
                    Timestamp.from(Instant.parse("1999-12-31T23:59:59Z")),
                    new byte[0]),
                RowFactory.create(
                    3, null, null, null, null, null, null, null, null, null, null, null, null)),
            flat);
    sparkParquet("parquet/spark-snappy", flatRows, "snappy");
    parquetCase("parquet/spark-snappy")
        .match(
            "Spark-written Parquet with every flat type (byte..decimal(38,10), date, timestamp,"
                + " binary) and nulls, snappy: the types must survive Delta unchanged.");

    sparkParquet("parquet/spark-zstd", flatRows, "zstd");
    parquetCase("parquet/spark-zstd")
        .params("compression", "zstd")
        .match(
            "The same data, zstd codec, with formatParams.compression=zstd given: a Parquet"
                + " codec is inside the file, so the key must not demand a .zst file name.");

    Dataset<Row> nested =
        spark.sql(
            "SELECT 1 AS id, named_struct('name', 'ACME', 'rating', named_struct('sp', 'AA'))"
                + " AS issuer, array(named_struct('px', 1.5D, 'qty', 100L)) AS fills,"
                + " map('a', 1, 'b', 2) AS attrs, array(array(1, 2), array(3)) AS grid,"
                + " array('x', null) AS tags"
                + " UNION ALL SELECT 2, named_struct('name', 'Globex', 'rating', null),"
                + " array(), map(), array(array()), null");
    sparkParquet("parquet/spark-nested", nested, "snappy");
    parquetCase("parquet/spark-nested")
        .match(
            "Spark-written nested data: struct in struct, array<struct>, map<string,int>,"
                + " array<array<int>>, arrays with null elements, empty arrays/maps, null struct"
                + " fields.");

    Dataset<Row> parts =
        spark.sql(
            "SELECT * FROM VALUES (1, 'SAP', 'EU', 2024), (2, 'AAPL', 'US', 2024),"
                + " (3, 'MSFT', 'US', 2025) AS t(id, symbol, region, year)");
    parts
        .write()
        .partitionBy("region", "year")
        .mode("overwrite")
        .parquet(root.resolve("parquet/partitioned").toString());
    parquetCase("parquet/partitioned")
        .match(
            "Written with partitionBy(region, year): the values live only in the folder names."
                + " Spark's reader restores region and year; DESIGN says Habanero keeps them.");

    Dataset<Row> ntz =
        spark.sql(
            "SELECT 1 AS id, TIMESTAMP_NTZ'2024-03-15 10:30:00' AS local_ts"
                + " UNION ALL SELECT 2, TIMESTAMP_NTZ'1999-12-31 23:59:59.999999'");
    sparkParquet("parquet/spark-timestamp-ntz", ntz, "snappy");
    parquetCase("parquet/spark-timestamp-ntz")
        .match(
            "TIMESTAMP_NTZ (isAdjustedToUTC=false): Spark reads timestamp_ntz; Delta needs its"
                + " timestampNtz table feature, and the wall-clock values must not shift.");

    lowLevel(
        "parquet/int96.parquet",
        parse("message m { required int32 id; optional int96 ts; }"),
        rows -> {
          SimpleGroupFactory f =
              new SimpleGroupFactory(parse("message m { required int32 id; optional int96 ts; }"));
          rows.add(
              f.newGroup()
                  .append("id", 1)
                  .append("ts", int96(Instant.parse("2024-03-15T10:30:00.123456Z"))));
          rows.add(
              f.newGroup()
                  .append("id", 2)
                  .append("ts", int96(Instant.parse("1970-01-01T00:00:00Z"))));
          rows.add(f.newGroup().append("id", 3));
        });
    parquetCase("parquet/int96.parquet")
        .match(
            "INT96 timestamps (Impala/Hive/old Spark; parquet-testing's int96_from_spark):"
                + " read as timestamp with microseconds intact.");

    String decimals =
        "message m { required int32 id; optional int32 d9 (DECIMAL(9,2));"
            + " optional int64 d18 (DECIMAL(18,4));"
            + " optional fixed_len_byte_array(16) d38 (DECIMAL(38,10));"
            + " optional binary dbin (DECIMAL(20,2)); }";
    lowLevel(
        "parquet/decimal-physical.parquet",
        parse(decimals),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(decimals));
          rows.add(
              f.newGroup()
                  .append("id", 1)
                  .append("d9", 1234567)
                  .append("d18", 123456789012345678L)
                  .append("d38", fixedDecimal("1234567890123456789012345678.0123456789", 10, 16))
                  .append("dbin", varDecimal("123456789012345678.91", 2)));
          rows.add(
              f.newGroup()
                  .append("id", 2)
                  .append("d9", -1)
                  .append("d18", -5L)
                  .append("d38", fixedDecimal("-0.0000000001", 10, 16))
                  .append("dbin", varDecimal("-0.01", 2)));
          rows.add(f.newGroup().append("id", 3));
        });
    parquetCase("parquet/decimal-physical.parquet")
        .match(
            "DECIMAL on each physical type (parquet-testing's int32_decimal, int64_decimal,"
                + " fixed_length_decimal, byte_array_decimal), negatives included: same"
                + " precision/scale and unscaled values after Delta.");

    String times =
        "message m { required int32 id; optional int32 day (DATE);"
            + " optional int64 ms (TIMESTAMP(MILLIS,true));"
            + " optional int64 us (TIMESTAMP(MICROS,true));"
            + " optional int64 legacy_ms (TIMESTAMP_MILLIS); }";
    lowLevel(
        "parquet/dates-timestamps.parquet",
        parse(times),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(times));
          long ms = Instant.parse("2024-03-15T10:30:00.123Z").toEpochMilli();
          rows.add(
              f.newGroup()
                  .append("id", 1)
                  .append("day", (int) LocalDate.parse("2024-03-15").toEpochDay())
                  .append("ms", ms)
                  .append("us", ms * 1000 + 456)
                  .append("legacy_ms", ms));
          rows.add(
              f.newGroup()
                  .append("id", 2)
                  .append("day", -1)
                  .append("ms", 0L)
                  .append("us", -1L)
                  .append("legacy_ms", 1L));
          rows.add(f.newGroup().append("id", 3));
        });
    parquetCase("parquet/dates-timestamps.parquet")
        .match(
            "DATE, TIMESTAMP(MILLIS), TIMESTAMP(MICROS) and the legacy TIMESTAMP_MILLIS"
                + " converted type, including values before 1970.");

    String ntzLow =
        "message m { required int32 id; optional int64 local_us (TIMESTAMP(MICROS,false)); }";
    lowLevel(
        "parquet/timestamp-local.parquet",
        parse(ntzLow),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(ntzLow));
          long us =
              LocalDateTime.parse("2024-03-15T10:30:00.654321")
                          .toEpochSecond(java.time.ZoneOffset.UTC)
                      * 1_000_000L
                  + 654_321L;
          rows.add(f.newGroup().append("id", 1).append("local_us", us));
          rows.add(f.newGroup().append("id", 2));
        });
    parquetCase("parquet/timestamp-local.parquet")
        .match(
            "TIMESTAMP(MICROS, isAdjustedToUTC=false) written by a non-Spark writer: Spark reads"
                + " timestamp_ntz; the value must keep its wall-clock time.");

    String lists =
        "message m { required int32 id;"
            + " optional group standard (LIST) { repeated group list { optional binary element"
            + " (STRING); } }"
            + " optional group two_level (LIST) { repeated int32 element; }"
            + " optional group array_named (LIST) { repeated group array { required binary str"
            + " (UTF8); } }"
            + " optional group tuple_named (LIST) { repeated group tuple_named_tuple { required"
            + " int32 code; } }"
            + " optional group nested (LIST) { repeated group array (LIST) { repeated int32 array;"
            + " } } }";
    lowLevel(
        "parquet/lists-legacy.parquet",
        parse(lists),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(lists));
          Group g1 = f.newGroup().append("id", 1);
          Group std = g1.addGroup("standard");
          std.addGroup("list").append("element", "a");
          std.addGroup("list");
          std.addGroup("list").append("element", "c");
          g1.addGroup("two_level").append("element", 1).append("element", 2);
          g1.addGroup("array_named").addGroup("array").append("str", "x");
          g1.addGroup("tuple_named").addGroup("tuple_named_tuple").append("code", 7);
          Group n = g1.addGroup("nested");
          n.addGroup("array").append("array", 1).append("array", 2);
          n.addGroup("array").append("array", 3);
          rows.add(g1);
          Group g2 = f.newGroup().append("id", 2);
          g2.addGroup("standard");
          g2.addGroup("two_level");
          rows.add(g2);
          rows.add(f.newGroup().append("id", 3));
        });
    parquetCase("parquet/lists-legacy.parquet")
        .match(
            "LIST layouts (parquet-format's backward-compatibility rules): 3-level with a null"
                + " element, legacy 2-level, a repeated group named 'array' and '<name>_tuple'"
                + " (element is the struct), and LIST<LIST<INT32>> in the old 2-level form"
                + " (parquet-testing's old_list_structure); plus empty and null lists.");

    String repeated =
        "message m { required int32 id; repeated int32 scores; repeated binary labels (UTF8);"
            + " repeated group points { required int32 x; required int32 y; } }";
    lowLevel(
        "parquet/repeated-unannotated.parquet",
        parse(repeated),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(repeated));
          Group g1 = f.newGroup().append("id", 1).append("scores", 1).append("scores", 2);
          g1.append("labels", "a");
          g1.addGroup("points").append("x", 1).append("y", 2);
          g1.addGroup("points").append("x", 3).append("y", 4);
          rows.add(g1);
          rows.add(f.newGroup().append("id", 2));
        });
    parquetCase("parquet/repeated-unannotated.parquet")
        .match(
            "REPEATED fields without a LIST annotation (parquet-testing's"
                + " repeated_no_annotation, repeated_primitive_no_list): arrays of the primitive"
                + " or of the group; zero occurrences are an empty array.");

    String maps =
        "message m { required int32 id;"
            + " optional group attrs (MAP) { repeated group key_value { required binary key"
            + " (STRING); optional int32 value; } }"
            + " optional group legacy (MAP) { repeated group map (MAP_KEY_VALUE) { required"
            + " binary key (UTF8); optional binary value (UTF8); } } }";
    lowLevel(
        "parquet/maps.parquet",
        parse(maps),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(maps));
          Group g1 = f.newGroup().append("id", 1);
          Group a = g1.addGroup("attrs");
          a.addGroup("key_value").append("key", "k1").append("value", 1);
          a.addGroup("key_value").append("key", "k2");
          g1.addGroup("legacy").addGroup("map").append("key", "x").append("value", "y");
          rows.add(g1);
          Group g2 = f.newGroup().append("id", 2);
          g2.addGroup("attrs");
          rows.add(g2);
        });
    parquetCase("parquet/maps.parquet")
        .match(
            "MAP with a null value and an empty map (parquet-testing's map_no_value,"
                + " nested_maps), and the legacy MAP_KEY_VALUE form.");

    String ints =
        "message m { required int32 id; required int32 i8 (INTEGER(8,true));"
            + " required int32 i16 (INTEGER(16,true)); required int32 u8 (INTEGER(8,false));"
            + " required int32 u16 (INTEGER(16,false)); required int32 u32 (INTEGER(32,false));"
            + " required int64 u64 (INTEGER(64,false)); required int32 legacy_u8 (UINT_8); }";
    lowLevel(
        "parquet/int-widths.parquet",
        parse(ints),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(ints));
          rows.add(
              f.newGroup()
                  .append("id", 1)
                  .append("i8", -128)
                  .append("i16", 32767)
                  .append("u8", 255)
                  .append("u16", 65535)
                  .append("u32", -1)
                  .append("u64", -1L)
                  .append("legacy_u8", 200));
          rows.add(
              f.newGroup()
                  .append("id", 2)
                  .append("i8", 0)
                  .append("i16", -1)
                  .append("u8", 0)
                  .append("u16", 1)
                  .append("u32", 1)
                  .append("u64", 1L)
                  .append("legacy_u8", 0));
        });
    parquetCase("parquet/int-widths.parquet")
        .match(
            "INT_8/INT_16 and unsigned UINT_8/16/32/64 annotations: Spark widens the unsigned"
                + " ones (u32 -> bigint, u64 -> decimal(20,0)) so 4294967295 and"
                + " 18446744073709551615 stay positive.");

    String strings =
        "message m { required int32 id; optional binary s (STRING); optional binary u (UTF8);"
            + " optional binary e (ENUM); optional binary j (JSON); optional binary raw;"
            + " optional fixed_len_byte_array(4) fixed; }";
    lowLevel(
        "parquet/binary-annotations.parquet",
        parse(strings),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(strings));
          rows.add(
              f.newGroup()
                  .append("id", 1)
                  .append("s", "Zoë")
                  .append("u", "日本")
                  .append("e", "BUY")
                  .append("j", "{\"a\":1}")
                  .append("raw", Binary.fromConstantByteArray(new byte[] {0, (byte) 0xFF}))
                  .append("fixed", Binary.fromConstantByteArray(new byte[] {1, 2, 3, 4})));
          rows.add(f.newGroup().append("id", 2).append("e", "SELL"));
        });
    parquetCase("parquet/binary-annotations.parquet")
        .match(
            "BYTE_ARRAY with STRING, UTF8, ENUM and JSON annotations (strings) and without"
                + " (binary), and FIXED_LEN_BYTE_ARRAY (binary) (parquet-testing's json.parquet,"
                + " binary.parquet).");

    String dict =
        "message m { required int32 id; optional binary venue (STRING); optional double px; }";
    lowLevel(
        "parquet/dictionary-v2.parquet",
        parse(dict),
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_2_0,
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(dict));
          String[] venues = {"XNAS", "XLON", "XNAS", "XETR", "XNAS"};
          for (int i = 0; i < 50; i++) {
            Group g = f.newGroup().append("id", i);
            if (i % 7 != 0) {
              g.append("venue", venues[i % venues.length]);
            }
            g.append("px", (i % 3) * 0.5);
            rows.add(g);
          }
        });
    parquetCase("parquet/dictionary-v2.parquet")
        .match(
            "Dictionary-encoded columns in data page v2 with snappy (parquet-testing's"
                + " alltypes_dictionary, datapage_v2, rle-dict-snappy): decoded values and nulls.");

    lowLevel(
        "parquet/delta-encodings.parquet",
        parse(
            "message m { required int32 id; required int64 big; required binary name (STRING); }"),
        CompressionCodecName.GZIP,
        false,
        ParquetProperties.WriterVersion.PARQUET_2_0,
        rows -> {
          SimpleGroupFactory f =
              new SimpleGroupFactory(
                  parse(
                      "message m { required int32 id; required int64 big; required binary name"
                          + " (STRING); }"));
          for (int i = 0; i < 40; i++) {
            rows.add(
                f.newGroup()
                    .append("id", i * 3 - 50)
                    .append("big", (long) i * 1_000_000_007L)
                    .append("name", "prefix-shared-" + (i * 7)));
          }
        });
    parquetCase("parquet/delta-encodings.parquet")
        .match(
            "Page v2 without dictionary: DELTA_BINARY_PACKED ints and DELTA_BYTE_ARRAY strings"
                + " (parquet-testing's delta_binary_packed, delta_byte_array), gzip.");

    String nulls = "message m { required int32 id; optional int64 n; optional binary s (STRING); }";
    lowLevel(
        "parquet/all-nulls.parquet",
        parse(nulls),
        CompressionCodecName.ZSTD,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(nulls));
          for (int i = 1; i <= 3; i++) {
            rows.add(f.newGroup().append("id", i));
          }
        });
    parquetCase("parquet/all-nulls.parquet")
        .match(
            "Columns that are null in every row (parquet-testing's nulls.snappy,"
                + " page_v2_empty_compressed), zstd: the columns keep their types.");

    String floats = "message m { required int32 id; required double d; required float f; }";
    lowLevel(
        "parquet/float-specials.parquet",
        parse(floats),
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(parse(floats));
          double[] ds = {
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 4.9e-324
          };
          float[] fs = {
            Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0.0f, 1.4e-45f
          };
          for (int i = 0; i < ds.length; i++) {
            rows.add(f.newGroup().append("id", i).append("d", ds[i]).append("f", fs[i]));
          }
        });
    parquetCase("parquet/float-specials.parquet")
        .match(
            "NaN, ±Infinity, -0.0 and subnormals (parquet-testing's nan_in_stats, single_nan,"
                + " floating_orders_nan_count): stored bit-for-bit.");

    MessageType oddNames =
        Types.buildMessage()
            .required(PrimitiveTypeName.INT32)
            .named("id")
            .optional(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("Trade Date")
            .optional(PrimitiveTypeName.DOUBLE)
            .named("Current Price")
            .optional(PrimitiveTypeName.DOUBLE)
            .named("P/E (ttm)")
            .optional(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("a,b;c{d}=e")
            .named("m");
    lowLevel(
        "parquet/special-column-names.parquet",
        oddNames,
        rows -> {
          SimpleGroupFactory f = new SimpleGroupFactory(oddNames);
          rows.add(
              f.newGroup()
                  .append("id", 1)
                  .append("Trade Date", "2024-03-15")
                  .append("Current Price", 189.5)
                  .append("P/E (ttm)", 29.1)
                  .append("a,b;c{d}=e", "x"));
          rows.add(f.newGroup().append("id", 2).append("Current Price", 1.0));
        });
    parquetCase("parquet/special-column-names.parquet")
        .match(
            "Parquet columns named with spaces and ,;{}()= (Spark's field_with_invalid_char):"
                + " DESIGN keeps them through Delta column mapping.");

    lowLevel("parquet/zero-rows.parquet", parse(decimals), rows -> {});
    parquetCase("parquet/zero-rows.parquet")
        .matchEmpty(
            "A valid Parquet file with a schema and no row group: the dataset gets that schema"
                + " (including the decimals' precision) and no rows.");

    text("parquet/not-parquet.parquet", "id,symbol\n1,AAPL\n");
    parquetCase("parquet/not-parquet.parquet")
        .noSpark()
        .validation(
            "A CSV file named .parquet: no magic number. VALIDATION naming the file.",
            "not-parquet.parquet");
  }
}
