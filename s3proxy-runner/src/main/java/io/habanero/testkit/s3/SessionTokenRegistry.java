package io.habanero.testkit.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The session-token registry shared by the STS stub (which writes it) and the S3 server's token
 * gate (which reads it), possibly from two JVMs.
 *
 * <p>It is a directory holding one file per issued session token, named {@code
 * <sha256-hex-of-token>.expiry} and containing the token's expiry as epoch milliseconds (decimal
 * ASCII). Files are written to a temporary name and then renamed, so a reader never sees a partial
 * file. Tokens are stored hashed so the directory never holds a usable credential. The class has no
 * dependency beyond the JDK.
 */
public final class SessionTokenRegistry {
  /** Suffix of the registry's files. */
  public static final String SUFFIX = ".expiry";

  /** What the registry says about a token at a given instant. */
  public enum Status {
    /** Registered and not yet expired. */
    VALID,
    /** Registered, but its expiry is at or before the instant asked about. */
    EXPIRED,
    /** Absent, empty or never registered. */
    UNKNOWN
  }

  private final Path directory;

  public SessionTokenRegistry(Path directory) {
    this.directory = directory.toAbsolutePath();
  }

  public Path directory() {
    return directory;
  }

  /** Records {@code token} as valid until {@code expiry} (replacing any earlier expiry). */
  public void register(String token, Instant expiry) throws IOException {
    Files.createDirectories(directory);
    Path target = fileOf(token);
    Path tmp = Files.createTempFile(directory, ".tmp-", ".part");
    try {
      Files.writeString(tmp, Long.toString(expiry.toEpochMilli()), StandardCharsets.US_ASCII);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The registered expiry of {@code token}, if any. */
  public Optional<Instant> expiryOf(String token) throws IOException {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(fileOf(token), StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.ofEpochMilli(Long.parseLong(text)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Looks {@code token} up afresh (no caching) and compares its expiry with {@code now}. */
  public Status check(String token, Instant now) throws IOException {
    Optional<Instant> expiry = expiryOf(token);
    if (expiry.isEmpty()) {
      return Status.UNKNOWN;
    }
    return expiry.get().isAfter(now) ? Status.VALID : Status.EXPIRED;
  }

  /** Sets the expiry of every registered token to {@code at}; returns how many were changed. */
  public int expireAll(Instant at) throws IOException {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    int n = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path file : files) {
        Path tmp = Files.createTempFile(directory, ".tmp-", ".part");
        try {
          Files.writeString(tmp, Long.toString(at.toEpochMilli()), StandardCharsets.US_ASCII);
          Files.move(
              tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(tmp);
        }
        n++;
      }
    }
    return n;
  }

  /** The file that holds {@code token}'s expiry. */
  public Path fileOf(String token) {
    return directory.resolve(sha256Hex(token) + SUFFIX);
  }

  /** Lower-case hex SHA-256 of the token's UTF-8 bytes. */
  public static String sha256Hex(String token) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
