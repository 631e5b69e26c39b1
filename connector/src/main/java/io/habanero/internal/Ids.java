package io.habanero.internal;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Identifier rules and generation. Checked before any filesystem call. */
public final class Ids {
  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_-]{1,26}");
  private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /**
   * Checks a dataset or changeset id against the allow-list: letters, digits, '-' and '_', 1..26
   * characters. This rules out '/', '..' and every other path syntax.
   *
   * @throws io.habanero.errors.ValidationException naming the field when the id is not allowed
   */
  public static String check(String field, String id) {
    if (id == null || id.isBlank()) {
      throw Errors.missing(field, "give an id of 1..26 letters, digits, '-' or '_'");
    }
    if (id.length() > 26) {
      throw Errors.invalid(
          field,
          id,
          "it has " + id.length() + " characters; the limit is 26",
          "use an id of 1..26 letters, digits, '-' or '_'");
    }
    if (!ALLOWED.matcher(id).matches()) {
      throw Errors.invalid(
          field,
          id,
          "it may contain only letters, digits, '-' and '_' (no '/', '.', spaces or other"
              + " characters)",
          "use an id of 1..26 letters, digits, '-' or '_'");
    }
    return id;
  }

  /** Whether {@code id} passes {@link #check}. */
  public static boolean isValid(String id) {
    return id != null && !id.isBlank() && id.length() <= 26 && ALLOWED.matcher(id).matches();
  }

  /**
   * A new id: a ULID (26 Crockford base-32 characters), time-ordered so that ids sort by creation
   * time.
   */
  public static String newId() {
    long time = System.currentTimeMillis();
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    char[] out = new char[26];
    for (int i = 9; i >= 0; i--) {
      out[i] = CROCKFORD[(int) (time & 31)];
      time >>>= 5;
    }
    // 80 random bits as 16 characters of 5 bits.
    long hi = 0;
    for (int i = 0; i < 5; i++) {
      hi = (hi << 8) | (random[i] & 0xff);
    }
    long lo = 0;
    for (int i = 5; i < 10; i++) {
      lo = (lo << 8) | (random[i] & 0xff);
    }
    for (int i = 17; i >= 10; i--) {
      out[i] = CROCKFORD[(int) (hi & 31)];
      hi >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      out[i] = CROCKFORD[(int) (lo & 31)];
      lo >>>= 5;
    }
    return new String(out);
  }
}
