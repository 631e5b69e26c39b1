package io.habanero.jobs.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.habanero.ChangesetHandle;
import io.habanero.Habanero;
import io.habanero.ProgressListener;
import io.habanero.jobs.ResponseJson;
import io.habanero.model.ChangeType;
import io.habanero.model.Changeset;
import io.habanero.model.CreateChangesetRequest;
import io.habanero.model.Credentials;
import io.habanero.model.FormatType;
import io.habanero.model.GetChangesetRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsRequest;
import io.habanero.model.GetProgrammaticAccessCredentialsResponse;
import io.habanero.model.GetWorkingLocationRequest;
import io.habanero.model.ListChangesetsRequest;
import io.habanero.model.LocationType;
import io.habanero.model.SourceType;
import io.habanero.model.UpdateChangesetRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The FinSpace Data routes of both model versions ({@code wire-protocol.md}), each request checked
 * against the model's members and bounds before the engine sees it, and answered in its own route
 * set's shape.
 */
final class FinspaceRoutes {
  /** A response: HTTP status and JSON body. */
  record Response(int status, String json) {}

  private static final Set<String> SEED_CREATE =
      Set.of(
          "changeType",
          "sourceType",
          "sourceParams",
          "formatType",
          "formatParams",
          "tags",
          "clientToken",
          "updatesChangesetId");
  private static final Set<String> V2_CREATE =
      Set.of("clientToken", "changeType", "sourceParams", "formatParams", "updatesChangesetId");
  private static final Set<String> V2_UPDATE =
      Set.of("clientToken", "sourceParams", "formatParams");

  private final Habanero habanero;
  private final EndpointCredentials credentials;
  private final ChangesetPool pool;
  private final Clock clock;
  private final Consumer<String> log;

  FinspaceRoutes(
      Habanero habanero,
      EndpointCredentials credentials,
      ChangesetPool pool,
      Clock clock,
      Consumer<String> log) {
    this.habanero = habanero;
    this.credentials = credentials;
    this.pool = pool;
    this.clock = clock;
    this.log = log;
  }

  Response dispatch(WireRequest r) {
    List<String> seg = r.pathSegments();
    String m = r.method();
    if (seg.equals(List.of("credentials", "programmatic")) && m.equals("GET")) {
      return credentials(r);
    }
    if (seg.equals(List.of("workingLocationV1")) && m.equals("POST")) {
      return workingLocation(r);
    }
    if (seg.size() >= 3 && seg.get(0).equals("datasets")) {
      String datasetId = seg.get(1);
      String collection = seg.get(2);
      if (seg.size() == 3 && collection.equals("changesets") && m.equals("POST")) {
        return createSeed(datasetId, r);
      }
      if (collection.equals("changesetsv2")) {
        if (seg.size() == 3 && m.equals("POST")) {
          return createV2(datasetId, r);
        }
        if (seg.size() == 3 && m.equals("GET")) {
          return list(datasetId, r);
        }
        if (seg.size() == 4 && m.equals("GET")) {
          return get(datasetId, seg.get(3), r);
        }
        if (seg.size() == 4 && m.equals("PUT")) {
          return update(datasetId, seg.get(3), r);
        }
      }
    }
    throw WireError.unknownRoute(m, r.rawPath());
  }

  // GetProgrammaticAccessCredentials: GET /credentials/programmatic

  private Response credentials(WireRequest r) {
    Map<String, String> q = query(r, Set.of("environmentId", "durationInMinutes"));
    Long minutes = longValue("durationInMinutes", q.get("durationInMinutes"));
    GetProgrammaticAccessCredentialsRequest req =
        new GetProgrammaticAccessCredentialsRequest(q.get("environmentId"), minutes);
    long duration = habanero.credentialsDuration(req);
    Credentials issued;
    if (habanero.settings().roleArn().isPresent()) {
      // STS credentials, good for S3 too; the endpoint accepts them until they expire.
      issued = habanero.getProgrammaticAccessCredentials(req).credentials();
      credentials.remember(issued, clock.instant().plus(Duration.ofMinutes(duration)));
    } else {
      // A local environment has no role: the endpoint's own key, for this endpoint alone.
      issued = credentials.issue(Duration.ofMinutes(duration));
    }
    log.accept(
        "issued temporary credentials " + issued.accessKeyId() + " for " + duration + " min");
    return ok(
        ResponseJson.credentials(new GetProgrammaticAccessCredentialsResponse(issued, duration)));
  }

  // GetWorkingLocation: POST /workingLocationV1

  private Response workingLocation(WireRequest r) {
    query(r, Set.of());
    Body b = Body.parse(r.body(), Set.of("locationType"));
    LocationType type = enumValue(LocationType.class, "locationType", b.string("locationType"));
    return ok(
        ResponseJson.workingLocation(
            habanero.getWorkingLocation(new GetWorkingLocationRequest(type))));
  }

  // CreateChangeset, 2021-05: POST /datasets/{datasetId}/changesets

  private Response createSeed(String datasetId, WireRequest r) {
    query(r, Set.of());
    Body b = Body.parse(r.body(), SEED_CREATE);
    CreateChangesetRequest req =
        CreateChangesetRequest.builder()
            .datasetId(datasetId)
            .changeType(changeType(b))
            .sourceType(
                required(
                    enumValue(SourceType.class, "sourceType", b.string("sourceType")),
                    "sourceType",
                    "give S3"))
            .sourceParams(
                required(
                    b.map("sourceParams"), "sourceParams", "give {\"s3SourcePath\": \"<path>\"}"))
            .formatType(enumValue(FormatType.class, "formatType", b.string("formatType")))
            .formatParams(orEmpty(b.map("formatParams")))
            .tags(orEmpty(b.map("tags")))
            .clientToken(clientToken(b))
            .updatesChangesetId(b.string("updatesChangesetId"))
            .build();
    Changeset c = submit(req, h -> habanero.describeChangeset(datasetId, h.changesetId()));
    return ok(WireShapes.seedChangeset(c));
  }

  // The 2021-11 routes: /datasets/{datasetId}/changesetsv2[/{changesetId}]

  private Response createV2(String datasetId, WireRequest r) {
    query(r, Set.of());
    Body b = Body.parse(r.body(), V2_CREATE);
    CreateChangesetRequest req =
        CreateChangesetRequest.builder()
            .datasetId(datasetId)
            .changeType(changeType(b))
            .sourceParams(v2SourceParams(b))
            .formatParams(v2FormatParams(b))
            .clientToken(clientToken(b))
            .updatesChangesetId(b.string("updatesChangesetId"))
            .build();
    ChangesetHandle h = submit(req, handle -> handle);
    return ok(WireShapes.object("datasetId", h.datasetId(), "changesetId", h.changesetId()));
  }

  private Response update(String datasetId, String changesetId, WireRequest r) {
    query(r, Set.of());
    Body b = Body.parse(r.body(), V2_UPDATE);
    UpdateChangesetRequest req =
        new UpdateChangesetRequest(
            clientToken(b), datasetId, changesetId, v2SourceParams(b), v2FormatParams(b));
    ChangesetHandle h =
        submit(
            datasetId,
            "UpdateChangeset of " + changesetId,
            place -> habanero.submitUpdateChangeset(req, progress(datasetId), place),
            handle -> handle);
    return ok(WireShapes.object("changesetId", h.changesetId(), "datasetId", h.datasetId()));
  }

  private Response get(String datasetId, String changesetId, WireRequest r) {
    query(r, Set.of());
    return ok(
        ResponseJson.changesetSummary(
            habanero.getChangeset(new GetChangesetRequest(datasetId, changesetId))));
  }

  private Response list(String datasetId, WireRequest r) {
    Map<String, String> q = query(r, Set.of("maxResults", "nextToken"));
    Long max = longValue("maxResults", q.get("maxResults"));
    if (max != null && (max < 1 || max > 100)) {
      throw WireError.invalid(
          "maxResults", q.get("maxResults"), "it must be 1..100", "use a value from 1 to 100");
    }
    String token = q.get("nextToken");
    if (token != null && token.isEmpty()) {
      throw WireError.invalid(
          "nextToken",
          token,
          "it is empty",
          "leave it out for the first page, or pass the nextToken of the previous page");
    }
    return ok(
        ResponseJson.listChangesets(
            habanero.listChangesets(
                new ListChangesetsRequest(datasetId, max == null ? null : max.intValue(), token))));
  }

  private <T> T submit(CreateChangesetRequest req, Function<ChangesetHandle, T> answer) {
    return submit(
        req.datasetId(),
        String.valueOf(req.changeType()),
        place -> habanero.submitChangeset(req, progress(req.datasetId()), place),
        answer);
  }

  /**
   * Submits a changeset on a reserved place of the pool (429 when there is none; the place is given
   * back if the submission fails) and reads the answer before the ingestion is queued, so a new
   * changeset is answered PENDING.
   */
  private <T> T submit(
      String datasetId,
      String what,
      Function<Executor, ChangesetHandle> submission,
      Function<ChangesetHandle, T> answer) {
    ChangesetPool.Reservation place = pool.reserve();
    ChangesetHandle h;
    try {
      h = submission.apply(place);
    } catch (RuntimeException e) {
      place.release();
      throw e;
    }
    try {
      return answer.apply(h);
    } finally {
      boolean queued = place.launch(() -> logEnd(h));
      log.accept(
          (queued ? "accepted " : "retry of ")
              + datasetId
              + "/"
              + h.changesetId()
              + " ("
              + what
              + (queued ? ")" : ", its clientToken's changeset; nothing new runs)"));
    }
  }

  private void logEnd(ChangesetHandle h) {
    try {
      var s = habanero.getChangeset(new GetChangesetRequest(h.datasetId(), h.changesetId()));
      log.accept(
          "changeset "
              + h.datasetId()
              + "/"
              + h.changesetId()
              + " ended "
              + s.status()
              + (s.errorInfo() == null ? "" : " (" + s.errorInfo().errorCategory() + ")"));
    } catch (RuntimeException e) {
      log.accept(
          "changeset "
              + h.datasetId()
              + "/"
              + h.changesetId()
              + " ended; its status could not be read: "
              + e.getMessage());
    }
  }

  /** Phase changes of a changeset, one line each. */
  private ProgressListener progress(String datasetId) {
    String[] last = {null};
    return p -> {
      synchronized (last) {
        if (!p.phase().equals(last[0])) {
          last[0] = p.phase();
          log.accept(datasetId + ": " + p.describe());
        }
      }
    };
  }

  // Member checks: the model's shapes and bounds, before any work.

  private static Map<String, String> query(WireRequest r, Set<String> accepted) {
    Map<String, String> q = r.query();
    for (String name : q.keySet()) {
      if (!accepted.contains(name)) {
        throw WireError.validation(
            "Unknown query parameter '"
                + WireError.clip(name)
                + "'. Fix: "
                + (accepted.isEmpty()
                    ? "this operation takes no query parameters."
                    : "use " + String.join(", ", new TreeSet<>(accepted)) + "."));
      }
    }
    return q;
  }

  private static Long longValue(String member, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw WireError.invalid(member, value, "it is not a whole number", "give a whole number");
    }
  }

  private static String clientToken(Body b) {
    String t = b.string("clientToken");
    if (t != null && (t.isEmpty() || t.length() > 128 || t.isBlank())) {
      throw WireError.invalid(
          "clientToken",
          t,
          "it must be 1..128 characters with at least one that is not a space",
          "use a fresh UUID per request, and the same one only to retry it");
    }
    return t;
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String member, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      throw WireError.invalid(
          member,
          value,
          "it is not one of "
              + Arrays.stream(type.getEnumConstants())
                  .map(Enum::name)
                  .collect(Collectors.joining(", ")),
          "give one of those values, in upper case");
    }
  }

  private static <T> T required(T value, String member, String fix) {
    if (value == null) {
      throw WireError.missing(member, fix);
    }
    return value;
  }

  private static ChangeType changeType(Body b) {
    return required(
        enumValue(ChangeType.class, "changeType", b.string("changeType")),
        "changeType",
        "give REPLACE, APPEND or MODIFY");
  }

  /** The later model's sourceParams: required, with the source type as a key. */
  private static Map<String, String> v2SourceParams(Body b) {
    return required(
        b.map("sourceParams"),
        "sourceParams",
        "give {\"sourceType\": \"S3\", \"s3SourcePath\": \"<path>\"}");
  }

  /** The later model's formatParams: required, with the format type as a key. */
  private static Map<String, String> v2FormatParams(Body b) {
    return required(
        b.map("formatParams"),
        "formatParams",
        "give at least {\"formatType\": \"CSV\"} (or JSON, PARQUET, XML)");
  }

  private static Map<String, String> orEmpty(Map<String, String> m) {
    return m == null ? Map.of() : m;
  }

  private static Response ok(String json) {
    return new Response(200, json);
  }

  /** A JSON request body: an object whose members are of the model and of the right JSON type. */
  static final class Body {
    private final JsonNode node;

    private Body(JsonNode node) {
      this.node = node;
    }

    static Body parse(byte[] body, Set<String> members) {
      String text = new String(body, StandardCharsets.UTF_8);
      if (text.isBlank()) {
        return new Body(WireShapes.MAPPER.createObjectNode());
      }
      JsonNode n;
      try {
        n = WireShapes.MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        throw WireError.validation(
            "The request body is not valid JSON (line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + "). Fix: send a JSON object with the operation's members.");
      }
      if (n == null || !n.isObject()) {
        throw WireError.validation(
            "The request body must be a JSON object. Fix: send {\"member\": value, ...}.");
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!members.contains(f)) {
          throw WireError.validation(
              "Unknown member '"
                  + WireError.clip(f)
                  + "' in the request body. Fix: use only "
                  + String.join(", ", new TreeSet<>(members))
                  + ".");
        }
      }
      return new Body(n);
    }

    String string(String member) {
      JsonNode v = node.get(member);
      if (v == null || v.isNull()) {
        return null;
      }
      if (!v.isTextual()) {
        throw WireError.invalid(
            member, v.toString(), "it must be a JSON string", "quote the value");
      }
      return v.textValue();
    }

    Map<String, String> map(String member) {
      JsonNode v = node.get(member);
      if (v == null || v.isNull()) {
        return null;
      }
      if (!v.isObject()) {
        throw WireError.invalid(
            member,
            v.toString(),
            "it must be a JSON object of strings",
            "send {\"key\": \"value\"}");
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw WireError.invalid(
              member + "." + e.getKey(),
              e.getValue().toString(),
              "every value of " + member + " must be a JSON string",
              "quote the value, e.g. \"true\"");
        }
        out.put(e.getKey(), e.getValue().textValue());
      }
      return out;
    }
  }
}
