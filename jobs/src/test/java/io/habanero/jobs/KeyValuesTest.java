package io.habanero.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyValuesTest {
  @Test
  void shorthandSplitsOnlyOnCommasFollowedByAKey() {
    KeyValues kv = KeyValues.parse("s3SourcePath=/data/a,b/file.csv,separator=,,quoteChar=\"");

    assertThat(kv.map())
        .containsExactly(
            java.util.Map.entry("s3SourcePath", "/data/a,b/file.csv"),
            java.util.Map.entry("separator", ","),
            java.util.Map.entry("quoteChar", "\""));
  }

  @Test
  void shorthandKeepsEqualsSignsInsideValues() {
    assertThat(KeyValues.parse("jsonPath=$.a[?(@.b=='c')]").map())
        .containsEntry("jsonPath", "$.a[?(@.b=='c')]");
  }

  @Test
  void jsonKeepsCommasAndTakesScalarsAsText() {
    KeyValues kv = KeyValues.parse(" {\"separator\": \",\", \"skipFirst\": true, \"n\": 3} ");

    assertThat(kv.map())
        .containsExactly(
            java.util.Map.entry("separator", ","),
            java.util.Map.entry("skipFirst", "true"),
            java.util.Map.entry("n", "3"));
  }

  @Test
  void blankIsEmpty() {
    assertThat(KeyValues.parse("  ").map()).isEmpty();
  }

  @Test
  void entryWithoutEqualsIsRejectedWithTheExpectedForms() {
    assertThatThrownBy(() -> KeyValues.parse("withHeader"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'withHeader' that is not key=value")
        .hasMessageContaining("JSON object");
  }

  @Test
  void nestedJsonValuesAreRejectedNamingTheKey() {
    assertThatThrownBy(() -> KeyValues.parse("{\"a\": {\"b\": \"c\"}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a'");
  }

  @Test
  void jsonThatIsNotAnObjectIsRejected() {
    assertThatThrownBy(() -> KeyValues.parse("{\"a\": [1,"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
  }
}
