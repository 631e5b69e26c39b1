package io.habanero;

import io.habanero.internal.Errors;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * The settings of one Habanero environment, read in one place.
 *
 * <p>Every entry point reads the same keys. Precedence: an explicit option ({@code <key>}), then
 * the session conf ({@code spark.habanero.<key>}), then the default. Unknown {@code
 * spark.habanero.*} keys are ignored (they may belong to a newer version); unknown explicit options
 * are the caller's business (the DataFrame source validates its own).
 */
public final class HabaneroSettings {
  /** Prefix of every Habanero key in the Spark conf. */
  public static final String CONF_PREFIX = "spark.habanero.";

  /** The configuration keys, their defaults and meanings. */
  public enum Key {
    WAREHOUSE("warehouse", "./habanero-warehouse", "root URI: a local path, file: or s3a://"),
    ENVIRONMENT_ID("environment-id", "local", "environment identifier, 1..26 characters"),
    ROLE_ARN("role-arn", null, "IAM role assumed for programmatic credentials"),
    REGION("region", "us-east-1", "AWS region for STS and S3"),
    STS_ENDPOINT("sts.endpoint", null, "STS endpoint override"),
    S3_ENDPOINT("s3.endpoint", null, "S3 endpoint override for S3A"),
    S3_PATH_STYLE_ACCESS("s3.path-style-access", "false", "path-style access for S3A"),
    S3_SINGLE_WRITER(
        "s3.single-writer",
        "false",
        "true acknowledges that only one Spark driver ever writes to this S3 warehouse; without it,"
            + " or Delta's multi-cluster S3DynamoDBLogStore, changesets on S3 are refused"),
    ALLOWED_SOURCE_PREFIXES(
        "source.allowed-prefixes",
        null,
        "comma-separated prefixes (e.g. s3://vendor-bucket/feeds/) that source paths may use besides"
            + " the warehouse; on an S3 warehouse nothing else is allowed"),
    LEASE_TIMEOUT_SECONDS(
        "changeset.lease-timeout-seconds",
        "120",
        "after this long without a heartbeat, a RUNNING changeset of a process on another host is"
            + " considered dead and resolved"),
    SWEEP_SAFETY_WINDOW_MINUTES(
        "sweep.safety-window-minutes",
        "60",
        "how old (minutes) an unreferenced data file, or a FAILED changeset's quarantine, must be"
            + " before the sweep removes it; 0 removes every leftover (never a running changeset's"
            + " files)");

    private final String name;
    private final String defaultValue;
    private final String doc;

    Key(String name, String defaultValue, String doc) {
      this.name = name;
      this.defaultValue = defaultValue;
      this.doc = doc;
    }

    /** The option name, e.g. {@code warehouse}. */
    public String key() {
      return name;
    }

    /** The Spark conf name, e.g. {@code spark.habanero.warehouse}. */
    public String confKey() {
      return CONF_PREFIX + name;
    }

    /** The default, or null for none. */
    public String defaultValue() {
      return defaultValue;
    }

    /** What the key means. */
    public String doc() {
      return doc;
    }
  }

  private final Map<Key, String> values;

  private HabaneroSettings(Map<Key, String> values) {
    this.values = values;
  }

  /**
   * Resolves the settings: {@code options} first, then the session's {@code spark.habanero.*} conf,
   * then the defaults.
   *
   * @param spark the session whose conf is read; may be null
   * @param options explicit options by {@link Key#key()}; may be null
   * @return the settings
   * @throws io.habanero.errors.ValidationException if a value is malformed
   */
  public static HabaneroSettings resolve(SparkSession spark, Map<String, String> options) {
    Map<Key, String> values = new LinkedHashMap<>();
    for (Key key : Key.values()) {
      String value = options == null ? null : options.get(key.key());
      if (value == null && spark != null) {
        value = spark.conf().getOption(key.confKey()).getOrElse(() -> null);
      }
      if (value == null) {
        value = key.defaultValue();
      }
      if (value != null) {
        values.put(key, value.trim());
      }
    }
    HabaneroSettings settings = new HabaneroSettings(Collections.unmodifiableMap(values));
    settings.validate();
    return settings;
  }

  /** Settings from the defaults plus {@code options}, without a session. */
  public static HabaneroSettings of(Map<String, String> options) {
    return resolve(null, options);
  }

  private void validate() {
    String env = environmentId();
    if (env.isEmpty() || env.length() > 26 || !env.matches("[A-Za-z0-9_-]+")) {
      throw invalidSetting(
          Key.ENVIRONMENT_ID,
          env,
          "must be 1..26 letters, digits, '-' or '_'",
          "set " + Key.ENVIRONMENT_ID.confKey() + " to e.g. 'local'");
    }
    String style = get(Key.S3_PATH_STYLE_ACCESS).toLowerCase(Locale.ROOT);
    if (!style.equals("true") && !style.equals("false")) {
      throw invalidSetting(
          Key.S3_PATH_STYLE_ACCESS, style, "must be true or false", "use true or false");
    }
    String singleWriter = get(Key.S3_SINGLE_WRITER).toLowerCase(Locale.ROOT);
    if (!singleWriter.equals("true") && !singleWriter.equals("false")) {
      throw invalidSetting(
          Key.S3_SINGLE_WRITER, singleWriter, "must be true or false", "use true or false");
    }
    try {
      if (Long.parseLong(get(Key.LEASE_TIMEOUT_SECONDS)) < 1) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw invalidSetting(
          Key.LEASE_TIMEOUT_SECONDS,
          get(Key.LEASE_TIMEOUT_SECONDS),
          "must be a positive whole number of seconds",
          "use e.g. 120");
    }
    try {
      if (Long.parseLong(get(Key.SWEEP_SAFETY_WINDOW_MINUTES)) < 0) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw invalidSetting(
          Key.SWEEP_SAFETY_WINDOW_MINUTES,
          get(Key.SWEEP_SAFETY_WINDOW_MINUTES),
          "must be a whole number of minutes, 0 or more",
          "use e.g. 60");
    }
    if (warehouse().isEmpty()) {
      throw invalidSetting(
          Key.WAREHOUSE, "", "must not be blank", "use a local path or s3a://bucket/prefix");
    }
  }

  private static RuntimeException invalidSetting(
      Key key, String value, String problem, String fix) {
    return Errors.invalidSetting(key.confKey(), key.key(), value, problem, fix);
  }

  /** The value of {@code key}, or null when it has no value and no default. */
  public String get(Key key) {
    return values.get(key);
  }

  public String warehouse() {
    return get(Key.WAREHOUSE);
  }

  public String environmentId() {
    return get(Key.ENVIRONMENT_ID);
  }

  public Optional<String> roleArn() {
    return Optional.ofNullable(get(Key.ROLE_ARN)).filter(s -> !s.isEmpty());
  }

  public String region() {
    return get(Key.REGION);
  }

  public Optional<String> stsEndpoint() {
    return Optional.ofNullable(get(Key.STS_ENDPOINT)).filter(s -> !s.isEmpty());
  }

  public Optional<String> s3Endpoint() {
    return Optional.ofNullable(get(Key.S3_ENDPOINT)).filter(s -> !s.isEmpty());
  }

  /** The extra source prefixes allowed besides the warehouse. */
  public java.util.List<String> allowedSourcePrefixes() {
    String v = get(Key.ALLOWED_SOURCE_PREFIXES);
    if (v == null || v.isBlank()) {
      return java.util.List.of();
    }
    return java.util.Arrays.stream(v.split(","))
        .map(String::trim)
        .filter(x -> !x.isEmpty())
        .toList();
  }

  public boolean s3PathStyleAccess() {
    return Boolean.parseBoolean(get(Key.S3_PATH_STYLE_ACCESS));
  }

  /** Whether the operator acknowledged that one Spark driver alone writes to the S3 warehouse. */
  public boolean s3SingleWriter() {
    return Boolean.parseBoolean(get(Key.S3_SINGLE_WRITER));
  }

  public long leaseTimeoutMillis() {
    return Long.parseLong(get(Key.LEASE_TIMEOUT_SECONDS)) * 1000L;
  }

  /** The sweep's default safety window. */
  public java.time.Duration sweepSafetyWindow() {
    return java.time.Duration.ofMinutes(Long.parseLong(get(Key.SWEEP_SAFETY_WINDOW_MINUTES)));
  }

  @Override
  public String toString() {
    // No secrets live here; role ARNs and endpoints are configuration, not credentials.
    return "HabaneroSettings" + values;
  }
}
