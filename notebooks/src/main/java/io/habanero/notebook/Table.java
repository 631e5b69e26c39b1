package io.habanero.notebook;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A small table for notebook output: rendered as HTML in Jupyter and as aligned text elsewhere
 * ({@link #toString()}). Cells are shown with {@link String#valueOf(Object)}; null shows as an
 * empty cell.
 */
public final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();
  private String caption;

  private Table(List<String> headers) {
    this.headers = List.copyOf(headers);
  }

  /** A table with these column headers. */
  public static Table of(String... headers) {
    if (headers.length == 0) {
      throw new IllegalArgumentException("A table needs at least one column header.");
    }
    return new Table(Arrays.asList(headers));
  }

  /**
   * The first {@code maxRows} rows of a DataFrame (collected to the driver), captioned "the first N
   * rows" when the frame has more.
   */
  public static Table of(Dataset<Row> frame, int maxRows) {
    Table t = new Table(Arrays.asList(frame.columns()));
    List<Row> collected = frame.limit(maxRows + 1).collectAsList();
    if (collected.size() > maxRows) {
      collected = collected.subList(0, maxRows);
      t.caption("the first " + maxRows + " rows");
    }
    for (Row r : collected) {
      Object[] cells = new Object[r.length()];
      for (int i = 0; i < cells.length; i++) {
        cells[i] = r.get(i);
      }
      t.row(cells);
    }
    return t;
  }

  /** Adds a row; it must have one cell per header. */
  public Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          "A row of this table needs "
              + headers.size()
              + " cells ("
              + String.join(", ", headers)
              + "), not "
              + cells.length
              + ".");
    }
    List<String> row = new ArrayList<>(cells.length);
    for (Object c : cells) {
      row.add(c == null ? "" : String.valueOf(c));
    }
    rows.add(row);
    return this;
  }

  /** Sets a caption shown above the table. */
  public Table caption(String text) {
    this.caption = text;
    return this;
  }

  public List<String> headers() {
    return headers;
  }

  /** The rows, as the strings shown. */
  public List<List<String>> rows() {
    return List.copyOf(rows);
  }

  /** An HTML table with every cell escaped. */
  public String toHtml() {
    StringBuilder b = new StringBuilder("<table class=\"habanero-table\">");
    if (caption != null) {
      b.append("<caption>").append(escape(caption)).append("</caption>");
    }
    b.append("<thead><tr>");
    headers.forEach(h -> b.append("<th>").append(escape(h)).append("</th>"));
    b.append("</tr></thead><tbody>");
    for (List<String> row : rows) {
      b.append("<tr>");
      row.forEach(c -> b.append("<td>").append(escape(c)).append("</td>"));
      b.append("</tr>");
    }
    return b.append("</tbody></table>").toString();
  }

  /** Aligned text with a header rule, one line per row. */
  @Override
  public String toString() {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
      for (List<String> row : rows) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder b = new StringBuilder();
    if (caption != null) {
      b.append(caption).append('\n');
    }
    line(b, headers, width);
    for (int i = 0; i < width.length; i++) {
      b.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
    }
    b.append('\n');
    rows.forEach(r -> line(b, r, width));
    b.append("(").append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)");
    return b.toString();
  }

  private static void line(StringBuilder b, List<String> cells, int[] width) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      l.append(i == 0 ? "" : "  ").append(cells.get(i));
      l.append(" ".repeat(width[i] - cells.get(i).length()));
    }
    b.append(l.toString().stripTrailing()).append('\n');
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
