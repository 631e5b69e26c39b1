package io.habanero.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import io.habanero.errors.ValidationException;
import io.habanero.model.ErrorCategory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel's evaluator and display, without Jupyter: what a cell returns, shows and throws. */
class KernelTest {
  static JavaEvaluator java;

  @BeforeAll
  static void start() {
    // Under surefire java.class.path is a manifest jar; the real test classpath is this property.
    java =
        new JavaEvaluator(
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
  }

  @AfterAll
  static void stop() {
    java.close();
  }

  @Test
  void aCellsValueIsItsLastExpressionAsTheObjectItself() throws Exception {
    JavaEvaluator.Result r = java.eval("int a = 2;\nint b = 21;\na * b");
    assertThat(r.hasValue()).isTrue();
    assertThat(r.value()).isEqualTo(42);

    JavaEvaluator.Result img = java.eval("BarChart.titled(\"t\").bar(\"a\", 1).toImage()");
    assertThat(img.value()).isInstanceOf(BufferedImage.class);
    assertThat(java.eval("a").value()).isEqualTo(2);
  }

  @Test
  void declarationsAndStatementsHaveNoValue() throws Exception {
    assertThat(java.eval("String s = \"x\";").hasValue()).isFalse();
    assertThat(java.eval("int twice(int n) { return 2 * n; }").hasValue()).isFalse();
    assertThat(java.eval("System.out.print(\"\");").hasValue()).isFalse();
    assertThat(java.eval("twice(4)").value()).isEqualTo(8);
  }

  @Test
  void theDefaultImportsReachHabaneroSparkAndTheHelpers() throws Exception {
    assertThat(java.eval("ChangeType.MODIFY").value().toString()).isEqualTo("MODIFY");
    assertThat(java.eval("Habanero.class.getName()").value()).isEqualTo("io.habanero.Habanero");
    assertThat(java.eval("SparkSession.class.getSimpleName()").value()).isEqualTo("SparkSession");
    assertThat(java.eval("env(\"HABANERO_SURELY_UNSET_VARIABLE\", \"fallback\")").value())
        .isEqualTo("fallback");
  }

  @Test
  void aCompileErrorNamesTheProblemAndPointsAtTheLine() {
    assertThatThrownBy(() -> java.eval("int ok = 1;\nString s = undefinedThing + 1;"))
        .isInstanceOf(JavaEvaluator.CompilationException.class)
        .hasMessageContaining("cannot find symbol")
        .hasMessageContaining("String s = undefinedThing + 1;")
        .hasMessageContaining("^");
  }

  @Test
  void anIncompleteCellSaysSo() {
    assertThatThrownBy(() -> java.eval("if (true) {\n  int x = 1;"))
        .isInstanceOf(JavaEvaluator.CompilationException.class)
        .hasMessageContaining("ends in the middle of a statement");
  }

  @Test
  void aThrownExceptionArrivesAsThrownAndStopsTheRestOfTheCell() throws Exception {
    java.eval("int counter = 1;");
    assertThatThrownBy(
            () ->
                java.eval(
                    "counter = 2;\n"
                        + "if (counter > 1) throw new io.habanero.errors.ValidationException(\"bad field\");\n"
                        + "counter = 3;"))
        .isInstanceOf(ValidationException.class)
        .hasMessage("bad field");
    assertThat(java.eval("counter").value()).isEqualTo(2);
  }

  @Test
  void completionOffersMembersOfTheLastStatementOnly() throws Exception {
    java.eval("String greeting = \"hi\";");
    String cell = "int unrelated = 1;\ngreeting.toUpp";
    JavaEvaluator.Completion c = java.complete(cell, cell.length());
    assertThat(c.options()).contains("toUpperCase(");
    assertThat(cell.substring(c.start(), c.end())).isEqualTo("toUpp");
    assertThat(java.complete("Habanero.cre", 12).options()).contains("create(");
  }

  @Test
  void sparkTasksCanRunLambdasDeclaredInCells() throws Exception {
    // Cells may run on a thread that did not start JShell and whose context class loader is the
    // application's: the evaluator must still give Spark's executors the snippet class loader.
    ExecutorService shellThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "shell");
              t.setContextClassLoader(ClassLoader.getSystemClassLoader());
              return t;
            });
    try {
      shellThread
          .submit(
              () ->
                  java.eval(
                      "SparkSession cellSpark = SparkSession.builder().master(\"local[2]\")"
                          + ".config(\"spark.ui.enabled\", \"false\").getOrCreate();"))
          .get();
      Object doubled =
          shellThread
              .submit(
                  () ->
                      java.eval(
                              "cellSpark.range(5).map((org.apache.spark.api.java.function"
                                  + ".MapFunction<Long, Long>) x -> x * 2, Encoders.LONG())"
                                  + ".collectAsList()")
                          .value())
              .get();
      assertThat(doubled).isEqualTo(List.of(0L, 2L, 4L, 6L, 8L));
    } finally {
      shellThread.submit(() -> java.eval("cellSpark.stop();")).get();
      shellThread.shutdownNow();
    }
  }

  @Test
  void errorsShowTheirClassMessageCategoryAndCauses() throws Exception {
    HabaneroKernel kernel = new HabaneroKernel(java);
    List<String> lines =
        kernel.formatError(
            new IllegalStateException(
                "outer", new ValidationException("datasetId is missing: set it")));
    String all = String.join("\n", lines);
    assertThat(all)
        .contains("java.lang.IllegalStateException: outer")
        .contains(
            "Caused by: io.habanero.errors.ValidationException [category "
                + ErrorCategory.VALIDATION
                + "]: datasetId is missing: set it")
        .doesNotContain("\tat ");
  }

  @Test
  void tablesRenderAsEscapedHtmlAndAlignedText() {
    Table t = Table.of("id", "note").row(1, "<b>&").row(22, null);
    DisplayData d = HabaneroKernel.render(t);
    assertThat((String) d.getData(MIMEType.TEXT_HTML))
        .contains("<td>&lt;b&gt;&amp;</td>")
        .contains("<td>22</td><td></td>");
    assertThat((String) d.getData(MIMEType.TEXT_PLAIN))
        .isEqualTo("id  note\n--  ----\n1   <b>&\n22\n(2 rows)");
    assertThatThrownBy(() -> t.row(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A row of this table needs 2 cells (id, note), not 1.");
  }

  @Test
  void chartsAndImagesRenderAsPng() throws Exception {
    BarChart chart = BarChart.titled("rows").bar("v1", 20).bar("v2", 40).axes("version", "rows");
    DisplayData d = HabaneroKernel.render(chart);
    byte[] png = Base64.getDecoder().decode((String) d.getData(MIMEType.IMAGE_PNG));
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(img.getWidth()).isEqualTo(720);
    assertThat(img.getHeight()).isEqualTo(400);
    // The taller bar is twice the height of the shorter one: count bar-coloured pixels per column.
    assertThat(barHeightAt(img, 260)).isGreaterThan(0);
    assertThat((double) barHeightAt(img, 540) / barHeightAt(img, 260)).isBetween(1.9, 2.1);
    assertThatThrownBy(() -> BarChart.titled("empty").toImage())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has no bars");
    assertThatThrownBy(() -> BarChart.titled("x").bar("neg", -1))
        .hasMessageContaining("bars need a finite value >= 0");
  }

  @Test
  void emptyDirectoryClearsANotebooksOwnDirectoryButNotRootOrHome(@TempDir Path tmp)
      throws Exception {
    Path work = tmp.resolve("work");
    Files.createDirectories(work.resolve("warehouse/datasets"));
    Files.writeString(work.resolve("warehouse/datasets/x.json"), "{}");
    assertThat(Notebook.emptyDirectory(work)).isEqualTo(work);
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left).isEmpty();
    }
    assertThatThrownBy(() -> Notebook.emptyDirectory(Path.of("/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Refusing to empty /");
    assertThatThrownBy(() -> Notebook.emptyDirectory(Path.of(System.getProperty("user.home"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Refusing to empty");
    Path file = Files.writeString(tmp.resolve("a-file"), "keep me");
    assertThatThrownBy(() -> Notebook.emptyDirectory(file))
        .hasMessageContaining("is a file, not a directory");
    assertThat(Files.readString(file)).isEqualTo("keep me");
  }

  @Test
  void otherValuesRenderAsText() {
    assertThat(HabaneroKernel.render(List.of(1, 2)).getData(MIMEType.TEXT_PLAIN))
        .isEqualTo("[1, 2]");
    assertThat(HabaneroKernel.render(null).getData(MIMEType.TEXT_PLAIN)).isEqualTo("null");
  }

  private static int barHeightAt(BufferedImage img, int x) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      int rgb = img.getRGB(x, y);
      if (((rgb >> 16) & 0xff) == 0xC8 && ((rgb >> 8) & 0xff) == 0x3B && (rgb & 0xff) == 0x1E) {
        n++;
      }
    }
    return n;
  }
}
