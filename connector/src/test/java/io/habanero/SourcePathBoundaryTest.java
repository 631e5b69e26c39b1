package io.habanero;

import static io.habanero.FailureFixture.assertError;
import static io.habanero.FailureFixture.createOk;
import static io.habanero.FailureFixture.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ValidationException;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.ErrorCategory;
import io.habanero.model.FormatType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The source-path boundary (issue 11): a path is decoded and canonicalised before it is checked,
 * links are checked on the path they resolve to, and a scheme the warehouse does not read is
 * refused before any file system call. Every refused case leaves the seed dataset exactly as it was
 * (no changeset recorded, no version, and the outside file's rows never in it); every allowed case
 * ingests and its rows are checked.
 *
 * <p>Layout below the class's temporary directory ({@code {tmp}}):
 *
 * <pre>
 * secret/s.csv                 outside every allowed root: "id\n666\n"
 * allowed/                     an allowed prefix (given as a file:/// URI)
 *   feed/a.csv                 "id\n1\n"
 *   my feed/b.csv              "id\n2\n"
 *   link-file/x.csv         -> {tmp}/secret/s.csv      (file link out)
 *   link-dir/sub            -> {tmp}/secret            (directory link out)
 *   link-dangling/x.csv     -> {tmp}/secret/none.csv   (link out to nothing)
 *   link-relative-out/x.csv -> ../../secret/s.csv      (relative link out)
 *   hop-out                 -> {tmp}/secret/s.csv
 *   hops/x.csv              -> {allowed}/hop-out       (a link to a link out)
 *   link-inside/y.csv       -> {allowed}/feed/a.csv    (link in: allowed)
 *   link-inside-dir/sub     -> {allowed}/feed          (directory link in: allowed)
 *   loop/data.csv, loop/self -> {allowed}/loop         (a cycle)
 * real-feeds/c.csv             "id\n3\n"
 * alias                    -> {tmp}/real-feeds         (an allowed prefix that is itself a link)
 * </pre>
 *
 * plus {@code {rel}}, a directory relative to the working directory holding {@code r.csv}
 * ("id\n4\n"), allowed by a relative prefix.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SourcePathBoundaryTest {
  private static final String SEED = "seed";
  private static final String OUTSIDE = "is outside the environment's allowed roots";

  @TempDir static Path tmp;
  private static Path allowed;
  private static Path rel;
  private static Habanero restricted;
  private static Habanero open;
  private static FailureFixture.State restrictedSeed;
  private static FailureFixture.State openSeed;
  private static final AtomicInteger datasets = new AtomicInteger();

  @BeforeAll
  static void layout() throws IOException {
    Fixtures.write(tmp.resolve("secret/s.csv"), "id\n666\n");
    allowed = tmp.resolve("allowed");
    Fixtures.write(allowed.resolve("feed/a.csv"), "id\n1\n");
    Fixtures.write(allowed.resolve("my feed/b.csv"), "id\n2\n");
    link(allowed.resolve("link-file/x.csv"), tmp.resolve("secret/s.csv"));
    link(allowed.resolve("link-dir/sub"), tmp.resolve("secret"));
    link(allowed.resolve("link-dangling/x.csv"), tmp.resolve("secret/none.csv"));
    link(allowed.resolve("link-relative-out/x.csv"), Path.of("../../secret/s.csv"));
    link(allowed.resolve("hop-out"), tmp.resolve("secret/s.csv"));
    link(allowed.resolve("hops/x.csv"), allowed.resolve("hop-out"));
    link(allowed.resolve("link-inside/y.csv"), allowed.resolve("feed/a.csv"));
    link(allowed.resolve("link-inside-dir/sub"), allowed.resolve("feed"));
    Fixtures.write(allowed.resolve("loop/data.csv"), "id\n5\n");
    link(allowed.resolve("loop/self"), allowed.resolve("loop"));
    Fixtures.write(tmp.resolve("real-feeds/c.csv"), "id\n3\n");
    link(tmp.resolve("alias"), tmp.resolve("real-feeds"));
    // A relative prefix and relative sources resolve against the working directory.
    Path cwd = Path.of("").toAbsolutePath();
    Path relDir =
        Files.createDirectories(cwd.resolve("target"))
            .resolve("path-boundary-" + System.nanoTime());
    Fixtures.write(relDir.resolve("r.csv"), "id\n4\n");
    rel = cwd.relativize(relDir);

    restricted =
        Habanero.create(
            SharedSpark.get(),
            Map.of(
                "warehouse",
                tmp.resolve("wh").toString(),
                "source.allowed-prefixes",
                allowed.toUri() + ", " + tmp.resolve("alias") + "," + rel));
    open = Fixtures.habanero(tmp.resolve("wh-open"));
    for (Habanero h : List.of(restricted, open)) {
      createOk(h, csv(SEED, allowed.resolve("feed").toString()).build());
    }
    restrictedSeed = state(restricted, SEED);
    openSeed = state(open, SEED);
    assertThat(restrictedSeed.rows()).containsExactly("[1]");
  }

  @AfterAll
  static void close() throws IOException {
    for (Habanero h : new Habanero[] {restricted, open}) {
      if (h != null) {
        h.close();
      }
    }
    if (rel != null) {
      try (Stream<Path> s = Files.walk(Path.of("").toAbsolutePath().resolve(rel))) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static void link(Path link, Path target) throws IOException {
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, target);
  }

  private static CreateChangesetRequest.Builder csv(String datasetId, String path) {
    return CreateChangesetRequest.builder()
        .datasetId(datasetId)
        .changeType(ChangeType.APPEND)
        .s3SourcePath(path)
        .formatType(FormatType.CSV);
  }

  private static String expand(String template) {
    return template
        .replace("{allowed}", allowed.toString())
        .replace("{tmp}", tmp.toString())
        .replace("{rel}", rel.toString());
  }

  private static Arguments denied(String path, String... fragments) {
    return refused(true, path, AccessDeniedException.class, ErrorCategory.ACCESS_DENIED, fragments);
  }

  private static Arguments invalid(String path, String... fragments) {
    return refused(true, path, ValidationException.class, ErrorCategory.VALIDATION, fragments);
  }

  private static Arguments refused(
      boolean restricted,
      String path,
      Class<? extends HabaneroException> type,
      ErrorCategory category,
      String... fragments) {
    return Arguments.of(
        Named.of((restricted ? "" : "unrestricted: ") + path, path),
        restricted,
        type,
        category,
        List.of(fragments));
  }

  static Stream<Arguments> refusedPaths() {
    String encoded = "contains percent-encoded path syntax";
    String dotDot = "contains a '..' segment";
    String link = "leads through a link outside the allowed roots";
    return Stream.of(
        // Percent-encoded dots, slashes and backslashes, in any case, once or twice encoded.
        denied("file:{allowed}/%2e%2e/secret/s.csv", encoded),
        denied("file:{allowed}/%2E%2E/secret/s.csv", encoded),
        denied("file:{allowed}/%2e%2E/secret/s.csv", encoded),
        denied("file:{allowed}/.%2e/secret/s.csv", encoded),
        denied("file:{allowed}/%252e%252e/secret/s.csv", encoded),
        denied("file:{allowed}/%25252e%25252e/secret/s.csv", encoded),
        denied("file:{allowed}/..%2fsecret/s.csv", encoded),
        denied("file:{allowed}%2F..%2Fsecret%2Fs.csv", encoded),
        denied("file:{allowed}/..%5csecret%5cs.csv", encoded),
        denied("{allowed}/%2e%2e/secret/s.csv", encoded),
        refused(
            false,
            "file:{allowed}/%2e%2e/secret/s.csv",
            AccessDeniedException.class,
            ErrorCategory.ACCESS_DENIED,
            encoded),
        refused(
            false,
            "file:{allowed}/%252E%252E/secret/s.csv",
            AccessDeniedException.class,
            ErrorCategory.ACCESS_DENIED,
            encoded),
        // '..' segments, plain, in a file: URI, trailing, and on S3.
        denied("{allowed}/../secret/s.csv", dotDot),
        denied("file:{allowed}/../secret/s.csv", dotDot),
        denied("{allowed}/feed/..", dotDot),
        denied("{allowed}/..", dotDot),
        denied("s3://bucket/feeds/../x/", dotDot),
        refused(
            false,
            "{allowed}/../secret/s.csv",
            AccessDeniedException.class,
            ErrorCategory.ACCESS_DENIED,
            dotDot),
        // Backslashes are never separators here, and never accepted.
        denied("{allowed}\\..\\secret\\s.csv", "contains a backslash"),
        denied("{allowed}/feed\\a.csv", "contains a backslash"),
        // Control characters, raw or encoded.
        denied("file:{allowed}/feed/a.csv%00", "contains a control character"),
        denied("{allowed}/feed/a.csv\u0000.txt", "contains a control character"),
        // Outside once repeated slashes, '.' segments and the file: spelling are normalised; the
        // same refusal whether the outside path exists or not.
        denied("{tmp}//secret/s.csv", OUTSIDE),
        denied("{tmp}/./secret/s.csv", OUTSIDE),
        denied("file://{tmp}/secret/s.csv", OUTSIDE),
        denied("file:{tmp}/secret/none.csv", OUTSIDE),
        denied("{allowed}-evil/a.csv", OUTSIDE),
        denied("secret/s.csv", OUTSIDE),
        // A file: URI that names another host, or is not absolute.
        invalid("file://evil-host{allowed}/feed/a.csv", "names host 'evil-host'"),
        invalid("file:secret/s.csv", "is not an absolute file: URI"),
        // Links that lead outside: a file link, a directory holding one, a directory link, a path
        // through a directory link, a dangling link (the same refusal), a relative link and a
        // chain of links.
        denied("{allowed}/link-file/x.csv", link),
        denied("file:{allowed}/link-file/x.csv", link),
        denied("{allowed}/link-file", link, "link-file/x.csv"),
        denied("{allowed}/link-dir", link, "link-dir/sub"),
        denied("{allowed}/link-dir/sub/s.csv", link),
        denied("{allowed}/link-dangling/x.csv", link),
        denied("{allowed}/link-dangling", link, "link-dangling/x.csv"),
        denied("{allowed}/link-relative-out", link, "link-relative-out/x.csv"),
        denied("{allowed}/hops/x.csv", link),
        denied("{allowed}/hops", link, "hops/x.csv"),
        // A directory link back to its own ancestor would make the listing endless.
        invalid("{allowed}/loop", "forms a cycle", "loop/self"),
        // Globs, as before.
        denied("{allowed}/feed/*.csv", "contains a glob character"),
        // A scheme a local warehouse does not read, even inside nothing at all.
        invalid("hdfs://namenode:8020{allowed}/feed/a.csv", "scheme 'hdfs'"));
  }

  @ParameterizedTest
  @MethodSource("refusedPaths")
  void aRefusedPathRecordsNothingAndNeverIngestsTheOutsideFile(
      String template,
      boolean isRestricted,
      Class<? extends HabaneroException> type,
      ErrorCategory category,
      List<String> fragments) {
    Habanero h = isRestricted ? restricted : open;
    FailureFixture.State before = isRestricted ? restrictedSeed : openSeed;
    String path = expand(template);
    HabaneroException e =
        assertError(
            type,
            category,
            () -> h.createChangeset(csv(SEED, path).build()),
            fragments.toArray(new String[0]));
    // The message names the field and the fix.
    assertThat(e).hasMessageContaining("sourceParams.s3SourcePath").hasMessageContaining("Fix:");
    // It never says whether something outside the roots exists.
    assertThat(e.getMessage()).doesNotContain("does not exist").doesNotContain("No such file");
    // Nothing was recorded; the outside file's rows are not in the dataset.
    FailureFixture.State after = state(h, SEED);
    assertThat(after).isEqualTo(before);
    assertThat(after.rows()).doesNotContain("[666]");
  }

  static Stream<Arguments> allowedPaths() {
    return Stream.of(
        Arguments.of("{allowed}/feed", "[1]"),
        Arguments.of("{allowed}/feed/", "[1]"),
        Arguments.of("{allowed}//feed//a.csv", "[1]"),
        Arguments.of("{allowed}/./feed/./a.csv", "[1]"),
        Arguments.of("file:{allowed}/feed/a.csv", "[1]"),
        Arguments.of("file://{allowed}/feed/a.csv", "[1]"),
        Arguments.of("file://localhost{allowed}/feed/a.csv", "[1]"),
        Arguments.of("FILE:{allowed}/feed/a.csv", "[1]"),
        Arguments.of("File:{allowed}/feed", "[1]"),
        Arguments.of("file:{allowed}/my%20feed/b.csv", "[2]"),
        Arguments.of("{allowed}/my feed", "[2]"),
        Arguments.of("{allowed}/link-inside", "[1]"),
        Arguments.of("{allowed}/link-inside-dir", "[1]"),
        Arguments.of("{tmp}/alias", "[3]"),
        Arguments.of("{tmp}/alias/c.csv", "[3]"),
        Arguments.of("{rel}", "[4]"),
        Arguments.of("./{rel}/r.csv", "[4]"));
  }

  @ParameterizedTest
  @MethodSource("allowedPaths")
  void anAllowedSpellingIngestsTheFileItNames(String template, String row) {
    String ds = "ok" + datasets.incrementAndGet();
    Changeset c = createOk(restricted, csv(ds, expand(template)).build());
    assertThat(c.sourceParams()).containsEntry("s3SourcePath", expand(template));
    assertThat(Fixtures.rows(restricted.readDataset(ds))).containsExactly(row);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"file:{allowed}/feed/a.csv", "{allowed}/./feed", "FILE://{allowed}/feed/a.csv"})
  void anUnrestrictedLocalWarehouseStillCanonicalisesAndIngests(String template) {
    String ds = "open" + datasets.incrementAndGet();
    createOk(open, csv(ds, expand(template)).build());
    assertThat(Fixtures.rows(open.readDataset(ds))).containsExactly("[1]");
  }

  @org.junit.jupiter.api.Test
  void anAllowedPrefixThatIsNotAUsablePathIsASettingError() {
    for (String prefix : List.of(allowed + "/../secret", "hdfs://namenode/feeds/", "file:%2e")) {
      try (Habanero h =
          Habanero.create(
              SharedSpark.get(),
              Map.of(
                  "warehouse",
                  tmp.resolve("wh-bad-prefix").toString(),
                  "source.allowed-prefixes",
                  allowed.toUri() + "," + prefix))) {
        assertError(
            ValidationException.class,
            ErrorCategory.VALIDATION,
            () -> h.createChangeset(csv("bad", allowed.resolve("feed").toString()).build()),
            "spark.habanero.source.allowed-prefixes",
            "has an entry that",
            "Fix:");
        assertThat(tmp.resolve("wh-bad-prefix/changesets/bad")).doesNotExist();
      }
    }
  }

  /**
   * Counts file systems created for a scheme; registered as {@code fs.<scheme>.impl}, so any file
   * system call on a refused source shows up here.
   */
  public static class CountingFileSystem extends RawLocalFileSystem {
    static final AtomicInteger CREATED = new AtomicInteger();

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
      CREATED.incrementAndGet();
      throw new IOException("CountingFileSystem was asked for " + name);
    }
  }

  /** Every scheme a local warehouse does not read, in lower and mixed case. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "hdfs://namenode:8020/feeds/a.csv",
        "HDFS://namenode/feeds/a.csv",
        "ftp://ftp.example.com/feeds/a.csv",
        "sftp://host/feeds/a.csv",
        "http://example.com/feeds/a.csv",
        "https://example.com/feeds/a.csv",
        "s3n://bucket/feeds/a.csv",
        "wasb://c@acct.blob.core.windows.net/feeds/a.csv",
        "wasbs://c@acct.blob.core.windows.net/feeds/a.csv",
        "abfs://c@acct.dfs.core.windows.net/feeds/a.csv",
        "abfss://c@acct.dfs.core.windows.net/feeds/a.csv",
        "adl://acct.azuredatalakestore.net/feeds/a.csv",
        "gs://bucket/feeds/a.csv",
        "jar:file:/tmp/x.jar!/a.csv",
        "viewfs://cluster/feeds/a.csv",
        "har:///tmp/x.har/a.csv",
        "webhdfs://namenode/feeds/a.csv",
        "swebhdfs://namenode/feeds/a.csv",
        "o3fs://bucket.volume.om/feeds/a.csv",
        "ofs://om/volume/bucket/a.csv",
        "oss://bucket/feeds/a.csv",
        "cosn://bucket/feeds/a.csv",
        "unregistered-scheme://host/feeds/a.csv"
      })
  void aSchemeTheWarehouseDoesNotReadIsRefusedBeforeAnyFileSystemCall(String path) {
    String scheme = path.substring(0, path.indexOf(':')).toLowerCase(java.util.Locale.ROOT);
    Configuration conf = SharedSpark.get().sparkContext().hadoopConfiguration();
    conf.set("fs." + scheme + ".impl", CountingFileSystem.class.getName());
    conf.setBoolean("fs." + scheme + ".impl.disable.cache", true);
    int before = CountingFileSystem.CREATED.get();
    try {
      for (Habanero h : List.of(open, restricted)) {
        HabaneroException e =
            assertError(
                ValidationException.class,
                ErrorCategory.VALIDATION,
                () -> h.createChangeset(csv(SEED, path).build()),
                "sourceParams.s3SourcePath",
                "scheme '" + scheme + "'",
                "s3://",
                "s3a://",
                "file:",
                "Fix:");
        assertThat(e.getMessage()).doesNotContain("CountingFileSystem");
        assertThat(state(h, SEED)).isEqualTo(h == open ? openSeed : restrictedSeed);
      }
      assertThat(CountingFileSystem.CREATED.get()).as("file systems created").isEqualTo(before);
    } finally {
      conf.unset("fs." + scheme + ".impl");
      conf.unset("fs." + scheme + ".impl.disable.cache");
    }
  }
}
