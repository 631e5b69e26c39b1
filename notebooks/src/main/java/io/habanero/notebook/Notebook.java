package io.habanero.notebook;

import java.util.function.Consumer;
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

  /** Installed by the kernel; outside a kernel, values are printed. */
  static void setDisplayer(Consumer<Object> d) {
    displayer = d;
  }
}
