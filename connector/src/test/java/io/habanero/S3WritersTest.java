package io.habanero;

import static io.habanero.FailureFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.habanero.errors.HabaneroException;
import io.habanero.errors.ValidationException;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.warehouse.S3aSettings;
import io.habanero.internal.warehouse.WriterSafety;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.ErrorCategory;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsResponse;
import io.habanero.model.GetWorkingLocationResponse;
import io.habanero.s3.HabaneroCredentialsProvider;
import io.habanero.testkit.S3Server;
import io.habanero.testkit.StsStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several writers on S3 (issue 11): without Delta's multi-cluster log store, an S3 changeset is
 * refused at once unless the operator acknowledges a single writer; on the real S3 protocol
 * (S3Proxy in its own JVM, the STS stub) and real Delta. The decision's other branches are checked
 * on the function itself, since no DynamoDB runs here.
 */
class S3WritersTest {
  static final String BUCKET = "lake-writers";
  private static final String[] BOTH_FIXES = {
    "has no log store that is safe for several writers",
    "spark.delta.logStore.s3a.impl=io.delta.storage.S3DynamoDBLogStore",
    "io.delta:delta-storage-s3-dynamodb",
    "spark.io.delta.storage.S3DynamoDBLogStore.ddb.tableName",
    "spark.io.delta.storage.S3DynamoDBLogStore.ddb.region",
    "spark.habanero.s3.single-writer=true",
    "Fix:"
  };

  @TempDir static Path tmp;
  static StsStub sts;
  static S3Server s3;
  static SparkSession spark;

  @BeforeAll
  static void servers() throws Exception {
    System.setProperty("aws.accessKeyId", "base-identity");
    System.setProperty("aws.secretAccessKey", "base-identity-secret");
    sts = StsStub.start(tmp.resolve("tokens"));
    sts.allowRole(S3EnvironmentTest.ROLE);
    s3 = S3Server.start(sts, tmp.resolve("s3"));
    s3.createBucket(BUCKET);
    spark = SharedSpark.get();
  }

  @AfterAll
  static void stop() {
    for (String key : S3aSettings.of(HabaneroSettings.of(settings("x", false))).keySet()) {
      spark.conf().unset(key);
    }
    HabaneroCredentialsProvider.forgetAll();
    if (s3 != null) {
      s3.close();
    }
    if (sts != null) {
      sts.close();
    }
  }

  static Map<String, String> settings(String prefix, boolean singleWriter) {
    Map<String, String> o = new java.util.LinkedHashMap<>();
    o.put("warehouse", "s3a://" + BUCKET + "/" + prefix);
    o.put("environment-id", "s3test");
    o.put("role-arn", S3EnvironmentTest.ROLE);
    o.put("sts.endpoint", sts.endpoint().toString());
    o.put("s3.endpoint", s3.endpoint().toString());
    o.put("s3.path-style-access", "true");
    if (singleWriter) {
      o.put("s3.single-writer", "true");
    }
    return o;
  }

  /** A working location of {@code h} holding one CSV file. */
  private static String staged(Habanero h, String text) {
    GetProgrammaticAccessCredentialsResponse creds =
        h.getProgrammaticAccessCredentials(
            new GetProgrammaticAccessCredentialsRequest("s3test", 60L));
    GetWorkingLocationResponse loc = h.getWorkingLocation(null);
    S3EnvironmentTest.upload(s3, creds, loc.s3Uri(), text);
    return loc.s3Uri();
  }

  private static Path onDisk(String prefix) {
    return s3.dataDirectory().resolve(BUCKET).resolve(prefix);
  }

  @Test
  void withoutAMultiWriterLogStoreOrAnAcknowledgementAnS3WriteFailsAtOnceNamingBothFixes() {
    try (Habanero h = Habanero.create(spark, settings("unsafe", false))) {
      String source = staged(h, "id,name\n1,a\n");
      assertError(
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () -> h.createChangeset(S3EnvironmentTest.csv("t", ChangeType.APPEND, source).build()),
          BOTH_FIXES);
      // The DataFrame write path is refused the same way.
      Throwable frame =
          catchThrowable(
              () ->
                  spark
                      .range(3)
                      .write()
                      .format("habanero")
                      .options(settings("unsafe", false))
                      .option("datasetId", "frame")
                      .mode("append")
                      .save());
      assertThat(ErrorClassifier.classify(frame)).isInstanceOf(ValidationException.class);
      assertThat(frame).hasStackTraceContaining("spark.habanero.s3.single-writer=true");
      // Nothing was recorded and no table was written; reads still need no acknowledgement.
      assertThat(onDisk("unsafe/changesets/t")).doesNotExist();
      assertThat(onDisk("unsafe/changesets/frame")).doesNotExist();
      assertThat(onDisk("unsafe/datasets")).doesNotExist();
      assertThat(catchThrowable(() -> h.readDataset("t"))).hasMessageContaining("Dataset 't'");
    }
  }

  @Test
  void theDynamoDbLogStoreWithoutItsJarIsNamedAndTheAcknowledgementLetsOneWriterIngest() {
    // Delta reads its log store from the SparkConf, so Habanero does too.
    SparkConf conf = spark.sparkContext().conf();
    conf.set("spark.delta.logStore.s3a.impl", WriterSafety.DYNAMODB_LOG_STORE);
    try (Habanero h = Habanero.create(spark, settings("dynamo", true))) {
      String source = staged(h, "id,name\n1,a\n");
      assertError(
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () -> h.createChangeset(S3EnvironmentTest.csv("t", ChangeType.APPEND, source).build()),
          "spark.delta.logStore.s3a.impl names io.delta.storage.S3DynamoDBLogStore",
          "not on the classpath",
          "io.delta:delta-storage-s3-dynamodb");
      assertThat(onDisk("dynamo/changesets/t")).doesNotExist();
    } finally {
      conf.remove("spark.delta.logStore.s3a.impl");
    }

    try (Habanero h = Habanero.create(spark, settings("single", true))) {
      String source = staged(h, "id,name\n1,a\n2,b\n");
      Changeset c =
          S3EnvironmentTest.success(
              h, S3EnvironmentTest.csv("t", ChangeType.APPEND, source).build());
      assertThat(c.id()).isNotBlank();
      assertThat(Fixtures.rows(h.readDataset("t"))).containsExactly("[1,a]", "[2,b]");
      assertThat(onDisk("single/datasets/t/_delta_log")).isDirectory();

      // The source-path boundary on an S3 warehouse: local paths, file: and other schemes are
      // refused at once, naming the accepted ones.
      Path local = tmp.resolve("local.csv");
      Fixtures.write(local, "id,name\n9,z\n");
      for (String path :
          List.of(local.toString(), local.toUri().toString(), "hdfs://nn/feeds/a.csv")) {
        HabaneroException e =
            assertError(
                ValidationException.class,
                ErrorCategory.VALIDATION,
                () ->
                    h.createChangeset(S3EnvironmentTest.csv("t", ChangeType.APPEND, path).build()),
                "sourceParams.s3SourcePath",
                "s3://bucket/key and s3a://bucket/key",
                "only on a local warehouse");
        assertThat(e).hasMessageContaining("Fix:");
      }
      assertThat(Fixtures.rows(h.readDataset("t"))).containsExactly("[1,a]", "[2,b]");
    }
  }

  @Test
  void theDecisionAcceptsOnlyALoadableDynamoDbLogStoreOrAnAcknowledgement() throws Exception {
    String root = "s3a://b/wh";
    // Delta's multi-cluster log store, loadable: safe, with or without the acknowledgement, under
    // either key spelling Delta accepts, and through the deprecated global key.
    for (Map<String, String> conf :
        List.of(
            Map.of("spark.delta.logStore.s3a.impl", WriterSafety.DYNAMODB_LOG_STORE),
            Map.of("delta.logStore.s3a.impl", WriterSafety.DYNAMODB_LOG_STORE),
            Map.of("spark.delta.logStore.class", WriterSafety.DYNAMODB_LOG_STORE))) {
      for (boolean ack : new boolean[] {false, true}) {
        assertThatCode(
                () ->
                    WriterSafety.check(
                        root, "s3a", k -> Optional.ofNullable(conf.get(k)), ack, c -> true))
            .doesNotThrowAnyException();
      }
    }
    // The default log store, the single-driver one named explicitly, or a class Habanero does not
    // know: refused without the acknowledgement, accepted with it.
    for (Map<String, String> conf :
        List.of(
            Map.<String, String>of(),
            Map.of("spark.delta.logStore.s3a.impl", "io.delta.storage.S3SingleDriverLogStore"),
            Map.of("spark.delta.logStore.s3a.impl", "com.example.MyLogStore"),
            Map.of("delta.logStore.class", "com.example.MyLogStore"))) {
      assertError(
          ValidationException.class,
          ErrorCategory.VALIDATION,
          () ->
              WriterSafety.check(
                  root, "s3a", k -> Optional.ofNullable(conf.get(k)), false, c -> true),
          BOTH_FIXES);
      assertThatCode(
              () ->
                  WriterSafety.check(
                      root, "s3a", k -> Optional.ofNullable(conf.get(k)), true, c -> true))
          .doesNotThrowAnyException();
    }
    // The key for s3:// does not configure the s3a:// paths Habanero writes: named as such.
    Map<String, String> wrongScheme =
        Map.of("spark.delta.logStore.s3.impl", WriterSafety.DYNAMODB_LOG_STORE);
    assertError(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            WriterSafety.check(
                root, "s3a", k -> Optional.ofNullable(wrongScheme.get(k)), false, c -> true),
        "spark.delta.logStore.s3.impl is set, but Delta commits to this warehouse through s3a://");
    // Configured but not loadable: named, even with the acknowledgement.
    Map<String, String> dynamo =
        Map.of("spark.delta.logStore.s3a.impl", WriterSafety.DYNAMODB_LOG_STORE);
    assertError(
        ValidationException.class,
        ErrorCategory.VALIDATION,
        () ->
            WriterSafety.check(
                root, "s3a", k -> Optional.ofNullable(dynamo.get(k)), true, c -> false),
        "not on the classpath",
        "io.delta:delta-storage-s3-dynamodb");
    // A local warehouse is not affected: its changesets need neither.
    try (Habanero h = Fixtures.habanero(tmp.resolve("local-wh"))) {
      Path src =
          Fixtures.write(Files.createDirectories(tmp.resolve("lsrc")).resolve("a.csv"), "id\n1\n");
      FailureFixture.createOk(h, Fixtures.csv("l", ChangeType.APPEND, src).build());
    }
  }

  /** Errors' classification, for a DataFrame write whose exception Spark may wrap. */
  private static final class Errors {
    static HabaneroException classify(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof HabaneroException h) {
          return h;
        }
      }
      return null;
    }
  }
}
