package io.habanero.compat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;
import software.amazon.awssdk.services.finspacedata.model.ChangesetSummary;
import software.amazon.awssdk.services.finspacedata.model.GetChangesetResponse;
import software.amazon.awssdk.services.finspacedata.model.IngestionStatus;
import software.amazon.awssdk.services.finspacedata.model.LocationType;

/**
 * A FinSpace Data program as a FinSpace user writes one with the AWS SDK for Java (finspacedata
 * 2.40.2, the client's last release), unchanged but for the endpoint URL and the keys, which it
 * takes from HABANERO_ENDPOINT, HABANERO_ACCESS_KEY_ID and HABANERO_SECRET_ACCESS_KEY. It runs the
 * whole changeset lifecycle: temporary credentials, a client built from them, the working location,
 * a staged file, CreateChangeset, polling GetChangeset, a second APPEND, ListChangesets through the
 * paginator, and a correction (UpdateChangeset). {@code scripts/serve-smoke} runs it against {@code
 * scripts/habanero serve}. Exit status 0 when every answer is what FinSpace would give; 1 with a
 * message on stderr at the first that is not. No secret is printed.
 *
 * <p>Usage: {@code FinspaceSdkLifecycle STAGING_SCRATCH_DIR} (unused on S3; a local warehouse's
 * working location is a local directory the program writes into).
 */
public final class FinspaceSdkLifecycle {
  private static final Map<String, String> CSV =
      Map.of("formatType", "CSV", "withHeader", "true", "separator", ",");

  private FinspaceSdkLifecycle() {}

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(env("HABANERO_ENDPOINT"));
    String dataset = System.getenv().getOrDefault("HABANERO_DATASET_ID", "java_trades");
    try (FinspaceDataClient ops =
        client(
            endpoint,
            AwsBasicCredentials.create(
                env("HABANERO_ACCESS_KEY_ID"), env("HABANERO_SECRET_ACCESS_KEY")))) {
      var c =
          ops.getProgrammaticAccessCredentials(r -> r.environmentId("local").durationInMinutes(60L))
              .credentials();
      try (FinspaceDataClient fs =
          client(
              endpoint,
              AwsSessionCredentials.create(
                  c.accessKeyId(), c.secretAccessKey(), c.sessionToken()))) {
        var loc = fs.getWorkingLocation(r -> r.locationType(LocationType.INGESTION));
        Files.writeString(
            Path.of(loc.s3Path()).resolve("day1.csv"),
            "trade_id,symbol,qty\n1,AAPL,100\n2,MSFT,50\n");
        String day1 = create(fs, dataset, loc.s3Uri());
        expect(
            await(fs, dataset, day1).status() == IngestionStatus.SUCCESS, "day 1 did not succeed");

        var loc2 = fs.getWorkingLocation(r -> r.locationType(LocationType.INGESTION));
        Files.writeString(
            Path.of(loc2.s3Path()).resolve("day2.csv"), "trade_id,symbol,qty\n3,AMZN,75\n");
        String day2 = create(fs, dataset, loc2.s3Uri());
        expect(
            await(fs, dataset, day2).status() == IngestionStatus.SUCCESS, "day 2 did not succeed");

        List<String> listed =
            StreamSupport.stream(
                    fs.listChangesetsPaginator(r -> r.datasetId(dataset).maxResults(1))
                        .changesets()
                        .spliterator(),
                    false)
                .map(ChangesetSummary::changesetId)
                .toList();
        expect(listed.equals(List.of(day1, day2)), "ListChangesets gave " + listed);

        var loc3 = fs.getWorkingLocation(r -> r.locationType(LocationType.INGESTION));
        Files.writeString(
            Path.of(loc3.s3Path()).resolve("day1-fixed.csv"),
            "trade_id,symbol,qty\n1,AAPL,110\n2,MSFT,50\n");
        String fix =
            fs.updateChangeset(
                    r ->
                        r.datasetId(dataset)
                            .changesetId(day1)
                            .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", loc3.s3Uri()))
                            .formatParams(CSV))
                .changesetId();
        GetChangesetResponse fixed = await(fs, dataset, fix);
        expect(
            fixed.status() == IngestionStatus.SUCCESS, "the correction did not succeed: " + fixed);
        GetChangesetResponse old = fs.getChangeset(r -> r.datasetId(dataset).changesetId(day1));
        expect(fix.equals(old.updatedByChangesetId()), "day 1 is not updated by the correction");
        expect(old.activeUntilTimestamp() != null, "day 1 has no activeUntilTimestamp");
        System.out.println(
            "{\"datasetId\": \""
                + dataset
                + "\", \"changesets\": [\""
                + day1
                + "\", \""
                + day2
                + "\", \""
                + fix
                + "\"], \"status\": \"SUCCESS\"}");
      }
    } catch (IllegalStateException e) {
      System.err.println("FinspaceSdkLifecycle: " + e.getMessage());
      System.exit(1);
    }
  }

  private static FinspaceDataClient client(URI endpoint, AwsCredentials credentials) {
    return FinspaceDataClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(credentials))
        .build();
  }

  private static String create(FinspaceDataClient fs, String dataset, String path) {
    return fs.createChangeset(
            r ->
                r.datasetId(dataset)
                    .changeType(ChangeType.APPEND)
                    .sourceParams(Map.of("sourceType", "S3", "s3SourcePath", path))
                    .formatParams(CSV))
        .changesetId();
  }

  /** Polls as FinSpace programs do: only PENDING and RUNNING are in progress. */
  private static GetChangesetResponse await(FinspaceDataClient fs, String dataset, String id)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      GetChangesetResponse r = fs.getChangeset(g -> g.datasetId(dataset).changesetId(id));
      if (r.status() != IngestionStatus.PENDING && r.status() != IngestionStatus.RUNNING) {
        return r;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("changeset " + id + " did not end in 5 minutes");
  }

  private static void expect(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set");
    }
    return v;
  }
}
