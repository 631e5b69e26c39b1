package io.habanero.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.jobs.samples.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleDataTest {
  @TempDir Path tmp;

  @Test
  void tradesAreDeterministicWithFourDecimalPricesAndMicrosecondTimestamps() {
    String a = SampleData.tradesCsv(1, 20, SampleData.SEED);

    assertThat(SampleData.tradesCsv(1, 20, SampleData.SEED)).isEqualTo(a);
    List<String> lines = a.lines().toList();
    assertThat(lines).hasSize(21);
    assertThat(lines.get(0)).isEqualTo(SampleData.TRADES_HEADER);
    assertThat(lines.get(1))
        .matches(
            "1,[A-Z.]+,(BUY|SELL),\\d+,\\d+\\.\\d{4},2024-03-15 \\d\\d:\\d\\d:\\d\\d\\.\\d{6},"
                + "[A-Z]{4},USD,T00\\d,2024-03-17");
  }

  @Test
  void corporateActionsXmlIngestsWithRowTagActionAndNestedTerms() throws Exception {
    Path dir = tmp.resolve("samples");
    SampleData.writeTextSamples(dir, 10);
    Path xml = dir.resolve("corporate-actions/actions.xml");
    assertThat(Files.readString(xml)).contains("<action id=\"CA1\">").contains("<terms>");

    CliRun r =
        CliRun.on(
            tmp.resolve("wh"),
            "create-changeset",
            "--dataset-id",
            "corp_actions",
            "--change-type",
            "APPEND",
            "--source-params",
            "s3SourcePath=" + xml,
            "--format-type",
            "XML",
            "--format-params",
            "rowTag=action");
    assertThat(r.code()).as(r.toString()).isZero();

    List<JsonNode> rows =
        CliRun.on(tmp.resolve("wh"), "read-dataset", "--dataset-id", "corp_actions").jsonLines();
    // rows / 5 actions, each with its nested terms element read as a struct.
    assertThat(rows).hasSize(2);
    assertThat(rows)
        .allSatisfy(n -> assertThat(n.get("terms").get("ratio").asText()).contains(":"));
    assertThat(rows).extracting(n -> n.get("_id").asText()).containsExactlyInAnyOrder("CA1", "CA2");
  }
}
