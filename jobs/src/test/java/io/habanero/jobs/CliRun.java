package io.habanero.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.habanero.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One in-process CLI run on the shared SparkSession: its exit code, stdout and stderr. */
record CliRun(int code, String out, String err) {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Runs {@code habanero --warehouse <warehouse> args...}. */
  static CliRun on(Path warehouse, String... args) {
    List<String> all = new ArrayList<>(List.of("--warehouse", warehouse.toString()));
    all.addAll(Arrays.asList(args));
    return raw(all.toArray(String[]::new));
  }

  /** Runs {@code habanero args...}. */
  static CliRun raw(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = HabaneroCli.run(args, o, e, SharedSpark.get());
    }
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  JsonNode json() {
    try {
      return JSON.readTree(out);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException("stdout is not JSON: " + out, e);
    }
  }

  /** stdout as JSON lines (read-dataset). */
  List<JsonNode> jsonLines() {
    List<JsonNode> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        try {
          rows.add(JSON.readTree(line));
        } catch (java.io.IOException e) {
          throw new UncheckedIOException("not a JSON line: " + line, e);
        }
      }
    }
    return rows;
  }

  /** stderr lines that are not Spark log lines (those start with a time, e.g. 06:19:02). */
  List<String> habaneroErrLines() {
    return Arrays.stream(err.split("\n")).filter(l -> l.startsWith("habanero:")).toList();
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
