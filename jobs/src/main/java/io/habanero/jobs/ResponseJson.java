package io.habanero.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ChangesetSummary;
import io.habanero.model.GetProgrammaticAccessCredentialsResponse;
import io.habanero.model.GetWorkingLocationResponse;
import io.habanero.model.ListChangesetsResponse;
import io.habanero.model.QuarantineInfo;
import io.habanero.model.SweepResult;
import io.habanero.model.UpdateChangesetResponse;
import java.util.Map;

/**
 * The CLI's stdout documents, member for member. The seed's three operations use the seed's
 * Response Syntax ({@code createTimestamp} as an ISO-8601 string); the later operations use the
 * later model's shapes (epoch milliseconds). Null members are omitted.
 */
public final class ResponseJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private ResponseJson() {}

  /** GetProgrammaticAccessCredentials; the only document that holds secrets. */
  public static String credentials(GetProgrammaticAccessCredentialsResponse r) {
    ObjectNode root = MAPPER.createObjectNode();
    if (r.credentials() != null) {
      ObjectNode c = root.putObject("credentials");
      putIfPresent(c, "accessKeyId", r.credentials().accessKeyId());
      putIfPresent(c, "secretAccessKey", r.credentials().secretAccessKey());
      putIfPresent(c, "sessionToken", r.credentials().sessionToken());
    }
    if (r.durationInMinutes() != null) {
      root.put("durationInMinutes", r.durationInMinutes());
    }
    return write(root);
  }

  public static String workingLocation(GetWorkingLocationResponse r) {
    ObjectNode root = MAPPER.createObjectNode();
    putIfPresent(root, "s3Uri", r.s3Uri());
    putIfPresent(root, "s3Path", r.s3Path());
    putIfPresent(root, "s3Bucket", r.s3Bucket());
    return write(root);
  }

  /** CreateChangeset: {@code {"changeset": {...}}} in the seed's shape. */
  static String createChangeset(Changeset c) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode n = root.putObject("changeset");
    putIfPresent(n, "id", c.id());
    putIfPresent(n, "changesetArn", c.changesetArn());
    putIfPresent(n, "datasetId", c.datasetId());
    putIfPresent(n, "changeType", name(c.changeType()));
    putIfPresent(n, "sourceType", name(c.sourceType()));
    putMap(n, "sourceParams", c.sourceParams());
    putIfPresent(n, "formatType", name(c.formatType()));
    putMap(n, "formatParams", c.formatParams());
    putIfPresent(
        n, "createTimestamp", c.createTimestamp() == null ? null : c.createTimestamp().toString());
    putIfPresent(n, "status", name(c.status()));
    putErrorInfo(n, c.errorInfo());
    putMap(n, "changesetLabels", c.changesetLabels());
    putIfPresent(n, "updatesChangesetId", c.updatesChangesetId());
    putIfPresent(n, "updatedByChangesetId", c.updatedByChangesetId());
    putQuarantine(n, c.quarantine());
    return write(root);
  }

  /** GetChangeset: the ChangesetSummary members, flat. */
  public static String changesetSummary(ChangesetSummary s) {
    return write(summaryNode(s));
  }

  public static String listChangesets(ListChangesetsResponse r) {
    ObjectNode root = MAPPER.createObjectNode();
    var list = root.putArray("changesets");
    if (r.changesets() != null) {
      r.changesets().forEach(s -> list.add(summaryNode(s)));
    }
    putIfPresent(root, "nextToken", r.nextToken());
    return write(root);
  }

  static String updateChangeset(UpdateChangesetResponse r) {
    ObjectNode root = MAPPER.createObjectNode();
    putIfPresent(root, "changesetId", r.changesetId());
    putIfPresent(root, "datasetId", r.datasetId());
    return write(root);
  }

  /** At most this many removed paths are printed per dataset; the rest are counted. */
  static final int REMOVED_PRINT_LIMIT = 1000;

  /**
   * Sweep (Habanero's maintenance operation): {@code {"datasets": [{"datasetId",
   * "dataFilesRemoved", "bytesRemoved", "quarantineDirectoriesRemoved", "removed": [...]}],
   * "dryRun"}}. {@code removed} holds at most {@value #REMOVED_PRINT_LIMIT} paths, with {@code
   * removedNotListed} counting the rest when there are more; {@code error} is present only for a
   * dataset skipped or partly swept.
   */
  static String sweep(SweepResult r) {
    ObjectNode root = MAPPER.createObjectNode();
    var list = root.putArray("datasets");
    for (SweepResult.DatasetSweep d : r.datasets()) {
      ObjectNode n = list.addObject();
      n.put("datasetId", d.datasetId());
      n.put("dataFilesRemoved", d.dataFilesRemoved());
      n.put("bytesRemoved", d.bytesRemoved());
      n.put("quarantineDirectoriesRemoved", d.quarantineDirectoriesRemoved());
      var removed = n.putArray("removed");
      d.removed().stream().limit(REMOVED_PRINT_LIMIT).forEach(removed::add);
      if (d.removed().size() > REMOVED_PRINT_LIMIT) {
        n.put("removedNotListed", d.removed().size() - REMOVED_PRINT_LIMIT);
      }
      putIfPresent(n, "error", d.error());
    }
    root.put("dryRun", r.dryRun());
    return write(root);
  }

  private static ObjectNode summaryNode(ChangesetSummary s) {
    ObjectNode n = MAPPER.createObjectNode();
    putIfPresent(n, "changesetId", s.changesetId());
    putIfPresent(n, "changesetArn", s.changesetArn());
    putIfPresent(n, "datasetId", s.datasetId());
    putIfPresent(n, "changeType", name(s.changeType()));
    putMap(n, "sourceParams", s.sourceParams());
    putMap(n, "formatParams", s.formatParams());
    putIfPresent(n, "createTime", s.createTime());
    putIfPresent(n, "status", name(s.status()));
    putErrorInfo(n, s.errorInfo());
    putIfPresent(n, "activeUntilTimestamp", s.activeUntilTimestamp());
    putIfPresent(n, "activeFromTimestamp", s.activeFromTimestamp());
    putIfPresent(n, "updatesChangesetId", s.updatesChangesetId());
    putIfPresent(n, "updatedByChangesetId", s.updatedByChangesetId());
    putQuarantine(n, s.quarantine());
    return n;
  }

  /** Habanero's own member: what a QUARANTINE changeset kept aside. */
  private static void putQuarantine(ObjectNode n, QuarantineInfo q) {
    if (q == null) {
      return;
    }
    ObjectNode o = n.putObject("quarantine");
    o.put("recordCount", q.recordCount());
    putIfPresent(o, "location", q.location());
  }

  private static void putErrorInfo(ObjectNode n, ChangesetErrorInfo e) {
    if (e == null) {
      return;
    }
    ObjectNode info = n.putObject("errorInfo");
    putIfPresent(info, "errorMessage", e.errorMessage());
    putIfPresent(info, "errorCategory", name(e.errorCategory()));
  }

  private static void putMap(ObjectNode n, String field, Map<String, String> map) {
    if (map == null) {
      return;
    }
    ObjectNode m = n.putObject(field);
    map.forEach(m::put);
  }

  private static void putIfPresent(ObjectNode n, String field, String value) {
    if (value != null) {
      n.put(field, value);
    }
  }

  private static void putIfPresent(ObjectNode n, String field, Long value) {
    if (value != null) {
      n.put(field, value);
    }
  }

  private static String name(Enum<?> e) {
    return e == null ? null : e.name();
  }

  private static String write(ObjectNode root) {
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write a JSON tree", e);
    }
  }
}
