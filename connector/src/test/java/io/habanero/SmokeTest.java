package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.model.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path tmp;

  @Test
  void appendModifyReplaceAndTimeTravel() throws Exception {
    try (Habanero h =
        Habanero.create(SharedSpark.get(), Map.of("warehouse", tmp.resolve("wh").toString()))) {
      GetWorkingLocationResponse loc =
          h.getWorkingLocation(new GetWorkingLocationRequest(LocationType.INGESTION));
      Path dir = Path.of(loc.s3Path());
      Files.writeString(dir.resolve("a.csv"), "id,name\n1,a\n2,b\n");
      Changeset c1 =
          h.createChangeset(
                  CreateChangesetRequest.builder()
                      .datasetId("t")
                      .changeType(ChangeType.APPEND)
                      .s3SourcePath(loc.s3Uri())
                      .formatType(FormatType.CSV)
                      .build())
              .changeset();
      System.out.println(c1);
      assertThat(c1.status()).isEqualTo(IngestionStatus.SUCCESS);
      Path d2 = tmp.resolve("b");
      Files.createDirectories(d2);
      Files.writeString(d2.resolve("b.csv"), "id,name\n3,c\n");
      Changeset c2 =
          h.createChangeset(
                  CreateChangesetRequest.builder()
                      .datasetId("t")
                      .changeType(ChangeType.APPEND)
                      .s3SourcePath(d2.toString())
                      .formatType(FormatType.CSV)
                      .build())
              .changeset();
      assertThat(c2.status()).isEqualTo(IngestionStatus.SUCCESS);
      Path d3 = tmp.resolve("c");
      Files.createDirectories(d3);
      Files.writeString(d3.resolve("c.csv"), "id,name\n10,x\n");
      Changeset c3 =
          h.createChangeset(
                  CreateChangesetRequest.builder()
                      .datasetId("t")
                      .changeType(ChangeType.MODIFY)
                      .updatesChangesetId(c1.id())
                      .s3SourcePath(d3.toString())
                      .formatType(FormatType.CSV)
                      .build())
              .changeset();
      System.out.println(c3);
      assertThat(c3.status()).isEqualTo(IngestionStatus.SUCCESS);
      List<Row> now = h.readDataset("t").orderBy("id").collectAsList();
      assertThat(now.toString()).isEqualTo("[[3,c], [10,x]]");
      assertThat(h.readDataset("t", c1.id()).orderBy("id").collectAsList().toString())
          .isEqualTo("[[1,a], [2,b]]");
      System.out.println(h.listChangesets(new ListChangesetsRequest("t", null, null)));
    }
  }
}
