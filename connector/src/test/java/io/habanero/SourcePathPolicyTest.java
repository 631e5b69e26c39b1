package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.habanero.errors.AccessDeniedException;
import io.habanero.model.ChangeType;
import io.habanero.model.ErrorCategory;
import io.habanero.model.IngestionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source paths outside the allowed roots, globs and '..' are refused before any listing. */
class SourcePathPolicyTest {
  @TempDir Path tmp;

  private Habanero restricted(Path wh, Path allowed) {
    return Habanero.create(
        SharedSpark.get(),
        Map.of(
            "warehouse", wh.toString(),
            "source.allowed-prefixes", allowed.toUri().toString()));
  }

  private static void expectDenied(Habanero h, Path source, String problem) {
    assertThatThrownBy(
            () -> h.createChangeset(Fixtures.csv("d", ChangeType.APPEND, source).build()))
        .isInstanceOfSatisfying(
            AccessDeniedException.class,
            e -> assertThat(e.category()).isEqualTo(ErrorCategory.ACCESS_DENIED))
        .hasMessageContaining(problem)
        .hasMessageContaining("Fix:");
  }

  @Test
  void aSourceOutsideTheAllowedRootsIsDeniedWithoutRevealingWhetherItExists() throws Exception {
    Path allowed = tmp.resolve("feeds");
    Path outside = tmp.resolve("elsewhere");
    Fixtures.write(allowed.resolve("a.csv"), "id\n1\n");
    Fixtures.write(outside.resolve("a.csv"), "id\n2\n");
    Path wh = tmp.resolve("wh");
    try (Habanero h = restricted(wh, allowed)) {
      // The same refusal for an existing and a missing path outside the roots.
      expectDenied(h, outside, "is outside the environment's allowed roots");
      expectDenied(h, tmp.resolve("no-such-dir"), "is outside the environment's allowed roots");
      // A prefix that merely starts with the allowed name is still outside.
      Path lookalike = tmp.resolve("feeds-evil");
      Fixtures.write(lookalike.resolve("a.csv"), "id\n3\n");
      expectDenied(h, lookalike, "is outside the environment's allowed roots");

      // Nothing was recorded; the dataset does not exist.
      assertThat(Files.exists(wh.resolve("changesets").resolve("d"))).isFalse();

      // Inside the allowed prefix, and inside the warehouse's working locations, it works.
      var cs = h.createChangeset(Fixtures.csv("d", ChangeType.APPEND, allowed).build()).changeset();
      assertThat(cs.status()).isEqualTo(IngestionStatus.SUCCESS);
      var loc = h.getWorkingLocation(null);
      Fixtures.write(Path.of(loc.s3Path()).resolve("b.csv"), "id\n4\n");
      var cs2 =
          h.createChangeset(
                  io.habanero.model.CreateChangesetRequest.builder()
                      .datasetId("d")
                      .changeType(ChangeType.APPEND)
                      .s3SourcePath(loc.s3Uri())
                      .formatType(io.habanero.model.FormatType.CSV)
                      .build())
              .changeset();
      assertThat(cs2.status())
          .as(String.valueOf(cs2.errorInfo()))
          .isEqualTo(IngestionStatus.SUCCESS);
      assertThat(Fixtures.rows(h.readDataset("d"))).containsExactly("[1]", "[4]");
    }
  }

  @Test
  void globsAndDotDotSegmentsAreDeniedEvenOnAnUnrestrictedLocalWarehouse() {
    Path src = tmp.resolve("src");
    Fixtures.write(src.resolve("a.csv"), "id\n1\n");
    try (Habanero h = Fixtures.habanero(tmp.resolve("wh"))) {
      expectDenied(h, src.resolve("*.csv"), "contains a glob character");
      expectDenied(h, src.resolve("a[0-9].csv"), "contains a glob character");
      expectDenied(h, src.resolve("..").resolve("src"), "contains a '..' segment");
    }
  }
}
