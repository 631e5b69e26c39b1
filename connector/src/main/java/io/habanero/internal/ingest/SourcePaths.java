package io.habanero.internal.ingest;

import io.habanero.HabaneroSettings;
import io.habanero.errors.AccessDeniedException;
import io.habanero.errors.HabaneroException;
import io.habanero.errors.ValidationException;
import io.habanero.internal.Errors;
import io.habanero.internal.changeset.ChangesetRecord.SourceFile;
import io.habanero.internal.warehouse.Warehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which source paths a changeset may read, and the one spelling of each that the listing uses.
 *
 * <p>A path is decoded and canonicalised first, then checked, before any file system call on it, so
 * a refusal never reveals whether the path exists:
 *
 * <ul>
 *   <li>The scheme must be one the warehouse reads: {@code s3://} and {@code s3a://} always; a
 *       local path or {@code file:} URI only when the warehouse is local. Schemes are compared
 *       without regard to case. Anything else ({@code hdfs:}, {@code ftp:}, {@code http:}, ...) is
 *       refused with VALIDATION naming the accepted schemes.
 *   <li>Percent-encoded dots, slashes, backslashes and percent signs ({@code %2e %2f %5c %25}, any
 *       case, so double encoding too), backslashes, control characters and glob characters are
 *       refused everywhere, as are {@code ..} segments once the path is decoded. {@code .} segments
 *       and repeated slashes are harmless and normalised away.
 *   <li>A {@code file:} URI must be absolute and name no host other than {@code localhost}.
 *   <li>On an S3 warehouse, a source must lie under the warehouse (its working locations included)
 *       or under a configured {@code source.allowed-prefixes} entry; on a local warehouse (the
 *       embedded default, one user's machine), any path is allowed unless {@code
 *       source.allowed-prefixes} is set, which then restricts it the same way. The check compares
 *       the canonical path with the canonical roots, segment by segment.
 *   <li>When roots apply to a local path, it is checked again where it really leads: links are
 *       followed one component at a time, never beyond the roots, and a path that leads outside
 *       through a link is refused. A directory source is walked the same way before it is listed
 *       (no link in it may lead outside, and no directory link may lead back to its own ancestor),
 *       and each listed file is checked once more after the listing.
 * </ul>
 */
public final class SourcePaths {
  private static final Pattern GLOB = Pattern.compile("[*?\\[\\]{}]");
  private static final Pattern ENCODED_SYNTAX = Pattern.compile("(?i)%(2e|2f|5c|25)");
  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");
  private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String OUTSIDE =
      "is outside the environment's allowed roots (the warehouse and "
          + HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.confKey()
          + ")";
  private static final String OUTSIDE_FIX =
      "stage the files in a working location (get-working-location), or add the prefix to "
          + HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.confKey();
  private static final String LINK_OUT = "leads through a link outside the allowed roots";
  private static final String LINK_FIX =
      "copy the files into the allowed prefix instead of linking to them, or add the link's"
          + " target to "
          + HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.confKey();
  private static final int MAX_LINKS = 40;

  private SourcePaths() {}

  private enum Kind {
    LOCAL,
    S3,
    /**
     * The warehouse's own Hadoop file system of another kind (HDFS, or a test's fault injector).
     */
    WAREHOUSE_FS
  }

  /**
   * A canonical location: an absolute, normalised, decoded path without a trailing slash ("/" for
   * the root), on the local file system or in an S3 bucket.
   */
  private record Location(Kind kind, String scheme, String bucket, String path) {
    boolean within(Location root) {
      if (kind != root.kind
          || (kind != Kind.LOCAL && !java.util.Objects.equals(bucket, root.bucket))) {
        return false;
      }
      return SourcePaths.within(path, root.path);
    }
  }

  /** A source path that passed the checks. */
  public static final class Checked {
    private final String raw;
    private final String path;
    private final List<java.nio.file.Path> physicalRoots;

    private Checked(String raw, String path, List<java.nio.file.Path> physicalRoots) {
      this.raw = raw;
      this.path = path;
      this.physicalRoots = physicalRoots;
    }

    /** The canonical spelling of the source, for {@link SourceSnapshot#list}. */
    public String path() {
      return path;
    }

    /**
     * Checks the listed files once more where they really are (a link could have appeared since the
     * walk): each must resolve inside the allowed roots.
     *
     * @throws AccessDeniedException naming the first file that leads outside
     */
    public void checkListed(SourceSnapshot snapshot) {
      if (physicalRoots == null) {
        return;
      }
      for (SourceFile f : snapshot.files()) {
        java.nio.file.Path real;
        try {
          real = java.nio.file.Path.of(new org.apache.hadoop.fs.Path(f.path).toUri()).toRealPath();
        } catch (NoSuchFileException gone) {
          continue; // reported when the ingestion re-checks its files
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot check source file " + f.path, e);
        }
        if (!insideAny(real, physicalRoots)) {
          throw denied(raw, LINK_OUT + " (at " + clip(f.path) + ")", LINK_FIX);
        }
      }
    }
  }

  /**
   * Checks {@code s3SourcePath} and returns its canonical spelling.
   *
   * @throws AccessDeniedException for path syntax that could leave the allowed roots, or a path
   *     outside them; never saying whether the path exists
   * @throws ValidationException for a scheme or URI form the warehouse does not read
   */
  public static Checked check(String s3SourcePath, HabaneroSettings settings, Warehouse warehouse) {
    String raw = s3SourcePath.trim();
    Location source;
    try {
      source = parse(raw, warehouse.isLocal(), ownScheme(warehouse));
    } catch (Refusal r) {
      throw r.forSource(raw);
    }
    String listing = spelling(raw, source);

    List<Location> roots = new ArrayList<>();
    for (String prefix : settings.allowedSourcePrefixes()) {
      Location root;
      try {
        root = parse(prefix, true, null);
      } catch (Refusal r) {
        throw Errors.invalidSetting(
            HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.confKey(),
            HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.key(),
            prefix,
            "has an entry that " + r.problem,
            r.fix + ", in every comma-separated entry");
      }
      roots.add(root);
    }
    if (warehouse.isLocal() && roots.isEmpty()) {
      return new Checked(raw, listing, null);
    }
    roots.add(warehouseRoot(warehouse));
    if (roots.stream().noneMatch(source::within)) {
      throw denied(raw, OUTSIDE, OUTSIDE_FIX);
    }
    if (source.kind() != Kind.LOCAL) {
      return new Checked(raw, listing, null);
    }
    // Where the path really leads: check it again, link by link.
    List<java.nio.file.Path> lexicalRoots = new ArrayList<>();
    List<java.nio.file.Path> physicalRoots = new ArrayList<>();
    for (Location root : roots) {
      if (root.kind() == Kind.LOCAL) {
        java.nio.file.Path r = java.nio.file.Path.of(root.path());
        lexicalRoots.add(r);
        physicalRoots.add(physical(r, null, root.path()).path);
      }
    }
    Bounds bounds = new Bounds(lexicalRoots, physicalRoots);
    java.nio.file.Path start = java.nio.file.Path.of(source.path());
    Resolved resolved = physical(start, bounds, raw);
    if (!insideAny(resolved.path, physicalRoots)) {
      throw denied(raw, LINK_OUT, LINK_FIX);
    }
    if (Files.isDirectory(resolved.path)) {
      Deque<java.nio.file.Path> stack = new ArrayDeque<>();
      walk(resolved.path, start.toString(), bounds, stack, raw);
    }
    return new Checked(raw, listing, physicalRoots);
  }

  /** The warehouse's scheme when it is neither local nor S3 (its sources must lie under it). */
  private static String ownScheme(Warehouse warehouse) {
    String scheme = warehouse.root().toUri().getScheme();
    return warehouse.isLocal() || "s3a".equals(scheme) ? null : scheme;
  }

  /**
   * Decodes, checks and normalises one path (a source, or a configured prefix).
   *
   * @param ownScheme the warehouse's own scheme when it is neither local nor S3, else null
   */
  private static Location parse(String raw, boolean localAllowed, String ownScheme) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw Refusal.denied("contains a control character", "remove it");
      }
    }
    if (ENCODED_SYNTAX.matcher(raw).find()) {
      throw Refusal.denied(
          "contains percent-encoded path syntax (%2e, %2f, %5c or %25: an encoded '.', '/', '\\'"
              + " or '%')",
          "write the path with its plain characters, without '..'");
    }
    if (raw.indexOf('\\') >= 0) {
      throw Refusal.denied("contains a backslash", "separate path segments with '/'");
    }
    if (GLOB.matcher(raw).find()) {
      throw Refusal.denied("contains a glob character (* ? [ ] { })", "name one file or prefix");
    }
    Matcher m = SCHEME.matcher(raw);
    String scheme = m.find() && m.group(1).length() > 1 ? m.group(1).toLowerCase(Locale.ROOT) : "";
    Location loc;
    switch (scheme) {
      case "s3", "s3a" -> loc = s3(raw.substring(m.end()), localAllowed);
      case "file", "" -> {
        if (!localAllowed) {
          throw Refusal.unsupported(
              scheme.isEmpty()
                  ? "is a local path, which is read only when the warehouse is local"
                  : "uses scheme 'file', which is read only when the warehouse is local",
              false);
        }
        loc = scheme.isEmpty() ? bare(raw) : fileUri(raw);
      }
      default -> {
        if (!scheme.equals(ownScheme)) {
          throw Refusal.unsupported(
              "uses scheme '" + scheme + "', which Habanero does not read", localAllowed);
        }
        URI uri = URI.create(raw.replace(" ", "%20"));
        loc =
            new Location(
                Kind.WAREHOUSE_FS,
                scheme,
                uri.getRawAuthority() == null ? "" : uri.getRawAuthority(),
                uri.getPath() == null ? "/" : uri.getPath());
      }
    }
    for (String segment : loc.path().split("/", -1)) {
      if (segment.equals("..")) {
        throw Refusal.denied("contains a '..' segment", "use the path without '..'");
      }
    }
    return new Location(loc.kind(), scheme, loc.bucket(), normalise(loc.path()));
  }

  private static Location s3(String rest, boolean localAllowed) {
    if (!rest.startsWith("//")) {
      throw Refusal.unsupported("is not an s3://bucket/key URI", localAllowed);
    }
    int slash = rest.indexOf('/', 2);
    String bucket = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
    String key = slash < 0 ? "/" : rest.substring(slash);
    if (!BUCKET.matcher(bucket).matches()) {
      throw Refusal.invalid(
          "'" + bucket + "' is not a bucket name (no user, port or other authority)",
          "use s3://bucket/prefix/ or s3a://bucket/prefix/");
    }
    return new Location(Kind.S3, null, bucket, key);
  }

  private static Location bare(String raw) {
    return new Location(
        Kind.LOCAL, null, null, java.nio.file.Path.of(raw).toAbsolutePath().toString());
  }

  private static Location fileUri(String raw) {
    URI uri;
    try {
      uri = new URI(raw.replace(" ", "%20"));
    } catch (URISyntaxException e) {
      throw Refusal.invalid(
          "is not a valid file: URI (" + e.getReason() + ")",
          "percent-encode the characters a URI does not allow, or give a plain local path");
    }
    if (uri.isOpaque() || uri.getPath() == null || !uri.getPath().startsWith("/")) {
      throw Refusal.invalid(
          "is not an absolute file: URI",
          "use file:/absolute/path or file:///absolute/path, or a plain local path");
    }
    String host = uri.getRawAuthority();
    if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
      throw Refusal.invalid(
          "names host '" + host + "'; a file: URI here names a file on this machine",
          "use file:/absolute/path (or file:///absolute/path), or stage the files in S3");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw Refusal.invalid(
          "has a query or fragment ('?' or '#')",
          "percent-encode '?' as %3F and '#' as %23 in a file name");
    }
    String path = uri.getPath();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw Refusal.denied("contains a control character", "remove it");
      }
    }
    return new Location(Kind.LOCAL, null, null, path);
  }

  /** Removes '.' segments, repeated and trailing slashes (the path has no '..' segment). */
  private static String normalise(String path) {
    StringBuilder out = new StringBuilder();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        out.append('/').append(segment);
      }
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  /** The spelling the listing uses: canonical, and as close to what the user wrote as possible. */
  private static String spelling(String raw, Location loc) {
    boolean trailingSlash = raw.endsWith("/") && !loc.path().equals("/");
    switch (loc.scheme()) {
      case "s3", "s3a":
        return loc.scheme() + "://" + loc.bucket() + loc.path() + (trailingSlash ? "/" : "");
      case "file":
        try {
          return new URI("file", null, loc.path(), null).toString();
        } catch (URISyntaxException e) {
          throw new IllegalStateException(e);
        }
      default:
        if (loc.kind() == Kind.WAREHOUSE_FS) {
          return loc.scheme() + "://" + loc.bucket() + loc.path() + (trailingSlash ? "/" : "");
        }
        return loc.path();
    }
  }

  private static Location warehouseRoot(Warehouse warehouse) {
    URI uri = warehouse.root().toUri();
    String path = normalise(uri.getPath() == null ? "/" : uri.getPath());
    if (warehouse.isLocal()) {
      return new Location(Kind.LOCAL, "file", null, path);
    }
    String own = ownScheme(warehouse);
    return own != null
        ? new Location(
            Kind.WAREHOUSE_FS,
            own,
            uri.getRawAuthority() == null ? "" : uri.getRawAuthority(),
            path)
        : new Location(Kind.S3, "s3a", uri.getAuthority(), path);
  }

  private static boolean within(String path, String root) {
    return root.equals("/") || path.equals(root) || path.startsWith(root + "/");
  }

  private static boolean insideAny(java.nio.file.Path p, List<java.nio.file.Path> roots) {
    for (java.nio.file.Path r : roots) {
      if (p.startsWith(r)) {
        return true;
      }
    }
    return false;
  }

  /** Where link resolution may look: inside a root, or on the way to one. */
  private record Bounds(List<java.nio.file.Path> lexical, List<java.nio.file.Path> physical) {
    boolean near(java.nio.file.Path p) {
      for (List<java.nio.file.Path> roots : List.of(lexical, physical)) {
        for (java.nio.file.Path r : roots) {
          if (p.startsWith(r) || r.startsWith(p)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  private record Resolved(java.nio.file.Path path, boolean exists) {}

  /**
   * Resolves the links in an absolute path one component at a time, as realpath(3) does, but
   * tolerating a missing tail. With {@code bounds}, it never looks at a path that is neither inside
   * a root nor on the way to one: a link that leads elsewhere is refused at once, so whether its
   * target exists is never asked (nor told).
   */
  private static Resolved physical(java.nio.file.Path abs, Bounds bounds, String raw) {
    Deque<String> todo = new ArrayDeque<>();
    for (java.nio.file.Path part : abs) {
      todo.addLast(part.toString());
    }
    java.nio.file.Path root = abs.getRoot();
    java.nio.file.Path cur = root;
    boolean exists = true;
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      java.nio.file.Path next;
      if (c.isEmpty() || c.equals(".")) {
        continue;
      } else if (c.equals("..")) {
        next = cur.getParent() == null ? cur : cur.getParent();
      } else {
        next = cur.resolve(c);
      }
      if (bounds != null && !bounds.near(next)) {
        throw denied(raw, LINK_OUT, LINK_FIX);
      }
      if (exists && !c.equals("..")) {
        BasicFileAttributes attrs;
        try {
          attrs = Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
          attrs = null;
          exists = false;
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot check " + next, e);
        }
        if (attrs != null && attrs.isSymbolicLink()) {
          if (++links > MAX_LINKS) {
            throw invalid(
                raw, "passes through more than " + MAX_LINKS + " links", "remove the links");
          }
          java.nio.file.Path target;
          try {
            target = Files.readSymbolicLink(next);
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot read link " + next, e);
          }
          List<String> parts = new ArrayList<>();
          for (java.nio.file.Path part : target) {
            parts.add(part.toString());
          }
          for (int i = parts.size() - 1; i >= 0; i--) {
            todo.addFirst(parts.get(i));
          }
          if (target.isAbsolute()) {
            cur = root;
          }
          continue;
        }
      }
      cur = next;
    }
    return new Resolved(cur, exists);
  }

  /**
   * Walks a directory source the way the listing will (hidden names skipped, links followed) and
   * refuses a link that leads outside the roots, to nothing, or back to its own ancestor.
   */
  private static void walk(
      java.nio.file.Path dir,
      String shown,
      Bounds bounds,
      Deque<java.nio.file.Path> stack,
      String raw) {
    stack.push(dir);
    try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(dir)) {
      for (java.nio.file.Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith("_") || name.startsWith(".")) {
          continue;
        }
        String entryShown = shown + "/" + name;
        BasicFileAttributes attrs =
            Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        java.nio.file.Path target = entry;
        if (attrs.isSymbolicLink()) {
          Resolved r;
          try {
            r = physical(entry, bounds, raw);
          } catch (AccessDeniedException e) {
            throw denied(raw, LINK_OUT + " (at " + clip(entryShown) + ")", LINK_FIX);
          }
          if (!insideAny(r.path, bounds.physical())) {
            throw denied(raw, LINK_OUT + " (at " + clip(entryShown) + ")", LINK_FIX);
          }
          if (!r.exists) {
            throw invalid(
                raw,
                "holds a link that leads to nothing (" + clip(entryShown) + ")",
                "remove the link or restore its target");
          }
          target = r.path;
          if (!Files.isDirectory(target)) {
            continue;
          }
          for (java.nio.file.Path up : stack) {
            if (up.startsWith(target)) {
              throw invalid(
                  raw,
                  "holds a directory link that forms a cycle ("
                      + clip(entryShown)
                      + " leads back to a directory above it), so its listing would never end",
                  "remove the link");
            }
          }
        } else if (!attrs.isDirectory()) {
          continue;
        }
        walk(target, entryShown, bounds, stack, raw);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    } finally {
      stack.pop();
    }
  }

  /** Why {@link #parse} refuses a path; turned into the caller's exception. */
  private static final class Refusal extends RuntimeException {
    private final boolean accessDenied;
    private final String problem;
    private final String fix;

    private Refusal(boolean accessDenied, String problem, String fix) {
      super(problem, null, false, false);
      this.accessDenied = accessDenied;
      this.problem = problem;
      this.fix = fix;
    }

    static Refusal denied(String problem, String fix) {
      return new Refusal(true, problem, fix);
    }

    static Refusal invalid(String problem, String fix) {
      return new Refusal(false, problem, fix);
    }

    /** A scheme or form the warehouse does not read: names the accepted ones. */
    static Refusal unsupported(String problem, boolean local) {
      String accepted =
          local
              ? "s3://bucket/key and s3a://bucket/key, local paths and file: URIs (file:/path)"
              : "s3://bucket/key and s3a://bucket/key (local paths and file: URIs only on a local"
                  + " warehouse)";
      return invalid(
          problem + ". Accepted: " + accepted,
          "stage the files in a working location (get-working-location) and use its s3Uri"
              + (local ? ", or give a local path" : ""));
    }

    HabaneroException forSource(String raw) {
      return accessDenied
          ? SourcePaths.denied(raw, problem, fix)
          : SourcePaths.invalid(raw, problem, fix);
    }
  }

  private static ValidationException invalid(String path, String problem, String fix) {
    return Errors.sourcePathInvalid(path, problem, fix);
  }

  private static AccessDeniedException denied(String path, String problem, String fix) {
    return Errors.sourcePathDenied(path, problem, fix);
  }

  private static String clip(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 300 ? printable : printable.substring(0, 300) + "...";
  }
}
