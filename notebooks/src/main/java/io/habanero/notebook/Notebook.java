package io.habanero.notebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Helpers that notebook cells import statically ({@code import static
 * io.habanero.notebook.Notebook.*;} is run by the Habanero kernel at start-up).
 *
 * <p>A cell's last expression is displayed by the kernel: a {@link Table} or a {@link Dataset} as
 * an HTML table, a {@link BarChart} or a {@link java.awt.image.RenderedImage} as a PNG image, and
 * anything else as text. {@link #display(Object)} shows a value in the middle of a cell.
 */
public final class Notebook {
  private static volatile Consumer<Object> displayer = v -> System.out.println(v);

  private Notebook() {}

  /** Shows {@code value} in the cell's output, rendered as its last expression would be. */
  public static void display(Object value) {
    displayer.accept(value);
  }

  /** The first {@code maxRows} rows of a DataFrame, as a table. */
  public static Table table(Dataset<Row> frame, int maxRows) {
    return Table.of(frame, maxRows);
  }

  /** The first 20 rows of a DataFrame, as a table. */
  public static Table table(Dataset<Row> frame) {
    return Table.of(frame, 20);
  }

  /**
   * A setting from the environment: the variable {@code name} if it is set and not blank, else
   * {@code fallback}. Notebooks take their parameters this way, so the same notebook runs against a
   * real account or, in the tests, against loopback servers.
   */
  public static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  /**
   * Makes {@code dir} an empty directory: deletes it with everything in it, then creates it. For
   * notebooks that start from a clean slate each run. Refuses a filesystem root and the home
   * directory, and a path that is a file.
   *
   * @return the directory, absolute
   */
  public static Path emptyDirectory(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Path home = Path.of(System.getProperty("user.home")).toAbsolutePath().normalize();
    if (abs.getParent() == null || abs.equals(home)) {
      throw new IllegalArgumentException(
          "Refusing to empty "
              + abs
              + ": give a directory of its own, e.g. "
              + abs.resolve("work"));
    }
    if (Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new IllegalArgumentException(abs + " is a file, not a directory: choose another path.");
    }
    if (Files.exists(abs)) {
      try (Stream<Path> old = Files.walk(abs)) {
        for (Path p : (Iterable<Path>) old.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(abs);
  }

  /** Installed by the kernel; outside a kernel, values are printed. */
  static void setDisplayer(Consumer<Object> d) {
    displayer = d;
  }
}
