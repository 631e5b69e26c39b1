package io.habanero.internal.ingest;

import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.internal.Messages;
import io.habanero.internal.changeset.ChangesetRecord.SourceFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The fixed set of files a changeset ingests, listed once when it is created. The ingestion reads
 * exactly these files; before committing it checks that none changed or disappeared, so a changeset
 * never commits a mix.
 */
public final class SourceSnapshot {
  private final List<SourceFile> files;
  private final String directory;
  private List<String> partitionColumns;

  private SourceSnapshot(List<SourceFile> files, String directory) {
    this.files = files;
    this.directory = directory;
  }

  public static SourceSnapshot of(List<SourceFile> files) {
    return new SourceSnapshot(List.copyOf(files), null);
  }

  /**
   * Turns {@code s3://} into S3A's {@code s3a://} and a bare local path into a {@code file:} URI.
   * An S3 key is taken literally under either scheme (as Spark and the AWS CLI take it: {@code %20}
   * is three characters of the key); a {@code file:} URI is decoded.
   */
  public static Path toHadoopPath(String s3SourcePath) {
    String p = s3SourcePath.trim();
    try {
      if (p.startsWith("s3://")) {
        return new Path("s3a://" + p.substring("s3://".length()));
      }
      if (p.startsWith("s3a://")) {
        return new Path(p); // keys are taken literally, as Spark takes them
      }
      URI uri;
      try {
        uri = new URI(p.replace(" ", "%20"));
      } catch (java.net.URISyntaxException e) {
        uri = null;
      }
      if (uri == null || uri.getScheme() == null || uri.getScheme().length() == 1) {
        return new Path(java.nio.file.Path.of(p).toAbsolutePath().normalize().toUri());
      }
      return new Path(uri);
    } catch (IllegalArgumentException e) {
      // Hadoop's Path and java.nio's InvalidPathException refuse it: a request error, which
      // would otherwise reach the caller as a raw IllegalArgumentException.
      throw Errors.invalid(
          "sourceParams.s3SourcePath",
          p.replace("\0", "\\0"),
          "it is not a valid path (" + Messages.clause(e.getMessage()).replace("\0", "\\0") + ")",
          "give the file or prefix to ingest, e.g. s3://bucket/feeds/day1/ or /data/day1.csv");
    }
  }

  /**
   * Lists the files at {@code s3SourcePath}: the file itself, or every non-hidden, non-empty file
   * below the prefix. Names starting with '_' or '.' (such as _SUCCESS and .crc) are skipped, as
   * Spark does.
   *
   * @throws io.habanero.errors.ResourceNotFoundException if the path does not exist
   * @throws io.habanero.errors.ValidationException if it holds no data file
   */
  public static SourceSnapshot list(String s3SourcePath, Configuration conf) {
    Path root = toHadoopPath(s3SourcePath);
    List<SourceFile> out = new ArrayList<>();
    String directory = null;
    try {
      FileSystem fs;
      try {
        fs = root.getFileSystem(conf);
      } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
        // A request error (e.g. ftp:// or a typo in s3a://), not an infrastructure failure.
        throw Errors.invalid(
            "sourceParams.s3SourcePath",
            s3SourcePath,
            "no file system is configured for its scheme '" + root.toUri().getScheme() + "'",
            "use s3:// or s3a:// for S3, or a local path or file: URI on a local warehouse");
      } catch (IllegalArgumentException e) {
        // The file system refuses the URI itself, e.g. S3A's "bucket is null/empty" for s3://.
        throw Errors.invalid(
            "sourceParams.s3SourcePath",
            s3SourcePath,
            "its file system cannot open it (" + Messages.clause(e.getMessage()) + ")",
            "name the bucket and the prefix, e.g. s3://bucket/feeds/day1/");
      }
      FileStatus top;
      try {
        top = fs.getFileStatus(root);
      } catch (FileNotFoundException e) {
        throw Errors.sourceNotFound(s3SourcePath);
      } catch (IOException e) {
        if (ErrorClassifier.isMissingBucket(e)) {
          throw Errors.sourceNotFound(s3SourcePath);
        }
        throw e;
      }
      if (top.isFile()) {
        if (top.getLen() > 0) {
          out.add(
              new SourceFile(top.getPath().toString(), top.getLen(), top.getModificationTime()));
        }
      } else {
        directory = top.getPath().toString();
        if ("file".equals(fs.getScheme())) {
          walk(fs, top.getPath(), out);
        } else {
          // An object store lists a whole prefix in one flat, paged listing.
          RemoteIterator<LocatedFileStatus> it = fs.listFiles(top.getPath(), true);
          while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            if (f.getLen() > 0 && !hidden(directory, f.getPath().toString())) {
              out.add(new SourceFile(f.getPath().toString(), f.getLen(), f.getModificationTime()));
            }
          }
        }
      }
    } catch (IOException e) {
      // Thrown to the create call: an access failure (403, a denied directory) must arrive as
      // ACCESS_DENIED, and only what is left as an internal error, never as a raw IOException.
      throw ErrorClassifier.classify(
          new IOException(
              "Cannot list sourceParams.s3SourcePath '" + s3SourcePath + "': " + e.getMessage(),
              e));
    }
    if (out.isEmpty()) {
      throw Errors.emptySource(s3SourcePath);
    }
    out.sort(java.util.Comparator.comparing(f -> f.path));
    return new SourceSnapshot(out, directory);
  }

  private static boolean hidden(String root, String path) {
    String rel = path.length() > root.length() ? path.substring(root.length()) : path;
    for (String part : rel.split("/")) {
      if (part.startsWith("_") || part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Walks a local directory with {@code listStatus}, not {@code listFiles}: the latter builds a
   * LocatedFileStatus per file, which loads its permissions by running a shell command per file
   * (about 15 s for 5,000 files). Hidden names are skipped without descending.
   */
  private static void walk(FileSystem fs, Path dir, List<SourceFile> out) throws IOException {
    for (FileStatus f : fs.listStatus(dir)) {
      String name = f.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      if (f.isDirectory()) {
        walk(fs, f.getPath(), out);
      } else if (f.getLen() > 0) {
        out.add(new SourceFile(f.getPath().toString(), f.getLen(), f.getModificationTime()));
      }
    }
  }

  /** A path's identity regardless of spelling ({@code file:/x} and {@code file:///x} are equal). */
  private static String identity(String path) {
    URI u = new Path(path).toUri().normalize();
    String authority = u.getAuthority() == null ? "" : u.getAuthority();
    return u.getScheme() + "://" + authority + u.getPath();
  }

  /** The source for messages: its one file, or its directory and how many files it holds. */
  public String describe() {
    if (files.size() == 1) {
      return files.get(0).path;
    }
    return (directory != null ? directory : files.get(0).path) + " (" + files.size() + " files)";
  }

  /** The listed directory when the source path is a prefix, or empty for a single file. */
  public java.util.Optional<String> directory() {
    return java.util.Optional.ofNullable(directory);
  }

  /** Whether {@code paths} (e.g. a DataFrame's input files) are exactly this snapshot's files. */
  public boolean sameFiles(String[] paths) {
    if (paths.length != files.size()) {
      return false;
    }
    java.util.Set<String> mine = new java.util.HashSet<>();
    for (SourceFile f : files) {
      mine.add(identity(f.path));
    }
    for (String p : paths) {
      if (!mine.contains(identity(p))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The partition columns of a directory written with partition folders ({@code name=value/}, as
   * Spark's {@code partitionBy} writes it), in folder order; empty when the files sit in plain
   * folders or the source is one file. Spark's own reader keeps these columns, so Habanero must too
   * (otherwise they would be dropped silently).
   *
   * @throws io.habanero.errors.ValidationException when some files are in partition folders and
   *     others are not, or their folders name different columns (Spark refuses such a layout too)
   */
  public List<String> partitionColumns() {
    if (partitionColumns == null) {
      partitionColumns = findPartitionColumns();
    }
    return partitionColumns;
  }

  private List<String> findPartitionColumns() {
    if (directory == null) {
      return List.of();
    }
    String root = directory.endsWith("/") ? directory : directory + "/";
    List<String> keys = null;
    String keysFile = null;
    for (SourceFile f : files) {
      String rel =
          f.path.startsWith(root) ? f.path.substring(root.length()) : new Path(f.path).getName();
      String[] parts = rel.split("/");
      List<String> mine = new ArrayList<>();
      boolean plain = false;
      for (int i = 0; i < parts.length - 1; i++) {
        int eq = parts[i].indexOf('=');
        if (eq > 0) {
          mine.add(parts[i].substring(0, eq));
        } else {
          plain = true;
        }
      }
      if (plain && !mine.isEmpty()) {
        throw Errors.mixedPartitionLayout(
            f.path, "mixes partition folders (name=value) and plain folders");
      }
      if (keys == null) {
        keys = mine;
        keysFile = f.path;
      } else if (!keys.equals(mine)) {
        throw Errors.mixedPartitionLayout(
            f.path, "is in " + folders(mine) + " but " + keysFile + " is in " + folders(keys));
      }
    }
    return keys == null ? List.of() : List.copyOf(keys);
  }

  /**
   * Fails at once when the files' layout cannot be read faithfully in {@code format}: partition
   * folders that disagree, or XML in partition folders (spark-xml has no partition discovery).
   */
  public void checkLayout(io.habanero.model.FormatType format) {
    List<String> partitions = partitionColumns();
    if (!partitions.isEmpty() && format == io.habanero.model.FormatType.XML) {
      throw Errors.xmlPartitionFolders(directory, partitions);
    }
  }

  private static String folders(List<String> columns) {
    return columns.isEmpty() ? "no partition folder" : "partition folders for " + columns;
  }

  public List<SourceFile> files() {
    return files;
  }

  public String[] paths() {
    return files.stream().map(f -> f.path).toArray(String[]::new);
  }

  public long totalBytes() {
    return files.stream().mapToLong(f -> f.length).sum();
  }

  /** Fails if a file does not carry the extension the declared compression needs. */
  public void checkCompression(String extension, String codecName) {
    if (extension.isEmpty()) {
      return;
    }
    for (SourceFile f : files) {
      if (!f.path.endsWith(extension)) {
        throw Errors.invalid(
            "formatParams.compression",
            codecName,
            "source file " + f.path + " does not end in " + extension,
            "rename the files to end in " + extension + " or correct formatParams.compression");
      }
    }
  }

  /**
   * Checks that every file is still there with the same size and modification time. Lists each
   * parent directory once rather than asking for each file.
   *
   * @throws io.habanero.errors.HabaneroException naming the first changed file
   */
  public void verifyUnchanged(Configuration conf) {
    Map<Path, List<SourceFile>> byParent = new LinkedHashMap<>();
    for (SourceFile f : files) {
      byParent.computeIfAbsent(new Path(f.path).getParent(), k -> new ArrayList<>()).add(f);
    }
    try {
      for (Map.Entry<Path, List<SourceFile>> e : byParent.entrySet()) {
        FileSystem fs = e.getKey().getFileSystem(conf);
        Map<String, FileStatus> now = new HashMap<>();
        try {
          for (FileStatus s : fs.listStatus(e.getKey())) {
            now.put(s.getPath().getName(), s);
          }
        } catch (FileNotFoundException gone) {
          // every file below is gone; reported below
        }
        for (SourceFile f : e.getValue()) {
          FileStatus s = now.get(new Path(f.path).getName());
          if (s == null) {
            throw Errors.sourceFileGone(f.path);
          }
          if (s.getLen() != f.length || s.getModificationTime() != f.modificationTime) {
            throw Errors.sourceFileChanged(f.path, f.length, s.getLen());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot re-check source files", e);
    }
  }
}
