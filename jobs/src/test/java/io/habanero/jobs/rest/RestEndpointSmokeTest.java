package io.habanero.jobs.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.finspacedata.FinspaceDataClient;
import software.amazon.awssdk.services.finspacedata.model.ChangeType;
import software.amazon.awssdk.services.finspacedata.model.IngestionStatus;

class RestEndpointSmokeTest {
  @TempDir Path tmp;

  @Test
  void createAndPoll() throws Exception {
    Path src = tmp.resolve("src/a.csv");
    Files.createDirectories(src.getParent());
    Files.writeString(src, "id,name\n1,a\n2,b\n");
    try (EndpointFixture f = new EndpointFixture(tmp.resolve("wh"), EndpointFixture.config());
        FinspaceDataClient c = f.client()) {
      var loc = c.getWorkingLocation(r -> {});
      assertThat(loc.s3Uri()).contains("working/ingestion");
      var created =
          c.createChangeset(
              r ->
                  r.datasetId("trades")
                      .changeType(ChangeType.APPEND)
                      .sourceParams(
                          java.util.Map.of("sourceType", "S3", "s3SourcePath", src.toString()))
                      .formatParams(java.util.Map.of("formatType", "CSV", "withHeader", "true")));
      String id = created.changesetId();
      IngestionStatus s = null;
      for (int i = 0; i < 240; i++) {
        s = c.getChangeset(r -> r.datasetId("trades").changesetId(id)).status();
        if (s == IngestionStatus.SUCCESS || s == IngestionStatus.FAILED) break;
        Thread.sleep(250);
      }
      assertThat(s).isEqualTo(IngestionStatus.SUCCESS);
      assertThat(f.habanero.readDataset("trades").count()).isEqualTo(2);
    }
  }
}
