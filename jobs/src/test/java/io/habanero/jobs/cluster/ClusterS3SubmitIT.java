package io.habanero.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.S3Clients;
import io.habanero.testkit.S3Server;
import io.habanero.testkit.StsStub;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * {@link ClusterSubmitIT}'s story on an S3 environment: the warehouse and the sources are in a
 * loopback S3 server (S3Proxy in its own JVM, SigV4, accepting only unexpired session tokens of the
 * STS stub), and the driver and the executors reach it through S3A with Habanero's credentials
 * provider, each JVM assuming the environment's role at the STS stub with the base identity of its
 * environment (AWS_* variables of the submit and of the worker, which the executors inherit).
 *
 * <p>Unlike {@link ClusterSubmitIT}, the jobs jar is also on the driver's and the executors'
 * extraClassPath: S3A (Hadoop 3.3.x) instantiates {@code fs.s3a.aws.credentials.provider} classes
 * with the class loader that loaded S3A (HADOOP-17372), so Habanero's provider is not found in a
 * jar that is only submitted (ClassNotFoundException, exit 2 "warehouse cannot be opened").
 *
 * <p>The sources are uploaded with the AWS SDK's S3 client to a working location, with the
 * temporary credentials the CLI's get-programmatic-access-credentials prints. Then the story, and
 * proof that the executors read and wrote S3: each create and read ran tasks on the worker's
 * executors, which read s3a:// files there and assumed the role (the stub counts at least a
 * driver's and an executor's AssumeRole per such submit); the Delta table is in the S3 server's
 * data directory, one commit per changeset, with every data file its commits add.
 */
class ClusterS3SubmitIT {
  private static final String ROLE = "arn:aws:iam::123456789012:role/habanero-ingest";
  private static final String BUCKET = "habanero-it";
  private static final String PREFIX = "lake/cluster";
  private static final String WAREHOUSE = "s3a://" + BUCKET + "/" + PREFIX;
  private static final String ENVIRONMENT = "clusterit";

  /** The base identity that calls STS: any key pair (the stub checks no signature). */
  private static final Map<String, String> BASE_IDENTITY =
      Map.of(
          "AWS_ACCESS_KEY_ID", "base-identity",
          "AWS_SECRET_ACCESS_KEY", "base-identity-secret",
          "AWS_REGION", "us-east-1");

  @TempDir Path tmp;

  @Test
  void changesetsOnAnS3EnvironmentRunOnTheClusterExecutors() throws Exception {
    long t0 = System.nanoTime();
    ClusterStory.jobsJar();
    ClusterStory.Samples samples = ClusterStory.Samples.write(tmp.resolve("samples"));

    try (StsStub sts = StsStub.start(tmp.resolve("sts-tokens"));
        S3Server s3 = S3Server.start(sts, tmp.resolve("s3-data"));
        StandaloneCluster cluster =
            StandaloneCluster.start(ClusterStory.itDir().resolve("s3"), BASE_IDENTITY)) {
      s3.createBucket(BUCKET);
      Duration startup = Duration.ofNanos(System.nanoTime() - t0);

      Map<String, String> conf = new LinkedHashMap<>();
      conf.put("spark.habanero.environment-id", ENVIRONMENT);
      conf.put("spark.habanero.role-arn", ROLE);
      conf.put("spark.habanero.region", "us-east-1");
      conf.put("spark.habanero.sts.endpoint", sts.endpoint().toString());
      conf.put("spark.habanero.s3.endpoint", s3.endpoint().toString());
      conf.put("spark.habanero.s3.path-style-access", "true");
      // Each submitted driver writes alone (the story's steps run one after another).
      conf.put("spark.habanero.s3.single-writer", "true");
      BASE_IDENTITY.forEach((k, v) -> conf.put("spark.executorEnv." + k, v));
      // S3A of Hadoop 3.3.x loads credentials providers only through its own class loader
      // (HADOOP-17372, HADOOP-18993), never the application's: the jar must also be on the JVMs'
      // own classpath, as on a real cluster (e.g. EMR's extraClassPath).
      String jar = ClusterStory.jobsJar().toString();
      conf.put("spark.driver.extraClassPath", jar);
      conf.put("spark.executor.extraClassPath", jar);
      AssumeRoleCounter assumed = new AssumeRoleCounter(sts, cluster);
      ClusterStory story =
          new ClusterStory(cluster, List.of("--warehouse", WAREHOUSE), conf, assumed);

      // Stage the sources the way a user would: temporary credentials, a working location, PUTs.
      JsonNode credentials =
          ClusterStory.JSON
              .readTree(
                  story
                      .cli(
                          "credentials",
                          false,
                          "get-programmatic-access-credentials",
                          "--environment-id",
                          ENVIRONMENT)
                      .out())
              .path("credentials");
      assertThat(credentials.path("sessionToken").asText()).isNotBlank();
      String location =
          ClusterStory.JSON
              .readTree(
                  story
                      .cli(
                          "working-location",
                          false,
                          "get-working-location",
                          "--location-type",
                          "INGESTION")
                      .out())
              .path("s3Uri")
              .asText();
      assertThat(location).startsWith("s3://" + BUCKET + "/" + PREFIX + "/working/ingestion/");
      if (!location.endsWith("/")) {
        location += "/";
      }
      List<String> names = List.of("append-1", "append-2", "modify-1", "replace");
      List<String> sources = new ArrayList<>();
      try (S3Client client = s3Client(s3, credentials)) {
        for (int i = 0; i < names.size(); i++) {
          String dir = location + names.get(i) + "/";
          Path file = samples.files().get(i);
          URI uri = URI.create(dir + file.getFileName());
          client.putObject(
              PutObjectRequest.builder()
                  .bucket(uri.getHost())
                  .key(uri.getPath().substring(1))
                  .build(),
              RequestBody.fromFile(file));
          // The second through s3a://, the others through s3://: both schemes must work.
          sources.add(i == 1 ? "s3a" + dir.substring("s3".length()) : dir);
        }
      }

      ClusterStory.Changesets created = story.run(samples, sources);

      // The Delta table is in the S3 server's store: one commit per changeset, and every data
      // file its commits add (written by the executors' tasks) is there.
      Path table =
          s3.dataDirectory().resolve(BUCKET).resolve(PREFIX).resolve("datasets").resolve("trades");
      List<Path> commits = commits(table.resolve("_delta_log"));
      List<String> added = new ArrayList<>();
      for (Path commit : commits) {
        for (String line : Files.readAllLines(commit, StandardCharsets.UTF_8)) {
          JsonNode add = ClusterStory.JSON.readTree(line).path("add");
          if (!add.isMissingNode()) {
            added.add(URLDecoder.decode(add.path("path").asText(), StandardCharsets.UTF_8));
          }
        }
      }
      assertThat(commits).as("commits in %s", table).hasSize(created.ids().size());
      assertThat(added).as("data files added by %s", commits).isNotEmpty();
      for (String file : added) {
        assertThat(table.resolve(file)).as("data file in the S3 store").isRegularFile();
      }

      // Secrets: only get-programmatic-access-credentials' own response carries them; no other
      // CLI output (stdout or stderr, driver logs included) shows the secret key or the token.
      String secret = credentials.path("secretAccessKey").asText();
      String token = credentials.path("sessionToken").asText();
      assertThat(secret).isEqualTo(sts.secretAccessKey());
      assertThat(story.submits()).filteredOn(x -> x.name().endsWith("-credentials")).hasSize(1);
      for (StandaloneCluster.Submit submit : story.submits()) {
        if (submit.name().endsWith("-credentials")) {
          assertThat(submit.out()).contains(secret).contains(token);
          continue;
        }
        assertThat(submit.out() + submit.err())
            .as("output of %s", submit.name())
            .doesNotContain(secret)
            .doesNotContain(token);
      }

      assumed.assertEveryTaskRunningSubmitAssumedTheRole();
      story.assertMasterAndWorkerSawEveryApplication();
      story.printTimings(startup, t0);
      System.out.printf(
          "AssumeRole calls: %d; commits: %d; data files: %d%n",
          sts.assumeRoleCount(), commits.size(), added.size());
    }
  }

  /**
   * After each submit: how many AssumeRole calls the stub received during it; and for those that
   * ran tasks, that their executors read s3a:// objects of the warehouse.
   */
  private static final class AssumeRoleCounter implements ClusterStory.SubmitCheck {
    private final StsStub sts;
    private final StandaloneCluster cluster;
    private final Map<String, Integer> perTaskRunningSubmit = new LinkedHashMap<>();
    private int seen;

    AssumeRoleCounter(StsStub sts, StandaloneCluster cluster) {
      this.sts = sts;
      this.cluster = cluster;
      this.seen = sts.assumeRoleCount();
    }

    @Override
    public void check(StandaloneCluster.Submit s, boolean ranTasks) {
      int now = sts.assumeRoleCount();
      int during = now - seen;
      seen = now;
      assertThat(during).as("AssumeRole calls during %s", s.name()).isPositive();
      if (ranTasks) {
        perTaskRunningSubmit.put(s.name(), during);
        assertThat(cluster.executorLogs(s.appIds().get(0)))
            .as("executor stderr of %s", s.name())
            .containsPattern(
                Pattern.compile(
                    "Reading File path: s3a://" + Pattern.quote(BUCKET + "/" + PREFIX + "/")));
      }
    }

    /** The driver and the executor of every create and read are JVMs of their own: each assumed. */
    void assertEveryTaskRunningSubmitAssumedTheRole() {
      assertThat(perTaskRunningSubmit).hasSize(8);
      assertThat(perTaskRunningSubmit.values())
          .as("AssumeRole calls per create/read: %s", perTaskRunningSubmit)
          .allMatch(n -> n >= 2);
    }
  }

  private static S3Client s3Client(S3Server s3, JsonNode credentials) {
    return S3Clients.withSessionCredentials(
        s3,
        credentials.path("accessKeyId").asText(),
        credentials.path("secretAccessKey").asText(),
        credentials.path("sessionToken").asText());
  }

  /**
   * The Delta commit files (00000000000000000000.json, ...) of a _delta_log directory, in order.
   */
  private static List<Path> commits(Path log) throws IOException {
    assertThat(log).as("Delta log in the S3 store").isDirectory();
    try (Stream<Path> s = Files.list(log)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).sorted().toList();
    }
  }
}
