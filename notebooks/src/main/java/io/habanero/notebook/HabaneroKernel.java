package io.habanero.notebook;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import io.habanero.errors.HabaneroException;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Habanero Jupyter kernel: Java cells run by {@link JavaEvaluator} in this JVM, with Spark,
 * Delta and Habanero on the classpath.
 *
 * <p>Started by Jupyter with the connection file: {@code java ...
 * io.habanero.notebook.HabaneroKernel <connection-file>} (see {@code scripts/notebooks install}).
 */
public final class HabaneroKernel extends BaseKernel {
  /** Rows of a {@link Dataset} shown when it is a cell's value. */
  static final int DATASET_ROWS = 20;

  private final JavaEvaluator evaluator;
  private final LanguageInfo languageInfo;
  private volatile boolean interruptRequested;

  HabaneroKernel(JavaEvaluator evaluator) {
    this.evaluator = evaluator;
    this.languageInfo =
        new LanguageInfo.Builder("Java")
            .version(Runtime.version().toString())
            .mimetype("text/x-java-source")
            .fileExtension(".jshell")
            .pygments("java")
            .codemirror("java")
            .build();
    Notebook.setDisplayer(v -> display(render(v)));
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: HabaneroKernel <jupyter-connection-file>");
      System.exit(2);
    }
    System.setProperty("java.awt.headless", "true");
    // The protocol library logs every message at INFO through java.util.logging, under names
    // of its own making: keep JUL (which Spark does not use) at WARNING.
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    // Start logging now, on the real stderr: a logger first created inside a cell would bind to
    // the cell's redirected stream and print Spark's log lines into the notebook.
    org.apache.logging.log4j.LogManager.getRootLogger();
    KernelConnectionProperties props =
        KernelConnectionProperties.parse(
            Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
    JupyterConnection connection = new JupyterConnection(props);
    HabaneroKernel kernel = new HabaneroKernel(JavaEvaluator.forThisJvm());
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
  }

  @Override
  public LanguageInfo getLanguageInfo() {
    return languageInfo;
  }

  @Override
  public String getBanner() {
    return "Habanero Java kernel (JShell, Java "
        + Runtime.version().feature()
        + ") with Spark, Delta and Habanero";
  }

  @Override
  public DisplayData eval(String code) throws Exception {
    interruptRequested = false;
    try {
      JavaEvaluator.Result result = evaluator.eval(code);
      return result.hasValue() ? render(result.value()) : null;
    } finally {
      if (interruptRequested) {
        // A thread interrupted while it waits for a Spark job returns, but the job runs on; and
        // an interrupt that came before the cell submitted its job cancelled nothing. The cell
        // has ended now and can submit no more, so whatever still runs was started by it.
        cancelSparkJobs();
      }
    }
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    JavaEvaluator.Completion c = evaluator.complete(code, at);
    return c.options().isEmpty() ? null : new ReplacementOptions(c.options(), c.start(), c.end());
  }

  @Override
  public String isComplete(String code) {
    return IS_COMPLETE_MAYBE;
  }

  @Override
  public void interrupt() {
    interruptRequested = true;
    cancelSparkJobs();
    evaluator.interrupt();
  }

  private static void cancelSparkJobs() {
    SparkSession.getDefaultSession()
        .foreach(
            s -> {
              s.sparkContext().cancelAllJobs();
              return null;
            });
  }

  @Override
  public void onShutdown(boolean isRestarting) {
    SparkSession.getDefaultSession()
        .foreach(
            s -> {
              s.stop();
              return null;
            });
    evaluator.close();
  }

  /**
   * The error lines shown under a failed cell: the exception and its causes, each with its class
   * and message. Habanero errors add their FinSpace error category. Stack frames are left out: they
   * are the kernel's and Spark's, not the cell's.
   */
  @Override
  public List<String> formatError(Exception e) {
    List<String> lines = new ArrayList<>();
    Throwable t = e;
    String prefix = "";
    while (t != null && lines.size() < 40) {
      String category = t instanceof HabaneroException h ? " [category " + h.category() + "]" : "";
      String message = t.getMessage() == null ? "" : ": " + t.getMessage();
      if (t instanceof JavaEvaluator.CompilationException) {
        lines.add(errorStyler.primary("The cell does not compile:"));
        lines.add(t.getMessage());
      } else {
        lines.add(errorStyler.primary(prefix + t.getClass().getName() + category + message));
      }
      prefix = "Caused by: ";
      t = t.getCause() == t ? null : t.getCause();
    }
    return lines;
  }

  /** How a cell's value is shown. */
  static DisplayData render(Object value) {
    if (value instanceof DisplayData d) {
      return d;
    }
    if (value instanceof BarChart chart) {
      return image(chart.toImage(), chart.toString());
    }
    if (value instanceof RenderedImage img) {
      return image(img, "<image " + img.getWidth() + "x" + img.getHeight() + ">");
    }
    Table table = null;
    if (value instanceof Table t) {
      table = t;
    } else if (value instanceof Dataset<?> ds) {
      @SuppressWarnings("unchecked")
      Dataset<Row> rows = (Dataset<Row>) ds.toDF();
      table = Table.of(rows, DATASET_ROWS);
    }
    if (table != null) {
      DisplayData d = new DisplayData(table.toString());
      d.putHTML(table.toHtml());
      return d;
    }
    return new DisplayData(String.valueOf(value));
  }

  private static DisplayData image(RenderedImage img, String text) {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    DisplayData d = new DisplayData(text);
    d.putData(MIMEType.IMAGE_PNG, Base64.getEncoder().encodeToString(png.toByteArray()));
    return d;
  }
}
