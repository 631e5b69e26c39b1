package io.habanero.bench;

import com.amazonaws.Request;
import com.amazonaws.handlers.RequestHandler2;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts every HTTP request that S3A sends, by what it touches: an AWS SDK request handler that S3A
 * installs through {@code fs.s3a.audit.request.handlers}. Delta, Spark and Habanero share the one
 * cached S3A FileSystem of a bucket, so its IOStatistics only give the total; the key of each
 * request tells the metadata store's requests ({@code <warehouse>/changesets/}) from Delta's log,
 * the data files and the source.
 *
 * <p>Habanero's ticker ({@code habanero-ticker}, once a second while a changeset runs) makes
 * requests whose number follows the run's duration, not N: a stop-marker poll (HEAD + LIST of
 * {@code <changesetId>.stop}) every second, and a heartbeat (the record rewritten) every 10 s. They
 * are counted apart, by the thread that makes them. A heartbeat is S3A's {@code create} with
 * overwrite: one LIST probe in the calling (ticker) thread and the PUT in an S3A upload thread, so
 * each heartbeat probe seen here also moves one PUT from the store's count to the heartbeats'.
 */
public final class S3RequestCounter extends RequestHandler2 {
  /** The Habanero changeset store: records, their index, in-flight set, stop markers. */
  static final String STORE = "store";

  static final String DELTA_LOG = "delta log";
  static final String DATA = "data files";
  static final String SOURCE = "source";
  static final String OTHER = "other";

  /** The ticker's stop-marker polls (time-dependent). */
  static final String STOP_POLLS = "stop polls";

  /** The ticker's heartbeats: probe + PUT each (time-dependent). */
  static final String HEARTBEATS = "heartbeats";

  /** The categories that count towards an operation's requests. */
  static final List<String> COUNTED = List.of(STORE, DELTA_LOG, DATA, SOURCE, OTHER);

  /** The time-dependent categories, reported apart. */
  static final List<String> TICKER = List.of(STOP_POLLS, HEARTBEATS);

  private static final String HEARTBEAT_PROBES = "heartbeat probes";
  private static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();

  @Override
  public void beforeRequest(Request<?> request) {
    String key = request.getResourcePath() == null ? "" : request.getResourcePath();
    Map<String, List<String>> params = request.getParameters();
    if (params != null && params.get("prefix") != null && !params.get("prefix").isEmpty()) {
      key = key + "|" + params.get("prefix").get(0);
    }
    String category = category(key);
    if (Thread.currentThread().getName().startsWith("habanero-ticker")) {
      category = key.contains(".stop") ? STOP_POLLS : HEARTBEAT_PROBES;
    }
    COUNTS.computeIfAbsent(category, k -> new AtomicLong()).incrementAndGet();
    if (TRACE) {
      System.err.println(
          "[s3] "
              + Thread.currentThread().getName()
              + " "
              + request.getHttpMethod()
              + " "
              + key
              + " -> "
              + category);
    }
  }

  /** Prints every request (system property habanero.bench.s3trace=true). */
  private static final boolean TRACE = Boolean.getBoolean("habanero.bench.s3trace");

  static String category(String key) {
    if (key.contains("/changesets/") || key.endsWith("/changesets")) {
      return STORE;
    }
    if (key.contains("/_delta_log")) {
      return DELTA_LOG;
    }
    if (key.contains("/datasets/") || key.endsWith("/datasets")) {
      return DATA;
    }
    if (key.contains("/working/") || key.endsWith("/working")) {
      return SOURCE;
    }
    return OTHER;
  }

  /** The raw counts so far. */
  static Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    COUNTS.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** The requests between two snapshots, by category (every category present). */
  static Map<String, Long> diff(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new TreeMap<>();
    for (String k : after.keySet()) {
      d.put(k, after.get(k) - before.getOrDefault(k, 0L));
    }
    long probes = d.getOrDefault(HEARTBEAT_PROBES, 0L);
    Map<String, Long> out = new LinkedHashMap<>();
    for (String c : COUNTED) {
      out.put(c, d.getOrDefault(c, 0L) - (c.equals(STORE) ? probes : 0));
    }
    out.put(STOP_POLLS, d.getOrDefault(STOP_POLLS, 0L));
    out.put(HEARTBEATS, 2 * probes);
    return out;
  }
}
