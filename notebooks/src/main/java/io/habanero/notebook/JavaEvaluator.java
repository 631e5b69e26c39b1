package io.habanero.notebook;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs Java cells with JShell, in this JVM.
 *
 * <p>Snippets execute in the kernel's own JVM (not JShell's default remote agent), so a cell's
 * value is the real object: a {@code BufferedImage} can be rendered as PNG and a Spark {@code
 * Dataset} as a table. The classes that snippets compile against are this JVM's classpath, which is
 * where Spark, Delta and Habanero are.
 *
 * <p>Cells run with the snippet class loader as their thread's context class loader, so a local
 * SparkContext created in a cell hands it to its executors and tasks can run lambdas declared in
 * cells. Executors in other JVMs (a cluster) cannot load snippet classes.
 */
public final class JavaEvaluator implements AutoCloseable {

  /** The imports every notebook starts with. */
  public static final List<String> DEFAULT_IMPORTS =
      List.of(
          "import java.util.*;",
          "import java.util.stream.*;",
          "import java.nio.file.*;",
          "import java.time.*;",
          "import org.apache.spark.sql.*;",
          "import io.habanero.Habanero;",
          "import io.habanero.model.*;",
          "import io.habanero.notebook.*;",
          "import static io.habanero.notebook.Notebook.*;");

  private final CapturingControl control = new CapturingControl();
  private final JShell shell;
  private volatile Thread running;

  /** Starts JShell with {@code classpath} and runs {@link #DEFAULT_IMPORTS}. */
  public JavaEvaluator(String classpath) {
    this.shell =
        JShell.builder()
            .executionEngine(new CapturingProvider(control), Map.of())
            .compilerOptions("-Xlint:-options")
            .build();
    if (!classpath.isEmpty()) {
      shell.addToClasspath(classpath);
    }
    for (String imp : DEFAULT_IMPORTS) {
      try {
        eval(imp);
      } catch (Exception e) {
        throw new IllegalStateException("The kernel could not run '" + imp + "': " + e, e);
      }
    }
  }

  /** A JShell for this JVM's own classpath. */
  public static JavaEvaluator forThisJvm() {
    return new JavaEvaluator(System.getProperty("java.class.path", ""));
  }

  /** The result of a cell: its last expression's value, if its last snippet was an expression. */
  public record Result(boolean hasValue, Object value) {
    static final Result NONE = new Result(false, null);
  }

  /**
   * Evaluates a cell: one or more statements, declarations or expressions.
   *
   * @throws CompilationException when a snippet does not compile (nothing after it runs)
   * @throws Exception the exception a snippet threw, as thrown (nothing after it runs)
   */
  public Result eval(String code) throws Exception {
    Result result = Result.NONE;
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    String rest = code;
    while (!rest.isBlank()) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
      Completeness completeness = info.completeness();
      if (completeness == Completeness.EMPTY) {
        break;
      }
      if (completeness == Completeness.DEFINITELY_INCOMPLETE
          || completeness == Completeness.CONSIDERED_INCOMPLETE) {
        throw new CompilationException(
            "The cell ends in the middle of a statement: "
                + abbreviate(rest.strip())
                + "\nComplete it (a missing ';', ')' or '}'?) and run the cell again.");
      }
      String source = completeness == Completeness.UNKNOWN ? rest : info.source();
      rest = completeness == Completeness.UNKNOWN ? "" : info.remaining();
      result = evalSnippet(source);
    }
    return result;
  }

  private Result evalSnippet(String source) throws Exception {
    control.reset();
    List<SnippetEvent> events;
    Thread.interrupted(); // an interrupt that came after the last cell ended is not for this one
    running = Thread.currentThread();
    try {
      events = shell.eval(source);
    } finally {
      running = null;
    }
    Result result = Result.NONE;
    for (SnippetEvent event : events) {
      if (event.causeSnippet() != null) {
        continue; // an update of a dependent snippet, not this one
      }
      Snippet snippet = event.snippet();
      if (event.status() == Snippet.Status.REJECTED) {
        throw new CompilationException(diagnostics(snippet));
      }
      if (event.exception() != null) {
        throw userException(event.exception());
      }
      if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
        // A declaration that needs names not declared yet: say which, as jshell does.
        throw new CompilationException(
            snippet.source().strip()
                + "\ncannot be defined until "
                + shell
                    .unresolvedDependencies((jdk.jshell.DeclarationSnippet) snippet)
                    .collect(Collectors.toList())
                + " are declared");
      }
      if (isValue(snippet)) {
        result = new Result(true, control.lastValue());
      }
    }
    return result;
  }

  private static boolean isValue(Snippet snippet) {
    Snippet.SubKind sub = snippet.subKind();
    return sub == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
        || sub == Snippet.SubKind.VAR_VALUE_SUBKIND;
  }

  private Exception userException(Exception jshellException) {
    Throwable thrown = control.lastThrown();
    if (thrown != null) {
      trimToUserFrames(thrown);
    }
    if (thrown instanceof Exception e) {
      return e;
    }
    if (thrown != null) {
      return new UserCodeException(thrown);
    }
    if (jshellException instanceof UnresolvedReferenceException unresolved) {
      return new CompilationException(
          unresolved.getSnippet().source().strip()
              + "\nuses "
              + shell.unresolvedDependencies(unresolved.getSnippet()).collect(Collectors.toList())
              + ", which is not declared yet: run the cell that declares it first.");
    }
    if (jshellException instanceof EvalException eval) {
      return new UserCodeException(eval.getExceptionClassName() + ": " + eval.getMessage(), eval);
    }
    return jshellException;
  }

  /**
   * Cuts the stack trace where the cell's code was called from JShell: the frames below are the
   * kernel's and JShell's, never the user's concern.
   */
  private static void trimToUserFrames(Throwable t) {
    StackTraceElement[] frames = t.getStackTrace();
    for (int i = 0; i < frames.length; i++) {
      String c = frames[i].getClassName();
      if (c.startsWith("jdk.internal.reflect.") || c.equals("java.lang.reflect.Method")) {
        t.setStackTrace(Arrays.copyOf(frames, i));
        return;
      }
    }
  }

  private String diagnostics(Snippet snippet) {
    String source = snippet.source();
    List<String> lines = new ArrayList<>();
    shell
        .diagnostics(snippet)
        .filter(Diag::isError)
        .forEach(
            d -> {
              lines.add(d.getMessage(Locale.ENGLISH));
              int start = (int) Math.max(0, d.getStartPosition());
              int lineStart = source.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
              int lineEnd = source.indexOf('\n', start);
              String line = source.substring(lineStart, lineEnd < 0 ? source.length() : lineEnd);
              lines.add("    " + line);
              lines.add("    " + " ".repeat(Math.max(0, start - lineStart)) + "^");
            });
    return lines.isEmpty() ? "The snippet does not compile:\n" + source : String.join("\n", lines);
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  /** Completion options for the text before {@code cursor}, replacing {@code [start, end)}. */
  public record Completion(List<String> options, int start, int end) {}

  /**
   * Completes the identifier, member or keyword at {@code cursor}. Complete statements before the
   * cursor are skipped: JShell completes one snippet at a time.
   */
  public Completion complete(String code, int cursor) {
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    int offset = 0;
    String rest = code.substring(0, Math.min(cursor, code.length()));
    while (true) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
      String remaining = info.remaining();
      if (!info.completeness().isComplete() || remaining == null || remaining.isBlank()) {
        break;
      }
      offset += rest.length() - remaining.length();
      rest = remaining;
    }
    int[] anchor = new int[1];
    List<String> options =
        analysis.completionSuggestions(rest, rest.length(), anchor).stream()
            .sorted(
                (a, b) ->
                    Boolean.compare(b.matchesType(), a.matchesType()) != 0
                        ? Boolean.compare(b.matchesType(), a.matchesType())
                        : a.continuation().compareTo(b.continuation()))
            .map(SourceCodeAnalysis.Suggestion::continuation)
            .distinct()
            .collect(Collectors.toList());
    return new Completion(options, offset + anchor[0], cursor);
  }

  /** Interrupts the running cell's thread (blocking Spark waits end with an exception). */
  public void interrupt() {
    Thread t = running;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public void close() {
    shell.close();
  }

  /** A cell that does not compile, with javac's messages and the offending line. */
  public static final class CompilationException extends Exception {
    public CompilationException(String message) {
      super(message);
    }
  }

  /** A {@link Throwable} that is not an {@link Exception} (an {@link Error}) thrown by a cell. */
  public static final class UserCodeException extends Exception {
    UserCodeException(Throwable cause) {
      super(cause.toString(), cause);
    }

    UserCodeException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Runs snippets on the calling thread and keeps their value or exception as objects. */
  private static final class CapturingControl extends DirectExecutionControl {
    private Object lastValue;
    private Throwable lastThrown;

    void reset() {
      lastValue = null;
      lastThrown = null;
    }

    Object lastValue() {
      return lastValue;
    }

    Throwable lastThrown() {
      return lastThrown;
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
      // Cells run with the snippet class loader as context loader: a SparkContext created in a
      // cell gives its local executors that loader, so tasks can load classes and lambdas
      // declared in cells.
      Thread thread = Thread.currentThread();
      ClassLoader previous = thread.getContextClassLoader();
      thread.setContextClassLoader(doitMethod.getDeclaringClass().getClassLoader());
      try {
        Object value = doitMethod.invoke(null);
        lastValue = value;
        return valueString(value);
      } catch (InvocationTargetException e) {
        lastThrown = e.getCause();
        throw e;
      } finally {
        thread.setContextClassLoader(previous);
      }
    }

    @Override
    public void addToClasspath(String cp) throws EngineTerminationException, InternalException {
      // Entries already on this JVM's classpath only matter to the compiler: loading them again
      // in the snippet class loader would make a second copy of Spark's classes.
      Set<String> jvm = Set.of(System.getProperty("java.class.path", "").split(File.pathSeparator));
      String extra =
          Arrays.stream(cp.split(File.pathSeparator))
              .filter(e -> !e.isEmpty() && !jvm.contains(e))
              .collect(Collectors.joining(File.pathSeparator));
      if (!extra.isEmpty()) {
        super.addToClasspath(extra);
      }
    }
  }

  private record CapturingProvider(CapturingControl control) implements ExecutionControlProvider {
    @Override
    public String name() {
      return "habanero-direct";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
      return control;
    }
  }
}
