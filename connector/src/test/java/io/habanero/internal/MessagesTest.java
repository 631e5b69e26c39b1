package io.habanero.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Messages#oneLine} folds a foreign message whole, and clips it so a fix still fits. */
class MessagesTest {
  /** Delta's message for a session without its extension, line breaks and all (abridged). */
  private static final String DELTA_SESSION_MESSAGE =
      "[DELTA_CONFIGURE_SPARK_SESSION_WITH_EXTENSION_AND_CATALOG] This Delta operation requires"
          + " the SparkSession to be configured with the\n"
          + "'spark.sql.extensions' DeltaSparkSessionExtension and the DeltaCatalog. Please set"
          + " the necessary\n"
          + "configurations when creating the SparkSession as shown below.\n"
          + "\n"
          + "  SparkSession.builder()\n"
          + "    .config(\"spark.sql.extensions\", \"io.delta.sql.DeltaSparkSessionExtension\")\n";

  @Test
  void oneLineFoldsAMultiLineMessageWholeNeverCutAtTheFirstBreak() {
    String folded = Messages.oneLine(DELTA_SESSION_MESSAGE);
    assertThat(folded)
        .doesNotContain("\n", "\r")
        .contains("requires the SparkSession to be configured with the 'spark.sql.extensions'")
        .contains("as shown below. SparkSession.builder() .config(\"spark.sql.extensions\"")
        .endsWith("\"io.delta.sql.DeltaSparkSessionExtension\")");
    assertThat(Messages.oneLine("a\r\n\tb  c\n")).isEqualTo("a b c");
    assertThat(Messages.oneLine(null)).isEmpty();
  }

  @Test
  void oneLineClipsLongTextWithAnEllipsis() {
    String folded = Messages.oneLine("word ".repeat(500));
    assertThat(folded).hasSize(600).endsWith("...").startsWith("word word");
    assertThat(Messages.oneLine("short")).isEqualTo("short");
  }

  @Test
  void clauseDropsAFinalPeriodButNotAnEllipsis() {
    assertThat(Messages.clause("precision 5.")).isEqualTo("precision 5");
    assertThat(Messages.clause("cut...")).isEqualTo("cut...");
    assertThat(Messages.clip("abcdef", 5)).isEqualTo("ab...");
    assertThat(Messages.clip(null, 5)).isEqualTo("null");
  }
}
