package io.habanero.internal.warehouse;

import io.habanero.HabaneroSettings;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.Messages;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The warehouse root and the layout below it:
 *
 * <pre>
 * &lt;warehouse&gt;/datasets/&lt;datasetId&gt;/                    the dataset's Delta table
 * &lt;warehouse&gt;/changesets/&lt;datasetId&gt;/&lt;changesetId&gt;.json  durable changeset records
 * &lt;warehouse&gt;/changesets/&lt;datasetId&gt;/&lt;changesetId&gt;.stop  stop requests
 * &lt;warehouse&gt;/changesets/&lt;datasetId&gt;/_tokens/&lt;sha256&gt;.json clientToken claims
 * &lt;warehouse&gt;/working/&lt;ingestion|sagemaker&gt;/&lt;unique&gt;/     working locations
 * &lt;warehouse&gt;/quarantine/&lt;datasetId&gt;/&lt;changesetId&gt;/  malformed records kept by a
 *                                                         QUARANTINE changeset (JSON lines)
 * </pre>
 *
 * <p>Every path is built from ids that {@link Ids#check} has allowed, so no resolved path leaves
 * the root. Small files are published atomically: on local and HDFS storage through a rename, on S3
 * through a single PUT.
 */
public final class Warehouse {
  private final Path root;
  private final FileSystem fs;
  private final boolean local;

  private Warehouse(Path root, FileSystem fs) {
    this.root = root;
    this.fs = fs;
    this.local = "file".equals(root.toUri().getScheme());
  }

  /**
   * Opens the warehouse of {@code settings} for {@code spark}, first putting the environment's S3A
   * settings into the session (see {@link io.habanero.internal.warehouse.S3aSettings}).
   */
  public static Warehouse open(org.apache.spark.sql.SparkSession spark, HabaneroSettings settings) {
    io.habanero.internal.warehouse.S3aSettings.apply(spark, settings);
    return open(settings, spark.sessionState().newHadoopConf());
  }

  /**
   * Opens the warehouse of {@code settings}. A relative local path resolves against the working
   * directory; the root is created if missing.
   */
  public static Warehouse open(HabaneroSettings settings, Configuration hadoopConf) {
    String raw = settings.warehouse();
    URI uri = URI.create(raw.replace(" ", "%20"));
    Path root;
    if (uri.getScheme() == null) {
      root = new Path(java.nio.file.Path.of(raw).toAbsolutePath().normalize().toUri());
    } else if ("s3".equals(uri.getScheme())) {
      root = new Path("s3a://" + uri.getAuthority() + uri.getPath());
    } else {
      root = new Path(uri);
    }
    try {
      FileSystem fs = root.getFileSystem(hadoopConf);
      root = fs.makeQualified(root);
      if (!fs.exists(root)) {
        fs.mkdirs(root);
      }
      return new Warehouse(root, fs);
    } catch (IOException e) {
      if (ErrorClassifier.isMissingBucket(e)) {
        throw Errors.warehouseBucketMissing(raw, HabaneroSettings.Key.WAREHOUSE.confKey(), e);
      }
      throw Errors.invalidSetting(
          HabaneroSettings.Key.WAREHOUSE.confKey(),
          HabaneroSettings.Key.WAREHOUSE.key(),
          raw,
          "cannot be opened (" + Messages.oneLine(e.getMessage()) + ")",
          "use a writable local directory or an s3a://bucket/prefix you can write to");
    }
  }

  public Path root() {
    return root;
  }

  public FileSystem fs() {
    return fs;
  }

  public boolean isLocal() {
    return local;
  }

  public Path datasetPath(String datasetId) {
    return new Path(new Path(root, "datasets"), Ids.check("datasetId", datasetId));
  }

  /** Where the changeset records of all datasets live. */
  public Path recordRoot() {
    return new Path(root, "changesets");
  }

  public Path recordDir(String datasetId) {
    return new Path(new Path(root, "changesets"), Ids.check("datasetId", datasetId));
  }

  public Path recordPath(String datasetId, String changesetId) {
    return new Path(recordDir(datasetId), Ids.check("changesetId", changesetId) + ".json");
  }

  public Path stopPath(String datasetId, String changesetId) {
    return new Path(recordDir(datasetId), Ids.check("changesetId", changesetId) + ".stop");
  }

  public Path tokenPath(String datasetId, String tokenHash) {
    return new Path(new Path(recordDir(datasetId), "_tokens"), tokenHash + ".json");
  }

  /** Where a QUARANTINE changeset keeps its malformed records. */
  public Path quarantinePath(String datasetId, String changesetId) {
    return new Path(
        new Path(new Path(root, "quarantine"), Ids.check("datasetId", datasetId)),
        Ids.check("changesetId", changesetId));
  }

  public Path workingRoot() {
    return new Path(root, "working");
  }

  /** Reads a small file, or empty if it does not exist. */
  public Optional<byte[]> readIfExists(Path path) {
    try (InputStream in = fs.open(path)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return Optional.of(out.toByteArray());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    }
  }

  /** Publishes a small file atomically, replacing any previous content. */
  public void writeAtomically(Path path, byte[] bytes) {
    try {
      if (local) {
        java.nio.file.Path target = java.nio.file.Path.of(path.toUri());
        java.nio.file.Path tmp = stageBeside(target, bytes);
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        // An object store PUT replaces the object atomically.
        try (FSDataOutputStream out = fs.create(path, true)) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    }
  }

  /**
   * Publishes a small file only if none exists. Locally this is atomic (a hard link of a complete
   * temporary file); on object stores the window between the existence check and the PUT is small
   * but not zero.
   *
   * @return true if this call created the file
   */
  public boolean createExclusive(Path path, byte[] bytes) {
    try {
      if (local) {
        java.nio.file.Path target = java.nio.file.Path.of(path.toUri());
        java.nio.file.Path tmp = stageBeside(target, bytes);
        try {
          Files.createLink(target, tmp);
          return true;
        } catch (FileAlreadyExistsException e) {
          return false;
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      try (FSDataOutputStream out = fs.create(path, false)) {
        out.write(bytes);
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    }
  }

  /** Writes {@code bytes} completely to a hidden temporary file in the target's directory. */
  private static java.nio.file.Path stageBeside(java.nio.file.Path target, byte[] bytes)
      throws IOException {
    Files.createDirectories(target.getParent());
    java.nio.file.Path tmp =
        Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    Files.write(tmp, bytes);
    return tmp;
  }

  public boolean exists(Path path) {
    try {
      return fs.exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path, e);
    }
  }
}
