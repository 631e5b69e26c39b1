package io.habanero.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.Habanero;
import io.habanero.SharedSpark;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;
import software.amazon.awssdk.services.finspacedata.model.IngestionStatus;

/**
 * {@code serve} under {@code spark-submit} of the shaded jobs jar to a standalone cluster: the
 * endpoint's changesets run on the cluster's executors, a real SDK client drives it over loopback,
 * and SIGTERM stops it gracefully. The data is then read on this JVM's own Spark.
 */
class ServeOnClusterIT {
  private static final String KEY = "AKIDCLUSTERSERVE0001";
  private static final String SECRET = "cluster-serve-secret-0123456789abcdef";

  @TempDir Path tmp;

  @Test
  void serveRunsItsChangesetsOnTheClusterAndStopsOnSigterm() throws Exception {
    Path jar = ClusterStory.jobsJar();
    Path warehouse = tmp.resolve("warehouse");
    Path src = tmp.resolve("src/trades.csv");
    Files.createDirectories(src.getParent());
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 0; i < 500; i++) {
      csv.append(i).append(",n").append(i).append('\n');
    }
    Files.writeString(src, csv);

    Map<String, String> env =
        Map.of("HABANERO_ACCESS_KEY_ID", KEY, "HABANERO_SECRET_ACCESS_KEY", SECRET);
    try (StandaloneCluster cluster = StandaloneCluster.start(ClusterStory.itDir(), env)) {
      Set<String> appsBefore = new HashSet<>(cluster.appDirs());
      StandaloneCluster.Launched serve =
          cluster.launch(
              "serve",
              jar,
              "io.habanero.jobs.HabaneroCli",
              Map.of(),
              List.of("--warehouse", warehouse.toString(), "serve", "--port", "0"));
      URI endpoint = awaitReady(serve);

      try (FinspaceDataClient c =
          FinspaceDataClient.builder()
              .endpointOverride(endpoint)
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)))
              .httpClient(ApacheHttpClient.builder().build())
              .build()) {
        String id =
            c.createChangeset(
                    r ->
                        r.datasetId("trades")
                            .changeType(ChangeType.APPEND)
                            .sourceParams(
                                Map.of("sourceType", "S3", "s3SourcePath", src.toString()))
                            .formatParams(Map.of("formatType", "CSV", "withHeader", "true")))
                .changesetId();
        IngestionStatus s = IngestionStatus.PENDING;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while ((s == IngestionStatus.PENDING || s == IngestionStatus.RUNNING)
            && System.nanoTime() < deadline) {
          Thread.sleep(500);
          s = c.getChangeset(r -> r.datasetId("trades").changesetId(id)).status();
        }
        assertThat(s).as("%s", serve.stderr()).isEqualTo(IngestionStatus.SUCCESS);
        assertThat(c.listChangesets(r -> r.datasetId("trades")).changesets()).hasSize(1);
      }
      // The changeset's Spark jobs ran in an executor of the worker, for the serve application.
      assertThat(cluster.appDirs())
          .as("a new application ran on the worker")
          .hasSizeGreaterThan(appsBefore.size());

      serve.process().destroy(); // SIGTERM
      assertThat(serve.process().waitFor(90, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
      assertThat(serve.stderr())
          .contains("habanero-serve: stopping")
          .contains("habanero-serve: stopped;");
      assertThat(serve.stdout().strip()).isEqualTo("{\"endpoint\": \"" + endpoint + "\"}");
    }

    try (Habanero h =
        Habanero.create(SharedSpark.get(), Map.of("warehouse", warehouse.toString()))) {
      var rows = h.readDataset("trades").collectAsList();
      assertThat(rows).hasSize(500);
      assertThat(rows.stream().map(r -> r.get(0).toString()).distinct().count()).isEqualTo(500);
    }
  }

  private static URI awaitReady(StandaloneCluster.Launched serve) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      String out = serve.stdout();
      if (out.contains("\n")) {
        var node = new ObjectMapper().readTree(out.lines().findFirst().orElseThrow());
        return URI.create(node.get("endpoint").asText());
      }
      assertThat(serve.process().isAlive()).as("serve died:\n%s", serve.stderr()).isTrue();
      Thread.sleep(250);
    }
    throw new AssertionError("serve printed no ready line in 3 minutes:\n" + serve.stderr());
  }
}
