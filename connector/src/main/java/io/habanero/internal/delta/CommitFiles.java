package io.habanero.internal.delta;

import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.internal.Json;
import io.habanero.internal.changeset.CommitFacts;
import io.habanero.model.ChangeType;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Reads one Delta commit file ({@code _delta_log/<version>.json}): no listing. */
public final class CommitFiles {
  private CommitFiles() {}

  /**
   * What commit {@code version} of the table says about the changeset that made it, or empty when
   * its commit file does not exist.
   *
   * @throws UncheckedIOException if the file exists but cannot be read
   */
  public static Optional<CommitFacts> read(Configuration conf, Path table, long version) {
    Path file = new Path(new Path(table, "_delta_log"), String.format("%020d.json", version));
    try {
      FileSystem fs = file.getFileSystem(conf);
      FileStatus status;
      try {
        status = fs.getFileStatus(file);
      } catch (FileNotFoundException e) {
        return Optional.empty();
      }
      try (FSDataInputStream in = fs.open(file);
          BufferedReader r =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (!line.contains("\"commitInfo\"")) {
            continue;
          }
          JsonNode meta = Json.MAPPER.readTree(line).path("commitInfo").path("userMetadata");
          JsonNode named =
              meta.isTextual() ? Json.MAPPER.readTree(meta.asText()).path("habanero") : null;
          if (named != null && named.hasNonNull("changesetId")) {
            ChangeType type;
            try {
              type = ChangeType.valueOf(named.path("changeType").asText());
            } catch (IllegalArgumentException e) {
              type = null;
            }
            return Optional.of(
                new CommitFacts(
                    version,
                    named.path("changesetId").asText(),
                    type,
                    named.hasNonNull("updatesChangesetId")
                        ? named.path("updatesChangesetId").asText()
                        : null,
                    status.getModificationTime()));
          }
        }
      }
      return Optional.of(new CommitFacts(version, null, null, null, status.getModificationTime()));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read commit " + version + " of " + table, e);
    }
  }
}
