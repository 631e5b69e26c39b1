package io.habanero.internal.ingest;

import io.habanero.internal.Errors;
import io.habanero.model.FormatType;
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
          "inferSchema",
          "nullValue",
          "dateFormat",
          "timestampFormat",
          "mode",
          "schema",
          "mergeSchema");
  static final Set<String> JSON_KEYS =
      keys(
          "formatType",
          "compression",
          "jsonPath",
          "multiLine",
          "dateFormat",
          "timestampFormat",
          "mode",
          "schema",
          "mergeSchema");
  static final Set<String> PARQUET_KEYS = keys("formatType", "compression", "mergeSchema");
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
          "mergeSchema");

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

  private SourceFormat(
      FormatType format,
      Map<String, String> readerOptions,
      StructType explicitSchema,
      boolean inferSchema,
      boolean skipFirst,
      String jsonPath,
      String compressionExtension,
      boolean mergeSchema,
      boolean quarantine) {
    this.format = format;
    this.readerOptions = readerOptions;
    this.explicitSchema = explicitSchema;
    this.inferSchema = inferSchema;
    this.skipFirst = skipFirst;
    this.jsonPath = jsonPath;
    this.compressionExtension = compressionExtension;
    this.mergeSchema = mergeSchema;
    this.quarantine = quarantine;
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
            "it is not a Spark DDL schema (" + Errors.firstLine(e.getMessage()) + ")",
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
        }
        opts.put("multiLine", bool(params, "multiLine", false));
        skipFirst = Boolean.parseBoolean(bool(params, "skipFirst", false));
        infer = Boolean.parseBoolean(bool(params, "inferSchema", true));
        copy(params, opts, "nullValue", "dateFormat", "timestampFormat");
        opts.put("encoding", "UTF-8");
      }
      case JSON -> {
        opts.put("multiLine", bool(params, "multiLine", false));
        jsonPath = params.get("jsonPath");
        if (jsonPath != null) {
          JsonPathSelector.parse(jsonPath);
        }
        copy(params, opts, "dateFormat", "timestampFormat");
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
        copy(
            params,
            opts,
            "encoding",
            "attributePrefix",
            "valueTag",
            "nullValue",
            "dateFormat",
            "timestampFormat");
      }
      case PARQUET -> {}
    }
    if (quarantine) {
      opts.put("mode", "PERMISSIVE");
      opts.put("columnNameOfCorruptRecord", CORRUPT_COLUMN);
    } else if (format != FormatType.PARQUET) {
      opts.put("mode", "FAILFAST");
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
        quarantine);
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

  /** The extension every source file must have for the declared compression ("" for none). */
  public String compressionExtension() {
    return compressionExtension;
  }
}
