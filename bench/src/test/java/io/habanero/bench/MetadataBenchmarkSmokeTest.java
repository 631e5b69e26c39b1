package io.habanero.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.testkit.S3Server;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 part of {@code scripts/bench metadata --smoke}, bounded: datasets of N = 10 and 50
 * changesets on S3Proxy, every operation run (1 warm-up, 3 measured runs) and checked, and each
 * operation's S3 requests (the ticker's time-dependent ones aside) equal at both N, run by run. No
 * timing is asserted: speed targets belong to the benchmark.
 */
class MetadataBenchmarkSmokeTest {
  @TempDir Path work;

  @Test
  void s3RequestsPerOperationDoNotDependOnTheNumberOfChangesets() throws Exception {
    SparkSession spark = BenchSupport.session("metadata-benchmark-smoke-test");
    MetadataBenchmark b = new MetadataBenchmark(spark, work, 1, 3, 1);
    List<MetadataBenchmark.SizeResult> results;
    try (S3Server s3 = MetadataBenchmark.startS3()) {
      MetadataBenchmark.configureS3a(spark, s3);
      results = b.measureS3(s3, List.of(10, 50));
    }
    // A wrong result of any operation, or requests that grow with N, is a failure.
    assertThat(b.failures).isEmpty();
    assertThat(results).extracting(r -> r.n).containsExactly(10, 50);
    for (String op : MetadataBenchmark.OPS) {
      MetadataBenchmark.OpResult small = results.get(0).ops.get(op);
      MetadataBenchmark.OpResult large = results.get(1).ops.get(op);
      assertThat(small.countedRequests()).as(op).hasSize(3).doesNotContain(0L);
      assertThat(large.countedRequests())
          .as("%s: S3 requests at N=50 (%s) vs N=10 (%s)", op, large.requests, small.requests)
          .isEqualTo(small.countedRequests());
      assertThat(large.byCategory(S3RequestCounter.STORE))
          .as("%s: the store's requests", op)
          .isEqualTo(small.byCategory(S3RequestCounter.STORE));
    }
  }
}
