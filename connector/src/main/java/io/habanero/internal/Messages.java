package io.habanero.internal;

/**
 * Text helpers for Habanero's messages: a foreign message folded into one line, and clipped values,
 * so that every message stays one line within the model's 1000 characters.
 */
public final class Messages {
  private Messages() {}

  /** A folded foreign message is clipped to this many characters. */
  static final int CAUSE_LIMIT = 600;

  /**
   * A foreign message folded into one line: every run of whitespace, newlines included, becomes one
   * space, so a multi-line cause (Delta's messages put their fix on a later line) arrives whole,
   * never cut at its first line break; then clipped to {@value #CAUSE_LIMIT} characters so the fix
   * that Habanero's own message appends still fits the model's 1000.
   */
  public static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    String folded = s.replaceAll("\\s+", " ").strip();
    return folded.length() <= CAUSE_LIMIT ? folded : folded.substring(0, CAUSE_LIMIT - 3) + "...";
  }

  /**
   * {@link #oneLine} without a final period, for a cause quoted inside a sentence of Habanero's
   * ("... precision 5. Nothing was committed", not "5.. Nothing").
   */
  public static String clause(String s) {
    String folded = oneLine(s);
    return folded.endsWith(".") && !folded.endsWith("...")
        ? folded.substring(0, folded.length() - 1)
        : folded;
  }

  /** {@code s} clipped to 300 characters. */
  static String clip(String s) {
    return clip(s, 300);
  }

  /** {@code s}, or its first {@code max - 3} characters and "..." when it is longer. */
  public static String clip(String s, int max) {
    if (s == null) {
      return "null";
    }
    return s.length() <= max ? s : s.substring(0, Math.max(0, max - 3)) + "...";
  }

  /** {@code s} with control characters shown as '?', clipped to 300 characters and "...". */
  static String printable(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 300 ? printable : printable.substring(0, 300) + "...";
  }
}
