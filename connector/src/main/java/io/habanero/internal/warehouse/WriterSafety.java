package io.habanero.internal.warehouse;

import com.google.common.annotations.VisibleForTesting;
import io.habanero.HabaneroSettings;
import io.habanero.errors.ValidationException;
import io.habanero.internal.Errors;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Refuses to write to an S3 warehouse in a set-up that is unsafe for several writers, instead of
 * letting them race silently.
 *
 * <p>Delta's default S3 log store ({@code S3SingleDriverLogStore}) gives transactional guarantees
 * only to writes from one Spark driver: S3 has no put-if-absent that S3A uses, so two drivers that
 * commit the same table version at once can both "succeed", and one commit is lost. Delta documents
 * this set-up as safe for a single driver, and {@code io.delta.storage.S3DynamoDBLogStore} (module
 * {@code io.delta:delta-storage-s3-dynamodb}) as its multi-cluster set-up.
 *
 * <p>So before a changeset writes to an S3 warehouse, one of these must hold:
 *
 * <ul>
 *   <li>Delta's log store for the warehouse's scheme ({@code s3a}; Habanero turns {@code s3://}
 *       warehouses into {@code s3a://}) is {@code S3DynamoDBLogStore}, through {@code
 *       spark.delta.logStore.s3a.impl} (or the deprecated {@code spark.delta.logStore.class}), and
 *       the class can be loaded. Delta reads these keys from the SparkConf, so that is where they
 *       are read here.
 *   <li>The operator acknowledged a single writer with {@code
 *       spark.habanero.s3.single-writer=true}.
 * </ul>
 *
 * Local warehouses are not affected. Reads never need either.
 */
public final class WriterSafety {
  /** Delta's multi-cluster log store for S3. */
  public static final String DYNAMODB_LOG_STORE = "io.delta.storage.S3DynamoDBLogStore";

  private static final String ARTIFACT = "io.delta:delta-storage-s3-dynamodb";
  private static final String DDB_PREFIX = "spark.io.delta.storage.S3DynamoDBLogStore.ddb.";

  private WriterSafety() {}

  /**
   * Checks the session's set-up before a write to {@code warehouse}.
   *
   * @throws ValidationException naming the two fixes when several writers would be unsafe
   */
  public static void check(SparkSession spark, HabaneroSettings settings, Warehouse warehouse) {
    if (warehouse.isLocal()) {
      return;
    }
    SparkConf conf = spark.sparkContext().getConf();
    check(
        warehouse.root().toString(),
        warehouse.root().toUri().getScheme(),
        key -> conf.contains(key) ? Optional.of(conf.get(key).trim()) : Optional.empty(),
        settings.s3SingleWriter(),
        WriterSafety::loadable);
  }

  /**
   * The decision itself, for a warehouse on an object store.
   *
   * @param root the warehouse root, for the message
   * @param scheme the scheme Delta sees in the table paths, e.g. {@code s3a}
   * @param sparkConf the SparkConf's values
   * @param singleWriter whether the operator acknowledged a single writer
   * @param loadable whether a class can be loaded
   * @throws ValidationException naming the fixes when several writers would be unsafe
   */
  @VisibleForTesting
  public static void check(
      String root,
      String scheme,
      Function<String, Optional<String>> sparkConf,
      boolean singleWriter,
      Predicate<String> loadable) {
    String schemeKey = "spark.delta.logStore." + scheme + ".impl";
    Optional<String> global = delta(sparkConf, "spark.delta.logStore.class");
    Optional<String> forScheme = delta(sparkConf, schemeKey);
    String key = global.isPresent() ? "spark.delta.logStore.class" : schemeKey;
    Optional<String> logStore = global.or(() -> forScheme);
    if (logStore.filter(DYNAMODB_LOG_STORE::equals).isPresent()) {
      if (!loadable.test(DYNAMODB_LOG_STORE)) {
        throw Errors.logStoreNotLoadable(key, DYNAMODB_LOG_STORE, root, ARTIFACT);
      }
      return;
    }
    if (singleWriter) {
      return;
    }
    StringBuilder why = new StringBuilder();
    if (logStore.isPresent()) {
      why.append(" (")
          .append(key)
          .append(" names ")
          .append(logStore.get())
          .append(", which Habanero does not know to be safe for several writers)");
    } else {
      for (String other : new String[] {"s3", "s3a", "s3n"}) {
        String otherKey = "spark.delta.logStore." + other + ".impl";
        if (!other.equals(scheme) && delta(sparkConf, otherKey).isPresent()) {
          why.append(" (")
              .append(otherKey)
              .append(" is set, but Delta commits to this warehouse through ")
              .append(scheme)
              .append("://, so it does not apply)");
          break;
        }
      }
    }
    throw Errors.noSafeLogStore(
        root,
        why.toString(),
        schemeKey,
        DYNAMODB_LOG_STORE,
        ARTIFACT,
        DDB_PREFIX,
        HabaneroSettings.Key.S3_SINGLE_WRITER.confKey());
  }

  /** A Delta log store key as Delta reads it: with or without the {@code spark.} prefix. */
  private static Optional<String> delta(Function<String, Optional<String>> conf, String key) {
    return conf.apply(key)
        .or(() -> conf.apply(key.substring("spark.".length())))
        .map(String::trim)
        .filter(v -> !v.isEmpty());
  }

  private static boolean loadable(String className) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try {
      Class.forName(
          className, false, loader != null ? loader : WriterSafety.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
