package io.habanero.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A bar chart drawn with Java2D (headless), for notebooks: {@link #toImage()} is shown as a PNG
 * image by the Habanero kernel. No plotting library is needed.
 */
public final class BarChart {
  private static final Color BAR = new Color(0xC8, 0x3B, 0x1E); // habanero red
  private static final Color AXIS = new Color(0x33, 0x33, 0x33);
  private static final Color GRID = new Color(0xDD, 0xDD, 0xDD);

  private final String title;
  private final List<String> labels = new ArrayList<>();
  private final List<Double> values = new ArrayList<>();
  private String xAxis = "";
  private String yAxis = "";
  private int width = 720;
  private int height = 400;

  private BarChart(String title) {
    this.title = title;
  }

  /** A chart with this title. */
  public static BarChart titled(String title) {
    return new BarChart(title);
  }

  /** Adds a bar; values must be finite and not negative. */
  public BarChart bar(String label, Number value) {
    double v = value.doubleValue();
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException(
          "Bar '" + label + "' has value " + value + "; bars need a finite value >= 0.");
    }
    labels.add(label);
    values.add(v);
    return this;
  }

  public BarChart axes(String xAxisLabel, String yAxisLabel) {
    this.xAxis = xAxisLabel;
    this.yAxis = yAxisLabel;
    return this;
  }

  public BarChart size(int widthPixels, int heightPixels) {
    this.width = widthPixels;
    this.height = heightPixels;
    return this;
  }

  public List<String> labels() {
    return List.copyOf(labels);
  }

  public List<Double> values() {
    return List.copyOf(values);
  }

  /** Draws the chart. */
  public BufferedImage toImage() {
    if (labels.isEmpty()) {
      throw new IllegalStateException("The chart '" + title + "' has no bars: add one with bar().");
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);

      int left = 70;
      int right = 20;
      int top = 50;
      int bottom = 70;
      int plotW = width - left - right;
      int plotH = height - top - bottom;
      double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
      double step = niceStep(max);
      // Headroom above the tallest bar for its value label.
      double top2 = Math.max(step, Math.ceil(max * 1.08 / step) * step);

      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.setColor(AXIS);
      FontMetrics fm = g.getFontMetrics();
      g.drawString(title, (width - fm.stringWidth(title)) / 2, 28);

      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      fm = g.getFontMetrics();
      for (double v = 0; v <= top2 + step / 2; v += step) {
        int y = top + plotH - (int) Math.round(v / top2 * plotH);
        g.setColor(GRID);
        g.drawLine(left, y, left + plotW, y);
        g.setColor(AXIS);
        String t = format(v);
        g.drawString(t, left - 8 - fm.stringWidth(t), y + fm.getAscent() / 2 - 1);
      }

      int n = labels.size();
      double slot = (double) plotW / n;
      int barW = (int) Math.max(4, slot * 0.6);
      for (int i = 0; i < n; i++) {
        int x = left + (int) Math.round(slot * i + (slot - barW) / 2);
        int h = (int) Math.round(values.get(i) / top2 * plotH);
        g.setColor(BAR);
        g.fillRect(x, top + plotH - h, barW, h);
        g.setColor(AXIS);
        String v = format(values.get(i));
        g.drawString(v, x + (barW - fm.stringWidth(v)) / 2, top + plotH - h - 4);
        String label = labels.get(i);
        g.drawString(
            label,
            left + (int) Math.round(slot * i + (slot - fm.stringWidth(label)) / 2),
            top + plotH + 18);
      }
      g.setStroke(new BasicStroke(1.5f));
      g.drawLine(left, top, left, top + plotH);
      g.drawLine(left, top + plotH, left + plotW, top + plotH);
      g.drawString(xAxis, left + (plotW - fm.stringWidth(xAxis)) / 2, height - 20);
      Graphics2D rotated = (Graphics2D) g.create();
      rotated.rotate(-Math.PI / 2);
      rotated.drawString(yAxis, -(top + (plotH + fm.stringWidth(yAxis)) / 2), 18);
      rotated.dispose();
    } finally {
      g.dispose();
    }
    return img;
  }

  /** The chart as PNG bytes. */
  public byte[] toPng() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(toImage(), "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static double niceStep(double max) {
    if (max <= 0) {
      return 1;
    }
    double raw = max / 5;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (raw <= m * mag) {
        return m * mag;
      }
    }
    return 10 * mag;
  }

  private static String format(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.2f", v);
  }

  @Override
  public String toString() {
    return "BarChart[" + title + ", bars=" + labels.size() + "]";
  }
}
