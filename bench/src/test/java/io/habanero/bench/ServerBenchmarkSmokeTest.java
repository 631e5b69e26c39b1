package io.habanero.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench server}, bounded: 4 clients polling GetChangeset and ListChangesets through
 * the REST endpoint for 10 s while 2 changesets (200,000 rows each) run on 2 datasets. Asserts no
 * request failed or answered wrongly, every changeset SUCCESS and every row exactly once in the
 * data; no timing is asserted (latency targets belong to the benchmark). The CLI comparison is left
 * to the benchmark (a JVM per call).
 */
class ServerBenchmarkSmokeTest {
  @TempDir Path work;

  @Test
  void pollingWhileIngestingLosesNothingAndFailsNothing() throws Exception {
    SparkSession spark = BenchSupport.session("server-benchmark-smoke-test");
    ServerBenchmark.Options o = ServerBenchmark.Options.smoke(work).withCliCalls(0);
    ServerBenchmark.Result r = new ServerBenchmark(spark, o).run();
    // The report renders (its numbers are not checked).
    assertThat(ServerReport.markdown(r, o)).contains("Every row exactly once");

    assertThat(r.failures).isEmpty();
    assertThat(r.errorsByType).isEmpty();
    assertThat(r.errorsTotal).isZero();
    assertThat(r.ops.get(ServerBenchmark.GET).ok).isPositive();
    assertThat(r.ops.get(ServerBenchmark.LIST).ok).isPositive();
    assertThat(r.changesets).hasSize(2).allSatisfy(c -> assertThat(c.status).isEqualTo("SUCCESS"));
    assertThat(r.datasets).hasSize(2);
    for (ServerBenchmark.DatasetCheck d : r.datasets) {
      assertThat(d.rows).as(d.datasetId).isEqualTo(d.expectedRows).isEqualTo(200_000);
      assertThat(d.distinctIds).as(d.datasetId).isEqualTo(d.expectedRows);
      assertThat(d.idSum).as(d.datasetId).isEqualTo(d.expectedIdSum);
      assertThat(d.rowsByChangeset).as(d.datasetId).hasSize(1).containsValue(200_000L);
      assertThat(d.contentHash).as(d.datasetId).isEqualTo(d.contentHashExpected);
      assertThat(d.ok).as(d.datasetId).isTrue();
    }
    assertThat(r.exactlyOnce()).isTrue();
  }
}
