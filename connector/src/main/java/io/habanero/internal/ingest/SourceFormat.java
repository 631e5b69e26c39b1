package io.habanero.internal.ingest;

import io.habanero.internal.Errors;
import io.habanero.internal.Messages;
import io.habanero.model.FormatType;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.types.StructType;

/**
 * Validates a changeset's {@code formatType} and {@code formatParams} (FinSpace's own keys plus
 * Habanero's Spark-named extensions) and maps them to Spark / spark-xml reader options.
 */
public final class SourceFormat {
  static final Set<String> CSV_KEYS =
      keys(
          "formatType",
          "compression",
          "withHeader",
          "separator",
          "quoteChar",
          "escaper",
          "multiLine",
          "skipFirst",
          "encoding",
          "comment",
          "inferSchema",
          "nullValue",
          "dateFormat",
          "timestampFormat",
          "mode",
          "schema",
          "mergeSchema",
          "allowEmpty");
  static final Set<String> JSON_KEYS =
      keys(
          "formatType",
          "compression",
          "jsonPath",
          "multiLine",
          "encoding",
          "dateFormat",
          "timestampFormat",
          "mode",
          "schema",
          "mergeSchema",
          "allowEmpty");
  static final Set<String> PARQUET_KEYS =
      keys("formatType", "compression", "mergeSchema", "allowEmpty");
  static final Set<String> XML_KEYS =
      keys(
          "formatType",
          "compression",
          "rowTag",
          "encoding",
          "excludeAttribute",
          "treatEmptyValuesAsNulls",
          "attributePrefix",
          "valueTag",
          "ignoreSurroundingSpaces",
          "nullValue",
          "dateFormat",
          "timestampFormat",
          "mode",
          "schema",
          "mergeSchema",
          "allowEmpty");

  /** Accepted {@code compression} values and the file extension each needs. */
  static final Map<String, String> COMPRESSION_EXTENSIONS =
      Map.of(
          "none",
          "",
          "uncompressed",
          "",
          "gzip",
          ".gz",
          "bzip2",
          ".bz2",
          "deflate",
          ".deflate",
          "lz4",
          ".lz4",
          "snappy",
          ".snappy",
          "zstd",
          ".zst");

  /**
   * Malformed-record modes. FAILFAST (the default) fails the changeset; QUARANTINE commits the good
   * records and keeps the bad ones, counted, under the warehouse's quarantine. Spark's PERMISSIVE
   * and DROPMALFORMED are not offered: they null or drop records silently.
   */
  static final Set<String> MODES = keys("FAILFAST", "QUARANTINE");

  /** The column that carries a malformed record's raw text when reading in QUARANTINE mode. */
  public static final String CORRUPT_COLUMN = "_habanero_corrupt_record";

  private final FormatType format;
  private final Map<String, String> readerOptions;
  private final StructType explicitSchema;
  private final boolean inferSchema;
  private final boolean skipFirst;
  private final String jsonPath;
  private final String compressionExtension;
  private final boolean mergeSchema;
  private final boolean quarantine;
  private final boolean allowEmpty;

  private SourceFormat(
      FormatType format,
      Map<String, String> readerOptions,
      StructType explicitSchema,
      boolean inferSchema,
      boolean skipFirst,
      String jsonPath,
      String compressionExtension,
      boolean mergeSchema,
      boolean quarantine,
      boolean allowEmpty) {
    this.format = format;
    this.readerOptions = readerOptions;
    this.explicitSchema = explicitSchema;
    this.inferSchema = inferSchema;
    this.skipFirst = skipFirst;
    this.jsonPath = jsonPath;
    this.compressionExtension = compressionExtension;
    this.mergeSchema = mergeSchema;
    this.quarantine = quarantine;
    this.allowEmpty = allowEmpty;
  }

  /**
   * Resolves the format from the seed's top-level {@code formatType} and/or the later model's
   * {@code formatParams.formatType}.
   *
   * @throws io.habanero.errors.ValidationException naming the member when anything is wrong
   */
  public static FormatType resolveFormatType(FormatType topLevel, Map<String, String> params) {
    String inParams = params.get("formatType");
    FormatType fromParams = null;
    if (inParams != null) {
      try {
        fromParams = FormatType.valueOf(inParams.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw Errors.invalid(
            "formatParams.formatType",
            inParams,
            "it is not a known format",
            "use one of CSV, JSON, PARQUET, XML");
      }
    }
    if (topLevel != null && fromParams != null && topLevel != fromParams) {
      throw Errors.notAllowed(
          "formatType",
          "is " + topLevel + " but formatParams.formatType is " + fromParams,
          "give the format once, or make both the same");
    }
    FormatType f = topLevel != null ? topLevel : fromParams;
    if (f == null) {
      throw Errors.missing(
          "formatType", "set formatType (or formatParams.formatType) to CSV, JSON, PARQUET or XML");
    }
    return f;
  }

  /** Parses and validates {@code params} for {@code format}. */
  public static SourceFormat parse(FormatType format, Map<String, String> params) {
    Set<String> accepted =
        switch (format) {
          case CSV -> CSV_KEYS;
          case JSON -> JSON_KEYS;
          case PARQUET -> PARQUET_KEYS;
          case XML -> XML_KEYS;
        };
    List<String> unknown = new ArrayList<>();
    for (String k : params.keySet()) {
      if (!accepted.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw Errors.unknownKeys("formatParams", unknown, format.name(), accepted);
    }
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (e.getValue() == null) {
        throw Errors.missing("formatParams." + e.getKey(), "give a string value or drop the key");
      }
    }
    Map<String, String> opts = new LinkedHashMap<>();
    String mode = params.getOrDefault("mode", "FAILFAST").trim().toUpperCase(Locale.ROOT);
    if (!MODES.contains(mode)) {
      throw Errors.invalid(
          "formatParams.mode",
          params.get("mode"),
          "malformed records may not be dropped or nulled silently",
          "use FAILFAST (the default), which fails the changeset and reports the bad records, or"
              + " QUARANTINE, which commits the good records and keeps the bad ones, counted, in"
              + " the warehouse's quarantine");
    }
    boolean quarantine = mode.equals("QUARANTINE");
    if (quarantine && params.containsKey("jsonPath")) {
      throw Errors.notAllowed(
          "formatParams.mode",
          "is QUARANTINE, which cannot be combined with formatParams.jsonPath",
          "drop jsonPath (line-delimited records), or use mode FAILFAST");
    }
    StructType schema = null;
    if (params.containsKey("schema")) {
      try {
        schema = StructType.fromDDL(params.get("schema"));
      } catch (Exception e) { // Spark's ParseException is a checked exception
        throw Errors.invalid(
            "formatParams.schema",
            params.get("schema"),
            "it is not a Spark DDL schema (" + Messages.oneLine(e.getMessage()) + ")",
            "write it like 'id INT, price DECIMAL(18,4), ts TIMESTAMP'");
      }
      if (schema.fields().length == 0) {
        throw Errors.invalid(
            "formatParams.schema", "", "it declares no columns", "declare at least one column");
      }
    }
    String compression = params.getOrDefault("compression", "none").trim().toLowerCase(Locale.ROOT);
    if (!COMPRESSION_EXTENSIONS.containsKey(compression)) {
      throw Errors.invalid(
          "formatParams.compression",
          params.get("compression"),
          "it is not a supported codec",
          "use one of " + new TreeSet<>(COMPRESSION_EXTENSIONS.keySet()));
    }
    boolean infer = true;
    boolean skipFirst = false;
    String jsonPath = null;
    switch (format) {
      case CSV -> {
        opts.put("header", bool(params, "withHeader", true));
        String sep = params.getOrDefault("separator", ",");
        if (sep.isEmpty()) {
          throw Errors.invalid(
              "formatParams.separator", sep, "it is empty", "use e.g. ',' or '|' or '\\t'");
        }
        opts.put("sep", sep);
        String quote = params.getOrDefault("quoteChar", "\"");
        if (quote.equals("-1")) {
          opts.put("quote", "\u0000");
        } else if (quote.length() != 1) {
          throw Errors.invalid(
              "formatParams.quoteChar",
              quote,
              "it must be a single character, or -1 to disable quoting",
              "use e.g. '\"' or '-1'");
        } else {
          opts.put("quote", quote);
        }
        if (params.containsKey("escaper")) {
          String esc = params.get("escaper");
          if (esc.length() != 1) {
            throw Errors.invalid(
                "formatParams.escaper", esc, "it must be a single character", "use e.g. '\\\\'");
          }
          opts.put("escape", esc);
        } else if (!quote.equals("-1")) {
          // RFC 4180 (and Excel, pandas, PostgreSQL): a doubled quote inside a quoted field is one
          // literal quote. Spark's own default escape, a backslash, would keep both quotes.
          opts.put("escape", quote);
        }
        if (params.containsKey("comment")) {
          String comment = params.get("comment");
          if (comment.length() != 1) {
            throw Errors.invalid(
                "formatParams.comment",
                comment,
                "it must be a single character",
                "use the character that starts a comment line, e.g. '#'");
          }
          opts.put("comment", comment);
        }
        opts.put("multiLine", bool(params, "multiLine", false));
        skipFirst = Boolean.parseBoolean(bool(params, "skipFirst", false));
        infer = Boolean.parseBoolean(bool(params, "inferSchema", true));
        copy(params, opts, "nullValue", "dateFormat", "timestampFormat");
        Charset cs = charset(params);
        opts.put("encoding", cs.name());
        if (!lineSeparatedIn(cs)) {
          // Spark splits lines on the byte '\n', which a UTF-16/32 file does not use; the
          // whole-file parser decodes such files correctly.
          opts.put("multiLine", "true");
        }
      }
      case JSON -> {
        opts.put("multiLine", bool(params, "multiLine", false));
        jsonPath = params.get("jsonPath");
        if (jsonPath != null) {
          JsonPathSelector.parse(jsonPath);
        }
        copy(params, opts, "dateFormat", "timestampFormat");
        Charset cs = charset(params);
        opts.put("encoding", cs.name());
        if (!opts.get("multiLine").equals("true") && !cs.equals(StandardCharsets.UTF_8)) {
          if (!lineSeparatedIn(cs) && !cs.name().endsWith("BE") && !cs.name().endsWith("LE")) {
            throw Errors.invalid(
                "formatParams.encoding",
                params.get("encoding"),
                "line-delimited JSON cannot be read in "
                    + cs.name()
                    + ", whose byte order is only known from a byte-order mark",
                "name the byte order (e.g. UTF-16LE or UTF-16BE), or set multiLine=true for one"
                    + " document per file");
          }
          // Spark needs the line separator spelled out to split lines in another encoding.
          opts.put("lineSep", "\n");
        }
      }
      case XML -> {
        String rowTag = params.get("rowTag");
        if (rowTag == null || rowTag.isBlank()) {
          throw Errors.missing(
              "formatParams.rowTag",
              "XML needs the element that holds one record, e.g. rowTag=trade");
        }
        opts.put("rowTag", rowTag);
        for (String b :
            List.of("excludeAttribute", "treatEmptyValuesAsNulls", "ignoreSurroundingSpaces")) {
          if (params.containsKey(b)) {
            opts.put(b, bool(params, b, false));
          }
        }
        // spark-xml 0.18 reads its encoding from "charset" and ignores "encoding".
        opts.put("charset", charset(params).name());
        copy(
            params,
            opts,
            "attributePrefix",
            "valueTag",
            "nullValue",
            "dateFormat",
            "timestampFormat");
      }
      case PARQUET -> {}
    }
    if (format != FormatType.PARQUET) {
      opts.put("mode", quarantine ? "PERMISSIVE" : "FAILFAST");
      // Also under FAILFAST: JSON schema inference keeps malformed records in this column instead
      // of failing, so its presence in an inferred schema tells of them (see SourceReader).
      opts.put("columnNameOfCorruptRecord", CORRUPT_COLUMN);
    }
    return new SourceFormat(
        format,
        opts,
        schema,
        infer,
        skipFirst,
        jsonPath,
        format == FormatType.PARQUET ? "" : COMPRESSION_EXTENSIONS.get(compression),
        Boolean.parseBoolean(bool(params, "mergeSchema", false)),
        quarantine,
        Boolean.parseBoolean(bool(params, "allowEmpty", false)));
  }

  private static String bool(Map<String, String> params, String key, boolean dflt) {
    String v = params.get(key);
    if (v == null) {
      return String.valueOf(dflt);
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    if (!t.equals("true") && !t.equals("false")) {
      throw Errors.invalid(
          "formatParams." + key, v, "it must be true or false", "use true or false");
    }
    return t;
  }

  /** The declared {@code encoding} (UTF-8 by default), which must be one the JVM knows. */
  private static Charset charset(Map<String, String> params) {
    String name = params.get("encoding");
    if (name == null) {
      return StandardCharsets.UTF_8;
    }
    try {
      return Charset.forName(name.trim());
    } catch (IllegalArgumentException e) { // IllegalCharsetName and UnsupportedCharset
      throw Errors.invalid(
          "formatParams.encoding",
          name,
          "it is not a character encoding this JVM knows",
          "use a standard name such as UTF-8, ISO-8859-1, windows-1252, UTF-16LE or Shift_JIS");
    }
  }

  /** Whether the encoding writes '\n' as the single byte 0x0A, so Spark can split lines on it. */
  private static boolean lineSeparatedIn(Charset cs) {
    byte[] nl = "\n".getBytes(cs);
    return nl.length == 1 && nl[0] == '\n';
  }

  private static void copy(Map<String, String> from, Map<String, String> to, String... keys) {
    for (String k : keys) {
      if (from.containsKey(k)) {
        to.put(k, from.get(k));
      }
    }
  }

  private static Set<String> keys(String... k) {
    return java.util.Collections.unmodifiableSet(new TreeSet<>(List.of(k)));
  }

  public FormatType format() {
    return format;
  }

  /** Spark's data source name for this format. */
  public String sparkFormat() {
    return switch (format) {
      case CSV -> "csv";
      case JSON -> "json";
      case PARQUET -> "parquet";
      case XML -> "xml";
    };
  }

  public Map<String, String> readerOptions() {
    return readerOptions;
  }

  public Optional<StructType> explicitSchema() {
    return Optional.ofNullable(explicitSchema);
  }

  public boolean inferSchema() {
    return inferSchema;
  }

  public boolean skipFirst() {
    return skipFirst;
  }

  public Optional<String> jsonPath() {
    return Optional.ofNullable(jsonPath);
  }

  /**
   * Whether the changeset may add new (nullable) columns to an existing dataset: the opt-in {@code
   * formatParams.mergeSchema=true}, Delta's name for it. Missing columns and changed types still
   * conflict.
   */
  public boolean mergeSchema() {
    return mergeSchema;
  }

  /**
   * Whether malformed records are quarantined ({@code formatParams.mode=QUARANTINE}): the reader
   * then runs PERMISSIVE with {@link #CORRUPT_COLUMN}, and the changeset commits only the rows
   * whose corrupt column is null.
   */
  public boolean quarantine() {
    return quarantine;
  }

  /**
   * Whether a REPLACE or MODIFY may commit no rows ({@code formatParams.allowEmpty=true}), which
   * empties the dataset or removes the changeset it modifies.
   */
  public boolean allowEmpty() {
    return allowEmpty;
  }

  /** The extension every source file must have for the declared compression ("" for none). */
  public String compressionExtension() {
    return compressionExtension;
  }
}
