package io.habanero.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jobs jar that {@code spark-submit} gets (classifier {@code spark}) holds only what a Spark
 * 3.5 cluster lacks: every file in it is under one of the {@link #ALLOWED} prefixes, every prefix
 * has files, and nothing of Spark, Hadoop, Scala, Jackson or the other libraries a cluster ships is
 * inside, unless relocated. The allow-list mirrors the shade plugin's artifactSet in jobs/pom.xml:
 * a dependency that brings new packages fails here until it is added to both, on purpose.
 */
class ShadedJarContentsIT {
  /** Where Habanero's relocated copies of clashing libraries live. */
  static final String RELOCATED = "io/habanero/shaded/";

  /** The prefixes (a path ending in '/', or one top-level file) the jar may hold, and why. */
  static final Map<String, String> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("META-INF/", "manifest, merged service files, licences, Maven metadata");
    ALLOWED.put("io/habanero/", "Habanero: the connector and the CLI");
    ALLOWED.put(RELOCATED + "org/apache/http/", "Apache HttpClient 4.5 (the SDK v2's), relocated");
    ALLOWED.put("io/delta/", "Delta: delta-spark and delta-storage");
    ALLOWED.put("org/apache/spark/", "Delta's own classes in Spark's packages (checked below)");
    ALLOWED.put("com/databricks/spark/util/", "Delta's");
    ALLOWED.put("delta/", "Delta's Python package (for pyspark)");
    ALLOWED.put("error/", "Delta's error messages");
    ALLOWED.put("NOTICE.txt", "Delta's notice");
    ALLOWED.put("com/databricks/spark/xml/", "spark-xml");
    ALLOWED.put("com/sun/xml/txw2/", "txw2 (spark-xml's XML writer)");
    ALLOWED.put("org/apache/ws/commons/schema/", "xmlschema-core (spark-xml's XSD support)");
    ALLOWED.put("picocli/", "picocli (the CLI)");
    ALLOWED.put("software/amazon/awssdk/", "the AWS SDK v2's STS client and what it needs");
    ALLOWED.put("software/amazon/eventstream/", "the AWS SDK v2's (auth)");
    ALLOWED.put("org/reactivestreams/", "the AWS SDK v2's (reactive-streams API)");
    ALLOWED.put("mime.types", "the AWS SDK v2's (sdk-core)");
    ALLOWED.put("VersionInfo.java", "the AWS SDK v2's (sdk-core)");
    ALLOWED.put("mozilla/", "Apache HttpClient's public suffix list (data, read by name)");
  }

  /** What a Spark 3.5 cluster (with S3A) ships: never in the jar, unless relocated. */
  static final List<String> CLUSTER_PROVIDED =
      List.of(
          "org/apache/hadoop/",
          "scala/",
          "com/fasterxml/",
          "com/amazonaws/",
          "org/apache/commons/",
          "org/apache/http/",
          "org/apache/logging/",
          "org/apache/log4j/",
          "org/slf4j/",
          "io/netty/",
          "org/antlr/",
          "org/joda/",
          "com/google/",
          "org/json4s/",
          "org/wildfly/",
          "javax/",
          "jakarta/");

  static Path jar;
  static List<String> files;

  @BeforeAll
  static void readJar() throws IOException {
    jar = ClusterStory.jobsJar();
    files = entries(jar);
  }

  @Test
  void everyFileIsUnderAnAllowedPrefixAndEveryPrefixIsThere() {
    Map<String, List<String>> unexpected = new TreeMap<>();
    Set<String> found = new TreeSet<>();
    for (String f : files) {
      String prefix = allowedPrefix(f);
      if (prefix == null) {
        unexpected.computeIfAbsent(packageOf(f), k -> new ArrayList<>()).add(f);
      } else {
        found.add(prefix);
      }
    }
    assertThat(describe(unexpected))
        .as(
            "files of %s outside the allow-list (if the cluster lacks them, add them to the shade"
                + " plugin's includes in jobs/pom.xml and to ALLOWED here; else make them provided)",
            jar)
        .isEmpty();
    assertThat(found)
        .as("allowed prefixes that have files in %s (one missing: a bundled library is gone)", jar)
        .containsExactlyInAnyOrderElementsOf(ALLOWED.keySet());
  }

  @Test
  void nothingTheClusterShipsIsInsideUnlessRelocated() {
    Map<String, List<String>> provided = new TreeMap<>();
    for (String f : files) {
      for (String p : CLUSTER_PROVIDED) {
        if (f.startsWith(p)) {
          provided.computeIfAbsent(p, k -> new ArrayList<>()).add(f);
        }
      }
    }
    assertThat(describe(provided)).as("the cluster's libraries inside %s", jar).isEmpty();
    assertThat(files)
        .filteredOn(f -> f.startsWith(RELOCATED))
        .as("relocated copies")
        .isNotEmpty()
        .allMatch(f -> f.startsWith(RELOCATED + "org/apache/http/"));
  }

  @Test
  void theOnlySparkPackagedClassesAreDeltasOwn() throws Exception {
    Path delta =
        Path.of(DeltaTable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<String> deltas = new TreeSet<>(entries(delta));
    List<String> spark = files.stream().filter(f -> f.startsWith("org/apache/spark/")).toList();
    assertThat(spark).as("Delta's classes in org/apache/spark/sql/delta").isNotEmpty();
    assertThat(spark)
        .as("org/apache/spark files in %s that are not in Delta's jar %s", jar, delta)
        .allMatch(deltas::contains);
  }

  @Test
  void theJarRunsTheCliAndFindsItsServices() throws IOException {
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.habanero.jobs.HabaneroCli");
      assertThat(serviceFile(j, "org.apache.spark.sql.sources.DataSourceRegister"))
          .contains("io.habanero.spark.HabaneroDataSource")
          .contains("org.apache.spark.sql.delta.sources.DeltaDataSource")
          .contains("com.databricks.spark.xml.DefaultSource");
      assertThat(serviceFile(j, "software.amazon.awssdk.http.SdkHttpService"))
          .contains("software.amazon.awssdk.http.apache.ApacheSdkHttpService");
    }
  }

  // ---- helpers ----

  static String allowedPrefix(String file) {
    String best = null;
    for (String p : ALLOWED.keySet()) {
      boolean match = p.endsWith("/") ? file.startsWith(p) : file.equals(p);
      if (match && (best == null || p.length() > best.length())) {
        best = p;
      }
    }
    // Under the relocation root only the relocated libraries themselves are allowed.
    if (file.startsWith(RELOCATED) && (best == null || !best.startsWith(RELOCATED))) {
      return null;
    }
    return best;
  }

  /** The first three directories of a file (its "package" for messages). */
  static String packageOf(String file) {
    String[] parts = file.split("/");
    int n = Math.min(3, parts.length - 1);
    return n == 0 ? file : String.join("/", List.of(parts).subList(0, n)) + "/";
  }

  /** "prefix (N files, e.g. a, b, c)" per line. */
  static List<String> describe(Map<String, List<String>> byPrefix) {
    List<String> lines = new ArrayList<>();
    byPrefix.forEach(
        (p, fs) ->
            lines.add(
                p
                    + " ("
                    + fs.size()
                    + " files, e.g. "
                    + fs.subList(0, Math.min(3, fs.size()))
                    + ")"));
    return lines;
  }

  /** The jar's files (no directory entries). */
  static List<String> entries(Path jarPath) throws IOException {
    try (JarFile j = new JarFile(jarPath.toFile())) {
      return Collections.list(j.entries()).stream()
          .filter(e -> !e.isDirectory())
          .map(ZipEntry::getName)
          .toList();
    }
  }

  static String serviceFile(JarFile j, String service) throws IOException {
    ZipEntry e = j.getEntry("META-INF/services/" + service);
    assertThat(e).as("META-INF/services/%s", service).isNotNull();
    try (var in = j.getInputStream(e)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
