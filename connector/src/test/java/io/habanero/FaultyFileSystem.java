package io.habanero;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under its own scheme, {@code faulty:///}, that fails chosen calls: the N-th
 * create or rename of a path matching a pattern fails before doing anything, or (for a rename)
 * right after the rename took effect, as a commit that landed but whose call failed. Registered in
 * {@link SharedSpark} ({@code fs.faulty.impl}, and Delta's LocalLogStore for the scheme, which
 * commits by writing a temporary file and renaming it to {@code N.json}). Local mode runs executors
 * in this JVM, so the rules reach Spark's tasks too.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "faulty";

  public enum Op {
    CREATE,
    RENAME
  }

  /**
   * Fails the {@code nth} call (1-based) of {@code op} whose path matches, then every later one if
   * {@code every}.
   */
  private record Rule(Op op, Pattern path, int nth, boolean afterEffect, boolean every) {}

  private static final List<Rule> RULES = new CopyOnWriteArrayList<>();
  private static final List<AtomicInteger> SEEN = new CopyOnWriteArrayList<>();
  private static final AtomicInteger FIRED = new AtomicInteger();

  /** Fails the {@code nth} matching call before it has any effect. */
  public static void failBefore(Op op, String pathRegex, int nth) {
    add(new Rule(op, Pattern.compile(pathRegex), nth, false, false));
  }

  /** Fails every matching call from the {@code nth} on, before it has any effect. */
  public static void failFrom(Op op, String pathRegex, int nth) {
    add(new Rule(op, Pattern.compile(pathRegex), nth, false, true));
  }

  /** Lets the {@code nth} matching rename take effect, then throws as if it had not. */
  public static void failAfterRename(String pathRegex, int nth) {
    add(new Rule(Op.RENAME, Pattern.compile(pathRegex), nth, true, false));
  }

  private static synchronized void add(Rule r) {
    RULES.add(r);
    SEEN.add(new AtomicInteger());
  }

  public static synchronized void reset() {
    RULES.clear();
    SEEN.clear();
    FIRED.set(0);
  }

  /** How many injected failures have fired since the last reset. */
  public static int fired() {
    return FIRED.get();
  }

  /** The rule that fires for this call, if any (counting the call against every matching rule). */
  private static synchronized Rule firing(Op op, Path path, boolean afterEffect) {
    Rule hit = null;
    for (int i = 0; i < RULES.size(); i++) {
      Rule r = RULES.get(i);
      if (r.op == op && r.afterEffect == afterEffect && r.path.matcher(path.toString()).find()) {
        int n = SEEN.get(i).incrementAndGet();
        if (n == r.nth || (r.every && n > r.nth)) {
          hit = r;
        }
      }
    }
    if (hit != null) {
      FIRED.incrementAndGet();
    }
    return hit;
  }

  private static IOException injected(Op op, Path path, boolean afterEffect) {
    return new IOException(
        "injected fault: " + op + (afterEffect ? " (after it took effect)" : "") + " of " + path);
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    if (firing(Op.CREATE, f, false) != null) {
      throw injected(Op.CREATE, f, false);
    }
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(
      Path f, boolean overwrite, int bufferSize, short replication, long blockSize, Progressable p)
      throws IOException {
    if (firing(Op.CREATE, f, false) != null) {
      throw injected(Op.CREATE, f, false);
    }
    return super.create(f, overwrite, bufferSize, replication, blockSize, p);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    if (firing(Op.RENAME, dst, false) != null) {
      throw injected(Op.RENAME, dst, false);
    }
    boolean done = super.rename(src, dst);
    if (done && firing(Op.RENAME, dst, true) != null) {
      throw injected(Op.RENAME, dst, true);
    }
    return done;
  }
}
