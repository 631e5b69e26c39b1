package io.habanero.internal;

import java.util.Map;

/** The model's constraints on request members that are not ids. */
public final class Validation {
  /** Map keys and values: 1..128 and at most 1024 characters (FinSpace's documented limits). */
  static final int MAX_KEY = 128;

  static final int MAX_VALUE = 1024;
  static final int MAX_ENTRIES = 50;

  private Validation() {}

  public static void checkMap(String field, Map<String, String> map) {
    if (map.size() > MAX_ENTRIES) {
      throw Errors.invalid(
          field,
          map.size() + " entries",
          "at most " + MAX_ENTRIES + " entries are allowed",
          "remove entries");
    }
    for (Map.Entry<String, String> e : map.entrySet()) {
      String k = e.getKey();
      if (k == null || k.isBlank() || k.length() > MAX_KEY) {
        throw Errors.invalid(
            field + " key",
            String.valueOf(k),
            "keys must be 1.." + MAX_KEY + " non-blank characters",
            "shorten or fix the key");
      }
      if (e.getValue() == null || e.getValue().length() > MAX_VALUE) {
        throw Errors.invalid(
            field + "." + k,
            e.getValue() == null ? "null" : e.getValue().length() + " characters",
            "values must be non-null strings of at most " + MAX_VALUE + " characters",
            "give a shorter value");
      }
    }
  }

  public static void checkClientToken(String token) {
    if (token.isEmpty() || token.length() > 128 || token.isBlank()) {
      throw Errors.invalid(
          "clientToken",
          token,
          "it must be 1..128 characters with at least one non-space",
          "use e.g. a UUID");
    }
  }

  /** {@code durationInMinutes}: the later model bounds it to 60..720. */
  public static long checkDuration(Long minutes) {
    long m = minutes == null ? 60 : minutes;
    if (m < 60 || m > 720) {
      throw Errors.invalid(
          "durationInMinutes",
          String.valueOf(minutes),
          "it must be 60..720",
          "use a value from 60 to 720");
    }
    return m;
  }
}
