package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.ResourceNotFoundException;
import io.habanero.errors.ThrottlingException;
import io.habanero.internal.warehouse.S3aSettings;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsResponse;
import io.habanero.model.GetWorkingLocationRequest;
import io.habanero.model.GetWorkingLocationResponse;
import io.habanero.model.IngestionStatus;
import io.habanero.model.LocationType;
import io.habanero.s3.HabaneroCredentialsProvider;
import io.habanero.testkit.S3Server;
import io.habanero.testkit.StsStub;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * An S3 environment end to end, on real protocols: the real STS client against a loopback STS stub,
 * S3A and the AWS SDK against S3Proxy (its own JVM, SigV4 on, rejecting expired session tokens),
 * and real Spark and Delta.
 */
class S3EnvironmentTest {
  static final String ROLE = "arn:aws:iam::123456789012:role/habanero-ingest";
  static final String BUCKET = "lake-env";

  @TempDir static Path tmp;
  static StsStub sts;
  static S3Server s3;
  static SparkSession spark;

  @BeforeAll
  static void servers() throws Exception {
    // The base identity that calls STS: the SDK's default chain reads these system properties.
    System.setProperty("aws.accessKeyId", "base-identity");
    System.setProperty("aws.secretAccessKey", "base-identity-secret");
    sts = StsStub.start(tmp.resolve("tokens"));
    s3 = S3Server.start(sts, tmp.resolve("s3"));
    s3.createBucket(BUCKET);
    spark = SharedSpark.get();
  }

  @AfterAll
  static void stop() {
    // Leave the shared session as other test classes expect it.
    for (String key : S3aSettings.of(HabaneroSettings.of(settings("s3a://x/y"))).keySet()) {
      spark.conf().unset(key);
    }
    if (s3 != null) {
      s3.close();
    }
    if (sts != null) {
      sts.close();
    }
  }

  @AfterEach
  void reset() {
    sts.setCredentialLifetime(null);
    sts.setThrottling(false);
    sts.allowRole(ROLE);
    HabaneroCredentialsProvider.forgetAll();
  }

  static Map<String, String> settings(String warehouse) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("warehouse", warehouse);
    o.put("environment-id", "s3test");
    o.put("role-arn", ROLE);
    o.put("region", "us-east-1");
    o.put("sts.endpoint", sts.endpoint().toString());
    o.put("s3.endpoint", s3.endpoint().toString());
    o.put("s3.path-style-access", "true");
    // One driver (this JVM) writes; without Delta's DynamoDB log store, S3 writes need this.
    o.put("s3.single-writer", "true");
    return o;
  }

  static Habanero s3Habanero(String prefix) {
    return Habanero.create(spark, settings("s3a://" + BUCKET + "/" + prefix));
  }

  /** Uploads with the AWS SDK's S3 client, using the temporary credentials Habanero returned. */
  static void upload(GetProgrammaticAccessCredentialsResponse creds, String s3Uri, String text) {
    upload(s3, creds, s3Uri, text);
  }

  static void upload(
      S3Server s3, GetProgrammaticAccessCredentialsResponse creds, String s3Uri, String text) {
    URI uri = URI.create(s3Uri);
    try (S3Client client =
        S3Clients.withSessionCredentials(
            s3,
            creds.credentials().accessKeyId(),
            creds.credentials().secretAccessKey(),
            creds.credentials().sessionToken())) {
      client.putObject(
          PutObjectRequest.builder()
              .bucket(uri.getHost())
              .key(uri.getPath().substring(1) + "part-0.csv")
              .build(),
          RequestBody.fromString(text));
    }
  }

  static CreateChangesetRequest.Builder csv(String ds, ChangeType type, String path) {
    return CreateChangesetRequest.builder()
        .datasetId(ds)
        .changeType(type)
        .formatType(FormatType.CSV)
        .s3SourcePath(path);
  }

  static Changeset success(Habanero h, CreateChangesetRequest req) {
    Changeset c = h.createChangeset(req).changeset();
    assertThat(c.status()).as(String.valueOf(c.errorInfo())).isEqualTo(IngestionStatus.SUCCESS);
    return c;
  }

  @Test
  void credentialsWorkingLocationUploadAndEveryChangeTypeOnS3() {
    try (Habanero h = s3Habanero("story")) {
      GetProgrammaticAccessCredentialsResponse creds =
          h.getProgrammaticAccessCredentials(
              new GetProgrammaticAccessCredentialsRequest("s3test", 90L));
      assertThat(creds.credentials().accessKeyId()).isEqualTo(sts.accessKeyId());
      assertThat(creds.durationInMinutes()).isEqualTo(90L);
      assertThat(sts.lastDurationSeconds()).hasValue(90 * 60);
      assertThat(sts.lastRoleArn()).hasValue(ROLE);
      assertThat(sts.lastRoleSessionName()).hasValue("habanero-s3test");

      GetWorkingLocationResponse loc1 =
          h.getWorkingLocation(new GetWorkingLocationRequest(LocationType.INGESTION));
      assertThat(loc1.s3Uri()).startsWith("s3://" + BUCKET + "/story/working/ingestion/");
      assertThat(loc1.s3Bucket()).isEqualTo(BUCKET);
      assertThat(loc1.s3Path()).isEqualTo(loc1.s3Uri().substring("s3://".length()));
      upload(creds, loc1.s3Uri(), "id,name\n1,a\n2,b\n");
      Changeset first = success(h, csv("trades", ChangeType.APPEND, loc1.s3Uri()).build());
      assertThat(Fixtures.rows(h.readDataset("trades"))).containsExactly("[1,a]", "[2,b]");

      GetWorkingLocationResponse loc2 = h.getWorkingLocation(null);
      upload(creds, loc2.s3Uri(), "id,name\n3,c\n");
      // s3a:// is accepted as well as s3://.
      Changeset second =
          success(
              h, csv("trades", ChangeType.APPEND, loc2.s3Uri().replace("s3://", "s3a://")).build());
      assertThat(Fixtures.rows(h.readDataset("trades"))).containsExactly("[1,a]", "[2,b]", "[3,c]");

      GetWorkingLocationResponse loc3 = h.getWorkingLocation(null);
      upload(creds, loc3.s3Uri(), "id,name\n1,A\n");
      Changeset modify =
          success(
              h,
              csv("trades", ChangeType.MODIFY, loc3.s3Uri())
                  .updatesChangesetId(first.id())
                  .build());
      assertThat(Fixtures.rows(h.readDataset("trades"))).containsExactly("[1,A]", "[3,c]");

      GetWorkingLocationResponse loc4 = h.getWorkingLocation(null);
      upload(creds, loc4.s3Uri(), "id,name\n9,z\n");
      Changeset replace = success(h, csv("trades", ChangeType.REPLACE, loc4.s3Uri()).build());

      // Read back as of each changeset, row by row.
      assertThat(Fixtures.rows(h.readDataset("trades", first.id())))
          .containsExactly("[1,a]", "[2,b]");
      assertThat(Fixtures.rows(h.readDataset("trades", second.id())))
          .containsExactly("[1,a]", "[2,b]", "[3,c]");
      assertThat(Fixtures.rows(h.readDataset("trades", modify.id())))
          .containsExactly("[1,A]", "[3,c]");
      assertThat(Fixtures.rows(h.readDataset("trades", replace.id()))).containsExactly("[9,z]");
      assertThat(Fixtures.rows(h.readDataset("trades"))).containsExactly("[9,z]");
      // The Delta table and the records live in the bucket, on the S3 server's disk.
      assertThat(s3.dataDirectory().resolve(BUCKET).resolve("story/datasets/trades/_delta_log"))
          .isDirectory();
    }
  }

  @Test
  void aJobLongerThanSeveralCredentialLifetimesSucceedsOnRefreshedCredentials() throws Exception {
    // 6-second credentials; the server rejects them once expired.
    sts.setCredentialLifetime(Duration.ofSeconds(6));
    try (Habanero h = s3Habanero("expiry")) {
      GetWorkingLocationResponse loc = h.getWorkingLocation(null);
      GetProgrammaticAccessCredentialsResponse creds =
          h.getProgrammaticAccessCredentials(
              new GetProgrammaticAccessCredentialsRequest("s3test", 60L));
      upload(creds, loc.s3Uri(), "id,name\n1,a\n2,b\n");
      Thread.sleep(6500);
      // The uploader's credentials are now expired: the server really enforces expiry.
      assertThatThrownBy(() -> upload(creds, loc.s3Uri(), "id,name\n7,x\n"))
          .hasMessageContaining("expired");

      int before = sts.assumeRoleCount();
      // Pause the run between reading and writing, and between writing and committing, for
      // more than two lifetimes in all.
      h.service()
          .setCheckpoint(
              (phase, rec) -> {
                if (phase.equals("running") || phase.equals("written")) {
                  Thread.sleep(7000);
                }
              });
      Changeset c = success(h, csv("long", ChangeType.APPEND, loc.s3Uri()).build());
      h.service().setCheckpoint(null);

      assertThat(Fixtures.rows(h.readDataset("long"))).containsExactly("[1,a]", "[2,b]");
      assertThat(c.status()).isEqualTo(IngestionStatus.SUCCESS);
      // The provider assumed the role again as the credentials aged.
      assertThat(sts.assumeRoleCount() - before).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void aFailedRefreshFailsTheChangesetBeforeCommitWithNoData() throws Exception {
    // Records on local disk, the source on S3 (an allowed prefix), so the FAILED record can be
    // written while S3 is unreachable for want of credentials.
    sts.setCredentialLifetime(Duration.ofSeconds(3));
    Map<String, String> o = settings(tmp.resolve("local-wh").toString());
    o.put("source.allowed-prefixes", "s3://" + BUCKET + "/feeds/");
    try (Habanero h = Habanero.create(spark, o)) {
      GetProgrammaticAccessCredentialsResponse creds =
          h.getProgrammaticAccessCredentials(
              new GetProgrammaticAccessCredentialsRequest("s3test", 60L));
      upload(creds, "s3://" + BUCKET + "/feeds/day1/", "id,name\n1,a\n");
      h.service()
          .setCheckpoint(
              (phase, rec) -> {
                if (phase.equals("running")) {
                  sts.denyRole(ROLE);
                  Thread.sleep(3500); // the credentials in hand expire
                }
              });
      Changeset c =
          h.createChangeset(
                  csv("denied", ChangeType.APPEND, "s3://" + BUCKET + "/feeds/day1/").build())
              .changeset();
      h.service().setCheckpoint(null);

      assertThat(c.status()).isEqualTo(IngestionStatus.FAILED);
      assertThat(c.errorInfo().errorCategory()).isEqualTo(ErrorCategory.ACCESS_DENIED);
      assertThat(c.errorInfo().errorMessage())
          .contains("STS AssumeRole of " + ROLE + " failed with AccessDenied");
      assertThatThrownBy(() -> h.readDataset("denied")).hasMessageContaining("Dataset 'denied'");
    }
  }

  @Test
  void aDeniedRoleAThrottledStsADeniedPathAndAMissingBucketMapToTheModelsErrors() {
    try (Habanero h = s3Habanero("errors")) {
      sts.denyRole(ROLE);
      assertThatThrownBy(
              () ->
                  h.getProgrammaticAccessCredentials(
                      new GetProgrammaticAccessCredentialsRequest("s3test", 60L)))
          .isInstanceOfSatisfying(
              AccessDeniedException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.ACCESS_DENIED))
          .hasMessageContaining("failed with AccessDenied (HTTP 403)")
          .hasMessageContaining("Fix: allow this principal to assume the role");
      sts.allowRole(ROLE);

      sts.setThrottling(true);
      assertThatThrownBy(
              () ->
                  h.getProgrammaticAccessCredentials(
                      new GetProgrammaticAccessCredentialsRequest("s3test", 60L)))
          .isInstanceOfSatisfying(
              ThrottlingException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.THROTTLING))
          .hasMessageContaining("Throttling")
          .hasMessageContaining("Fix: retry later");
      sts.setThrottling(false);

      // Outside the warehouse: denied, the same for an existing and a missing object.
      for (String outside : List.of("s3://" + BUCKET + "/elsewhere/", "s3://no-such-bucket/x/")) {
        assertThatThrownBy(() -> h.createChangeset(csv("d", ChangeType.APPEND, outside).build()))
            .isInstanceOfSatisfying(
                AccessDeniedException.class,
                e -> assertThat(e.category()).isEqualTo(ErrorCategory.ACCESS_DENIED))
            .hasMessageContaining("is outside the environment's allowed roots");
      }
    }
    // A warehouse in a bucket that does not exist.
    assertThatThrownBy(() -> Habanero.create(spark, settings("s3a://no-such-bucket/wh")))
        .isInstanceOfSatisfying(
            ResourceNotFoundException.class,
            e -> assertThat(e.category()).isEqualTo(ErrorCategory.RESOURCE_NOT_FOUND))
        .hasMessageContaining("The warehouse bucket of s3a://no-such-bucket/wh does not exist")
        .hasMessageContaining("Fix: create the bucket");
    // A source in an allowed prefix whose bucket does not exist.
    Map<String, String> o = settings("s3a://" + BUCKET + "/errors");
    o.put("source.allowed-prefixes", "s3://missing-feeds/");
    try (Habanero h = Habanero.create(spark, o)) {
      assertThatThrownBy(
              () -> h.createChangeset(csv("d", ChangeType.APPEND, "s3://missing-feeds/x/").build()))
          .isInstanceOfSatisfying(
              ResourceNotFoundException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.RESOURCE_NOT_FOUND))
          .hasMessageContaining("'s3://missing-feeds/x/' does not exist");
    }
  }
}
