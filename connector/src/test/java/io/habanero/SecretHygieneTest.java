package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.internal.warehouse.S3aSettings;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsResponse;
import io.habanero.model.GetWorkingLocationResponse;
import io.habanero.model.IngestionStatus;
import io.habanero.s3.HabaneroCredentialsProvider;
import io.habanero.testkit.S3Server;
import io.habanero.testkit.StsStub;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * A sentinel secret key and the session tokens the STS stub issues are searched for in every
 * channel a user or operator sees: logs at every level of Habanero, Spark, Delta, S3A and the AWS
 * SDKs; exception messages and errorInfo; {@code toString()}; the Spark and Hadoop configuration
 * (what the Spark UI's environment page shows); and query plans.
 */
class SecretHygieneTest {
  static final String SECRET = "SENTINEL-SECRET-" + UUID.randomUUID();
  static final String BUCKET = "lake-secrets";
  static final List<String> LOGGERS =
      List.of(
          "io.habanero",
          "org.apache.spark",
          "org.apache.hadoop.fs.s3a",
          "com.amazonaws",
          "software.amazon.awssdk");

  @TempDir static Path tmp;
  static StsStub sts;
  static S3Server s3;
  static SparkSession spark;
  static final List<String> logged = new ArrayList<>();
  static Capture capture;

  /** Keeps every log event's formatted message and stack trace. */
  static final class Capture extends AbstractAppender {
    Capture() {
      super("secret-capture", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      StringBuilder sb =
          new StringBuilder(
              event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
      for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
        sb.append('\n').append(t);
      }
      synchronized (logged) {
        logged.add(sb.toString());
      }
    }
  }

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("aws.accessKeyId", "base-identity");
    System.setProperty("aws.secretAccessKey", "base-identity-secret");
    sts = StsStub.start(tmp.resolve("tokens"), "AKIASENTINEL00000000", SECRET);
    s3 = S3Server.start(sts, tmp.resolve("s3"));
    s3.createBucket(BUCKET);
    spark = SharedSpark.get();
    capture = new Capture();
    capture.start();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    for (String name : LOGGERS) {
      Configurator.setLevel(name, Level.ALL);
      LoggerConfig cfg = ctx.getConfiguration().getLoggerConfig(name);
      if (!cfg.getName().equals(name)) {
        cfg = new LoggerConfig(name, Level.ALL, true);
        ctx.getConfiguration().addLogger(name, cfg);
      }
      cfg.addAppender(capture, Level.ALL, null);
      cfg.setAdditive(false); // captured, not printed: the console stays readable
    }
    ctx.updateLoggers();
  }

  @AfterAll
  static void stop() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    for (String name : LOGGERS) {
      ctx.getConfiguration().removeLogger(name);
    }
    ctx.updateLoggers();
    for (String key : S3aSettings.of(HabaneroSettings.of(settings())).keySet()) {
      spark.conf().unset(key);
    }
    HabaneroCredentialsProvider.forgetAll();
    s3.close();
    sts.close();
  }

  static Map<String, String> settings() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("warehouse", "s3a://" + BUCKET + "/wh");
    o.put("environment-id", "secrets");
    o.put("role-arn", S3EnvironmentTest.ROLE);
    o.put("sts.endpoint", sts.endpoint().toString());
    o.put("s3.endpoint", s3.endpoint().toString());
    o.put("s3.path-style-access", "true");
    o.put("s3.single-writer", "true"); // this JVM is the only writer
    return o;
  }

  @Test
  void neitherTheSecretKeyNorASessionTokenAppearsInAnyChannel() throws Exception {
    Set<String> tokens = new LinkedHashSet<>();
    List<String> seen = new ArrayList<>(); // every other string a user could see
    try (Habanero h = Habanero.create(spark, settings())) {
      GetProgrammaticAccessCredentialsResponse creds =
          h.getProgrammaticAccessCredentials(
              new GetProgrammaticAccessCredentialsRequest("secrets", 60L));
      // The response itself carries them (that is its job), and toString() hides them.
      assertThat(creds.credentials().secretAccessKey()).isEqualTo(SECRET);
      tokens.add(creds.credentials().sessionToken());
      seen.add(creds.toString());
      seen.add(creds.credentials().toString());
      seen.add(h.settings().toString());

      GetWorkingLocationResponse loc = h.getWorkingLocation(null);
      seen.add(loc.toString());
      S3EnvironmentTest.upload(s3, creds, loc.s3Uri(), "id,name\n1,a\n");
      Changeset ok =
          h.createChangeset(S3EnvironmentTest.csv("t", ChangeType.APPEND, loc.s3Uri()).build())
              .changeset();
      assertThat(ok.status()).isEqualTo(IngestionStatus.SUCCESS);
      seen.add(ok.toString());
      sts.lastSessionToken().ifPresent(tokens::add);

      // A failing changeset (malformed CSV) and a failing call: their messages and errorInfo.
      GetWorkingLocationResponse bad = h.getWorkingLocation(null);
      S3EnvironmentTest.upload(s3, creds, bad.s3Uri(), "id,name\n\"2,b\n");
      Changeset failed =
          h.createChangeset(S3EnvironmentTest.csv("t", ChangeType.APPEND, bad.s3Uri()).build())
              .changeset();
      assertThat(failed.status()).isEqualTo(IngestionStatus.FAILED);
      seen.add(failed.errorInfo().toString());
      sts.denyRole(S3EnvironmentTest.ROLE);
      HabaneroCredentialsProvider.forgetAll();
      try {
        h.getProgrammaticAccessCredentials(
            new GetProgrammaticAccessCredentialsRequest("secrets", 60L));
      } catch (RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
          seen.add(String.valueOf(t));
        }
      }
      sts.allowRole(S3EnvironmentTest.ROLE);

      // Query plans and the data source's relation.
      Dataset<Row> df = h.readDataset("t");
      assertThat(Fixtures.rows(df)).containsExactly("[1,a]");
      seen.add(df.queryExecution().toString());
      Dataset<Row> viaSource =
          spark.read().format("habanero").options(settings()).option("datasetId", "t").load();
      seen.add(viaSource.queryExecution().toString());
      sts.lastSessionToken().ifPresent(tokens::add);

      // The configuration the Spark UI's environment page and SET show, and Hadoop's.
      for (Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
        seen.add(kv._1() + "=" + kv._2());
      }
      spark.conf().getAll().foreach(kv -> seen.add(kv._1() + "=" + kv._2()));
      Configuration hadoop = spark.sessionState().newHadoopConf();
      hadoop.forEach(e -> seen.add(e.getKey() + "=" + e.getValue()));
      seen.add(new HabaneroCredentialsProvider(URI.create("s3a://" + BUCKET), hadoop).toString());
    }

    assertThat(tokens).isNotEmpty().doesNotContainNull();
    List<String> everything = new ArrayList<>(seen);
    synchronized (logged) {
      everything.addAll(logged);
    }
    // The channels were really captured: S3A and Habanero's own work is in the logs, at DEBUG.
    assertThat(logged).anyMatch(m -> m.contains("s3a://" + BUCKET));
    assertThat(logged)
        .anyMatch(
            m ->
                m.startsWith("org.apache.hadoop.fs.s3a") && m.contains("DEBUG")
                    || m.startsWith("org.apache.hadoop.fs.s3a"));
    // Habanero raised the SDKs' request loggers, which print tokens below INFO, and said so.
    assertThat(logged).anyMatch(m -> m.contains("Raised AWS SDK request/wire loggers"));
    for (String s : everything) {
      assertThat(s).doesNotContain(SECRET);
      for (String token : tokens) {
        assertThat(s).doesNotContain(token);
      }
    }
    assertThatThrownBy(() -> assertThat(List.of("x" + SECRET)).noneMatch(v -> v.contains(SECRET)))
        .as("the search itself can fail")
        .isInstanceOf(AssertionError.class);
  }
}
