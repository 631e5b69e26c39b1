package io.habanero.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.jobs.cluster.StandaloneCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: changeset records live in the warehouse, not in a process. One JVM creates a
 * changeset; a second JVM, which never saw it, lists it with the same id and status.
 */
class CrossProcessCliTest {
  /** The root pom's spark.add-opens, which Spark needs on Java 17. */
  private static final List<String> ADD_OPENS = StandaloneCluster.ADD_OPENS;

  private static final long CHILD_TIMEOUT_SECONDS = 180;

  @TempDir Path tmp;

  private record Child(int code, String out, String err) {}

  private Child runChild(String name, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(ADD_OPENS);
    cmd.add("-Dspark.master=local[1]");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(HabaneroCli.class.getName());
    cmd.addAll(Arrays.asList(args));
    Path out = tmp.resolve(name + ".out");
    Path err = tmp.resolve(name + ".err");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError(
            name + " did not finish in " + CHILD_TIMEOUT_SECONDS + " s; stderr:\n" + read(err));
      }
    } finally {
      p.destroyForcibly();
    }
    return new Child(p.exitValue(), read(out), read(err));
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }

  @Test
  void changesetCreatedByOneJvmIsListedWithTheSameStatusByAnother() throws Exception {
    Path warehouse = tmp.resolve("wh");
    Path src = tmp.resolve("trades.csv");
    Files.writeString(src, "trade_id,symbol\n1,AAPL\n2,MSFT\n");
    ObjectMapper json = new ObjectMapper();

    Child creator =
        runChild(
            "create",
            "--warehouse",
            warehouse.toString(),
            "create-changeset",
            "--dataset-id",
            "trades",
            "--change-type",
            "APPEND",
            "--source-params",
            "s3SourcePath=" + src,
            "--format-type",
            "CSV");
    assertThat(creator.code()).as(creator.err()).isZero();
    // stdout of a real JVM is pure JSON: Spark's logs went to stderr.
    JsonNode created = json.readTree(creator.out()).get("changeset");
    assertThat(created.get("status").asText()).isEqualTo("SUCCESS");

    Child lister =
        runChild(
            "list",
            "--warehouse",
            warehouse.toString(),
            "list-changesets",
            "--dataset-id",
            "trades");
    assertThat(lister.code()).as(lister.err()).isZero();
    JsonNode listed = json.readTree(lister.out()).get("changesets");

    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("changesetId").asText()).isEqualTo(created.get("id").asText());
    assertThat(listed.get(0).get("status").asText()).isEqualTo(created.get("status").asText());
    assertThat(listed.get(0).get("createTime").asLong())
        .isEqualTo(java.time.Instant.parse(created.get("createTimestamp").asText()).toEpochMilli());
  }
}
