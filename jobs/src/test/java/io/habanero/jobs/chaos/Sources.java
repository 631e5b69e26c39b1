package io.habanero.jobs.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Small CSV source files ({@code id,name}) whose rows are known, so that the data can be checked
 * row by row: every file gets fresh ids unless it is a MODIFY that corrects earlier rows, and a
 * file may carry malformed rows (an id that is not a number) for QUARANTINE mode.
 */
public final class Sources {
  /** One source file: the ids of its well-formed rows, and how many malformed rows it has. */
  public record Source(Path path, List<Integer> ids, int badRows) {
    public String s3SourcePath() {
      return path.toString();
    }
  }

  private final Path dir;
  private final Map<String, Source> byPath = new ConcurrentHashMap<>();
  private int nextId = 1;

  public Sources(Path dir) {
    this.dir = dir;
  }

  /** A new file of {@code rows} rows with fresh ids, and {@code badRows} malformed ones. */
  public synchronized Source fresh(String name, int rows, int badRows) {
    List<Integer> ids = IntStream.range(nextId, nextId + rows).boxed().toList();
    nextId += rows;
    return write(name, ids, badRows);
  }

  /** A new file that carries exactly {@code ids} (a MODIFY correcting those rows). */
  public synchronized Source withIds(String name, List<Integer> ids, int badRows) {
    return write(name, ids, badRows);
  }

  /** The source a changeset read, by its {@code s3SourcePath}. */
  public Optional<Source> forPath(String s3SourcePath) {
    return Optional.ofNullable(s3SourcePath).map(byPath::get);
  }

  /** Where the file of that name is (or would be) written. */
  public Path pathOf(String name) {
    return dir.resolve(name + ".csv");
  }

  private Source write(String name, List<Integer> ids, int badRows) {
    StringBuilder csv = new StringBuilder("id,name\n");
    List<String> lines = new ArrayList<>();
    for (int id : ids) {
      lines.add(id + "," + name + "-" + id);
    }
    // Malformed rows among the good ones: an id that does not parse as the dataset's INT.
    for (int b = 0; b < badRows; b++) {
      lines.add(Math.min(lines.size(), 1 + b * 2), "bad" + b + "," + name + "-bad" + b);
    }
    lines.forEach(l -> csv.append(l).append('\n'));
    Path path = pathOf(name);
    try {
      Files.createDirectories(dir);
      Files.writeString(path, csv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Source s = new Source(path, List.copyOf(ids), badRows);
    byPath.put(s.s3SourcePath(), s);
    return s;
  }
}
