package io.habanero.internal.warehouse;

import io.habanero.HabaneroSettings;
import io.habanero.errors.AccessDeniedException;
import io.habanero.internal.ingest.SourceSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * Which source paths a changeset may read. Checked before any file system call, so a refusal never
 * reveals whether the path exists.
 *
 * <ul>
 *   <li>Glob characters ({@code * ? [ ] { }}) and {@code ..} segments are refused everywhere: a
 *       changeset reads a file or a prefix, never a pattern, and never climbs out of one.
 *   <li>On an S3 warehouse, a source must lie under the warehouse (its working locations included)
 *       or under a configured {@code source.allowed-prefixes} entry.
 *   <li>On a local warehouse (the embedded default, one user's machine), any local path is allowed
 *       unless {@code source.allowed-prefixes} is set, which then restricts it the same way.
 * </ul>
 */
public final class SourcePaths {
  private static final Pattern GLOB = Pattern.compile("[*?\\[\\]{}]");

  private SourcePaths() {}

  /**
   * @throws AccessDeniedException naming the rule and the fix, never the path's existence
   */
  public static void check(String s3SourcePath, HabaneroSettings settings, Warehouse warehouse) {
    String p = s3SourcePath.trim();
    if (GLOB.matcher(p).find()) {
      throw denied(p, "contains a glob character (* ? [ ] { })", "name one file or prefix");
    }
    for (String segment : p.split("[/\\\\]")) {
      if (segment.equals("..")) {
        throw denied(p, "contains a '..' segment", "use the path without '..'");
      }
    }
    List<String> roots = new ArrayList<>();
    for (String extra : settings.allowedSourcePrefixes()) {
      roots.add(normalized(extra));
    }
    if (warehouse.isLocal() && roots.isEmpty()) {
      return;
    }
    roots.add(warehouse.root().toString());
    String path = normalized(p);
    for (String root : roots) {
      String r = root.endsWith("/") ? root : root + "/";
      if (path.equals(root) || path.startsWith(r) || (path + "/").equals(r)) {
        return;
      }
    }
    throw denied(
        p,
        "is outside the environment's allowed roots (the warehouse and "
            + HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.confKey()
            + ")",
        "stage the files in a working location (get-working-location), or add the prefix to "
            + HabaneroSettings.Key.ALLOWED_SOURCE_PREFIXES.confKey());
  }

  private static String normalized(String p) {
    Path h = SourceSnapshot.toHadoopPath(p);
    String s = h.toUri().normalize().toString();
    // file:/x and file:///x name the same directory.
    return s.startsWith("file:///") ? "file:/" + s.substring("file:///".length()) : s;
  }

  private static AccessDeniedException denied(String path, String problem, String fix) {
    return new AccessDeniedException(
        "sourceParams.s3SourcePath '" + path + "' " + problem + ". Fix: " + fix + ".");
  }
}
