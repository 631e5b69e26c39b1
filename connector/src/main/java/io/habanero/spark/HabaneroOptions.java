package io.habanero.spark;

import io.habanero.HabaneroSettings;
import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.model.ChangeType;
import io.habanero.model.TimeTravel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The one typed parser for the options of the {@code habanero} data source and catalog.
 *
 * <p>Precedence, for every key: the DataFrame option ({@code <key>}), then the session conf ({@code
 * spark.habanero.<key>}), then the default. Option names are case-insensitive, as Spark's are.
 * Unknown options, malformed values and options that do not mix fail with a VALIDATION error that
 * names the option and its accepted values.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>use</th><th>values</th></tr>
 *   <tr><td>{@code datasetId} (or the load/save path)</td><td>read, write</td><td>1..26 of
 *       [A-Za-z0-9_-]; required</td></tr>
 *   <tr><td>{@code changesetId}</td><td>read</td><td>a SUCCESS changeset of the dataset</td></tr>
 *   <tr><td>{@code versionAsOf}</td><td>read</td><td>a Delta version, 0 or more</td></tr>
 *   <tr><td>{@code timestampAsOf}</td><td>read</td><td>a timestamp, e.g. {@code 2026-11-25
 *       10:00:00}</td></tr>
 *   <tr><td>{@code includeChangesetId}</td><td>read</td><td>{@code true} adds the lineage column
 *       {@code _habanero_changeset_id}; default {@code false}</td></tr>
 *   <tr><td>{@code changeType}</td><td>write</td><td>APPEND, REPLACE or MODIFY</td></tr>
 *   <tr><td>{@code updatesChangesetId}</td><td>write</td><td>for MODIFY: the changeset whose rows
 *       are replaced</td></tr>
 *   <tr><td>{@code mergeSchema}</td><td>write</td><td>{@code true} lets the write add new columns to
 *       the dataset, nullable (null in earlier rows); default {@code false}</td></tr>
 *   <tr><td>{@code allowEmpty}</td><td>write</td><td>{@code true} lets an overwrite (REPLACE)
 *       or MODIFY with no rows empty the dataset or the modified changeset; default {@code
 *       false}, which refuses it</td></tr>
 *   <tr><td>the settings keys ({@link HabaneroSettings.Key})</td><td>both</td><td>see
 *       README</td></tr>
 * </table>
 *
 * At most one of {@code changesetId}, {@code versionAsOf} and {@code timestampAsOf} may be given.
 */
public final class HabaneroOptions {
  public static final String DATASET_ID = "datasetId";
  public static final String CHANGESET_ID = "changesetId";
  public static final String VERSION_AS_OF = "versionAsOf";
  public static final String TIMESTAMP_AS_OF = "timestampAsOf";
  public static final String INCLUDE_CHANGESET_ID = "includeChangesetId";
  public static final String CHANGE_TYPE = "changeType";
  public static final String UPDATES_CHANGESET_ID = "updatesChangesetId";
  public static final String MERGE_SCHEMA = "mergeSchema";
  public static final String ALLOW_EMPTY = "allowEmpty";

  private static final List<String> READ = List.of(CHANGESET_ID, VERSION_AS_OF, TIMESTAMP_AS_OF);
  private static final List<String> OWN =
      List.of(
          DATASET_ID,
          CHANGESET_ID,
          VERSION_AS_OF,
          TIMESTAMP_AS_OF,
          INCLUDE_CHANGESET_ID,
          CHANGE_TYPE,
          UPDATES_CHANGESET_ID,
          MERGE_SCHEMA,
          ALLOW_EMPTY);

  private final Map<String, String> options;
  private final HabaneroSettings settings;
  private final String datasetId;

  private HabaneroOptions(Map<String, String> options, HabaneroSettings settings, String id) {
    this.options = options;
    this.settings = settings;
    this.datasetId = id;
  }

  /**
   * Parses {@code raw} (Spark's option map; the {@code path} key is an alias of datasetId).
   *
   * @throws io.habanero.errors.ValidationException naming the bad option and its accepted values
   */
  public static HabaneroOptions parse(SparkSession spark, Map<String, String> raw) {
    Map<String, String> byLower = new TreeMap<>();
    Map<String, String> settingsOptions = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String lower = e.getKey().toLowerCase(Locale.ROOT);
      Optional<String> own = OWN.stream().filter(k -> k.equalsIgnoreCase(lower)).findFirst();
      Optional<HabaneroSettings.Key> setting = settingKey(lower);
      if (own.isPresent()) {
        byLower.put(own.get(), e.getValue());
      } else if (setting.isPresent()) {
        settingsOptions.put(setting.get().key(), e.getValue());
      } else if (lower.equals("path")) {
        byLower.merge(DATASET_ID, e.getValue(), (a, b) -> a.equals(b) ? a : conflict(a, b));
      } else {
        unknown.add(e.getKey());
      }
    }
    if (!unknown.isEmpty()) {
      List<String> accepted = new ArrayList<>(OWN);
      for (HabaneroSettings.Key k : HabaneroSettings.Key.values()) {
        accepted.add(k.key());
      }
      throw Errors.unknownKeys("The habanero data source", unknown, "its options", accepted);
    }
    String id = byLower.get(DATASET_ID);
    if (id == null || id.isBlank()) {
      throw Errors.missing(
          "Option " + DATASET_ID,
          "add .option(\"datasetId\", \"<id>\") (or load/save \"<id>\"), or use the habanero"
              + " catalog: habanero.<datasetId>");
    }
    Ids.check(DATASET_ID, id.trim());
    HabaneroSettings settings = HabaneroSettings.resolve(spark, settingsOptions);
    return new HabaneroOptions(byLower, settings, id.trim());
  }

  private static String conflict(String a, String b) {
    throw Errors.notAllowed(
        "Option " + DATASET_ID,
        "is '" + a + "' but the load/save path is '" + b + "'",
        "give the dataset id once");
  }

  private static Optional<HabaneroSettings.Key> settingKey(String lower) {
    for (HabaneroSettings.Key k : HabaneroSettings.Key.values()) {
      if (k.key().equalsIgnoreCase(lower)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  public String datasetId() {
    return datasetId;
  }

  public HabaneroSettings settings() {
    return settings;
  }

  /** The settings as explicit options, for {@code Habanero.create}. */
  public Map<String, String> settingsOptions() {
    Map<String, String> out = new LinkedHashMap<>();
    for (HabaneroSettings.Key k : HabaneroSettings.Key.values()) {
      String v = settings.get(k);
      if (v != null) {
        out.put(k.key(), v);
      }
    }
    return out;
  }

  /** The read's point in history; fails if more than one time-travel option is given. */
  public TimeTravel timeTravel() {
    List<String> given = READ.stream().filter(options::containsKey).toList();
    if (given.size() > 1) {
      throw Errors.notAllowed(
          "Options " + String.join(" and ", given),
          "were both given, but a read has one point in time",
          "keep one of changesetId, versionAsOf or timestampAsOf");
    }
    if (given.isEmpty()) {
      return new TimeTravel.Latest();
    }
    String value = options.get(given.get(0)).trim();
    switch (given.get(0)) {
      case CHANGESET_ID:
        return new TimeTravel.AtChangeset(Ids.check(CHANGESET_ID, value));
      case VERSION_AS_OF:
        try {
          long v = Long.parseLong(value);
          if (v < 0) {
            throw new NumberFormatException();
          }
          return new TimeTravel.AtVersion(v);
        } catch (NumberFormatException e) {
          throw Errors.invalid(
              "Option " + VERSION_AS_OF,
              value,
              "must be a Delta table version, a whole number 0 or more",
              "use e.g. versionAsOf=3, or changesetId to read as of a changeset");
        }
      default:
        if (value.isEmpty()) {
          throw Errors.missing(
              "Option " + TIMESTAMP_AS_OF, "give a timestamp such as 2026-11-25 10:00:00");
        }
        return new TimeTravel.AtTimestamp(value);
    }
  }

  /** Whether reads include the lineage column. */
  public boolean includeChangesetId() {
    return bool(INCLUDE_CHANGESET_ID);
  }

  /** Whether a write may add new nullable columns to the dataset (the opt-in). */
  public boolean mergeSchema() {
    return bool(MERGE_SCHEMA);
  }

  /** Whether an overwrite or MODIFY may commit no rows (the explicit opt-in). */
  public boolean allowEmpty() {
    return bool(ALLOW_EMPTY);
  }

  private boolean bool(String key) {
    String v = options.get(key);
    if (v == null) {
      return false;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    if (!t.equals("true") && !t.equals("false")) {
      throw Errors.invalid("Option " + key, v, "must be true or false", "use true or false");
    }
    return t.equals("true");
  }

  /** Fails if a write was given read-only options. */
  public void checkForWrite() {
    for (String k : List.of(CHANGESET_ID, VERSION_AS_OF, TIMESTAMP_AS_OF, INCLUDE_CHANGESET_ID)) {
      if (options.containsKey(k)) {
        throw Errors.notAllowed(
            "Option " + k,
            "is for reads, but this is a write",
            "drop it; to replace an earlier changeset's rows use changeType=MODIFY with"
                + " updatesChangesetId");
      }
    }
  }

  /** Fails if a read was given write-only options. */
  public void checkForRead() {
    for (String k : List.of(CHANGE_TYPE, UPDATES_CHANGESET_ID, MERGE_SCHEMA, ALLOW_EMPTY)) {
      if (options.containsKey(k)) {
        throw Errors.notAllowed("Option " + k, "is for writes, but this is a read", "drop it");
      }
    }
  }

  /**
   * The change type of a write, from {@code changeType} and the save mode.
   *
   * <ul>
   *   <li>{@code mode("append")}: APPEND, or the given changeType.
   *   <li>{@code mode("overwrite")}: REPLACE; changeType may only say REPLACE.
   *   <li>the default {@code mode("errorifexists")}: the given changeType, or, with none, APPEND to
   *       a dataset that must not exist yet (checked by the caller).
   *   <li>{@code mode("ignore")} is not supported.
   * </ul>
   */
  public ChangeType changeType(SaveMode mode) {
    String raw = options.get(CHANGE_TYPE);
    ChangeType given = null;
    if (raw != null) {
      try {
        given = ChangeType.valueOf(raw.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw Errors.invalid(
            "Option " + CHANGE_TYPE,
            raw,
            "is not a change type",
            "use one of APPEND, REPLACE, MODIFY");
      }
    }
    if (mode == SaveMode.Ignore) {
      throw Errors.notAllowed(
          "Save mode",
          "'ignore' is not supported by the habanero data source",
          "use mode(\"append\") or mode(\"overwrite\"), or set option changeType");
    }
    if (mode == SaveMode.Overwrite) {
      if (given != null && given != ChangeType.REPLACE) {
        throw Errors.notAllowed(
            "Option " + CHANGE_TYPE,
            "is " + given + ", but mode(\"overwrite\") means REPLACE",
            "drop mode(\"overwrite\") or set changeType=REPLACE");
      }
      return ChangeType.REPLACE;
    }
    ChangeType type = given == null ? ChangeType.APPEND : given;
    String updates = updatesChangesetId();
    if (type == ChangeType.MODIFY && updates == null) {
      throw Errors.missing(
          "Option " + UPDATES_CHANGESET_ID,
          "changeType=MODIFY replaces the rows of one earlier changeset; name it with"
              + " .option(\"updatesChangesetId\", \"<changesetId>\")");
    }
    if (type != ChangeType.MODIFY && updates != null) {
      throw Errors.notAllowed(
          "Option " + UPDATES_CHANGESET_ID,
          "is only for changeType=MODIFY, but the change type is " + type,
          "set changeType=MODIFY or drop updatesChangesetId");
    }
    return type;
  }

  /** Whether the write named its change type (so the default save mode need not be checked). */
  public boolean hasChangeType() {
    return options.containsKey(CHANGE_TYPE);
  }

  public String updatesChangesetId() {
    String v = options.get(UPDATES_CHANGESET_ID);
    return v == null ? null : Ids.check(UPDATES_CHANGESET_ID, v.trim());
  }
}
