package io.habanero.jobs.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.habanero.errors.HabaneroException;
import io.habanero.model.Changeset;
import io.habanero.model.ChangesetErrorInfo;
import io.habanero.model.ErrorCategory;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;

/**
 * The JSON documents of the 2021-05 route, and the AWS error shape. The later routes' documents are
 * the CLI's ({@link io.habanero.jobs.ResponseJson}), which already use the later model's members.
 */
final class WireShapes {
  static final ObjectMapper MAPPER =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** The 2021-05 errorCategory strings, which that route's clients compare against. */
  private static final Map<ErrorCategory, String> SEED_CATEGORIES =
      new EnumMap<>(ErrorCategory.class);

  static {
    SEED_CATEGORIES.put(ErrorCategory.VALIDATION, "The_inputs_to_this_request_are_invalid");
    SEED_CATEGORIES.put(ErrorCategory.SERVICE_QUOTA_EXCEEDED, "Service_limits_have_been_exceeded");
    SEED_CATEGORIES.put(
        ErrorCategory.ACCESS_DENIED, "Missing_required_permission_to_perform_this_request");
    SEED_CATEGORIES.put(
        ErrorCategory.RESOURCE_NOT_FOUND, "One_or_more_inputs_to_this_request_were_not_found");
    SEED_CATEGORIES.put(
        ErrorCategory.THROTTLING,
        "The_system_temporarily_lacks_sufficient_resources_to_process_the_request");
    SEED_CATEGORIES.put(ErrorCategory.INTERNAL_SERVICE_EXCEPTION, "An_internal_error_has_occurred");
    SEED_CATEGORIES.put(ErrorCategory.CANCELLED, "Cancelled");
    SEED_CATEGORIES.put(ErrorCategory.USER_RECOVERABLE, "A_user_recoverable_error_has_occurred");
  }

  private WireShapes() {}

  static String seedCategory(ErrorCategory c) {
    return SEED_CATEGORIES.get(c);
  }

  /**
   * The 2021-05 CreateChangeset response: {@code {"changeset": ChangesetInfo}} with {@code id},
   * {@code createTimestamp} in epoch seconds, {@code changesetLabels} and the long category
   * strings.
   */
  static String seedChangeset(Changeset c) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode n = root.putObject("changeset");
    n.put("id", c.id());
    n.put("changesetArn", c.changesetArn());
    n.put("datasetId", c.datasetId());
    putName(n, "changeType", c.changeType());
    putName(n, "sourceType", c.sourceType());
    putMap(n, "sourceParams", c.sourceParams());
    putName(n, "formatType", c.formatType());
    putMap(n, "formatParams", c.formatParams());
    if (c.createTimestamp() != null) {
      n.put(
          "createTimestamp",
          BigDecimal.valueOf(c.createTimestamp().toEpochMilli()).movePointLeft(3));
    }
    putName(n, "status", c.status());
    ChangesetErrorInfo e = c.errorInfo();
    if (e != null) {
      ObjectNode info = n.putObject("errorInfo");
      info.put("errorMessage", e.errorMessage());
      if (e.errorCategory() != null) {
        info.put("errorCategory", seedCategory(e.errorCategory()));
      }
    }
    putMap(n, "changesetLabels", c.changesetLabels());
    n.put("updatesChangesetId", c.updatesChangesetId());
    n.put("updatedByChangesetId", c.updatedByChangesetId());
    return write(root);
  }

  static String object(String k1, String v1, String k2, String v2) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put(k1, v1);
    n.put(k2, v2);
    return write(n);
  }

  /** The AWS error body: {@code {"__type": type, "message": message}}. */
  static String error(String type, String message) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("__type", type);
    n.put("message", message);
    return write(n);
  }

  /** The wire error type of an engine error: one of the model's error shapes. */
  static String type(HabaneroException e) {
    String code = e.errorCode();
    return switch (code) {
      case "ValidationException",
              "LimitExceededException",
              "AccessDeniedException",
              "ResourceNotFoundException",
              "ConflictException",
              "ThrottlingException",
              "InternalServerException" ->
          code;
      default -> byCategory(e.category());
    };
  }

  private static String byCategory(ErrorCategory c) {
    if (c == null) {
      return "InternalServerException";
    }
    return switch (c) {
      case VALIDATION -> "ValidationException";
      case SERVICE_QUOTA_EXCEEDED -> "LimitExceededException";
      case ACCESS_DENIED -> "AccessDeniedException";
      case RESOURCE_NOT_FOUND -> "ResourceNotFoundException";
      case THROTTLING -> "ThrottlingException";
      case USER_RECOVERABLE -> "ConflictException";
      default -> "InternalServerException";
    };
  }

  /** The HTTP status of a model error type. */
  static int status(String type) {
    return switch (type) {
      case "ValidationException", "LimitExceededException" -> 400;
      case "AccessDeniedException" -> 403;
      case "ResourceNotFoundException" -> 404;
      case "ConflictException" -> 409;
      case "ThrottlingException" -> 429;
      default -> 500;
    };
  }

  private static void putName(ObjectNode n, String field, Enum<?> e) {
    if (e != null) {
      n.put(field, e.name());
    }
  }

  private static void putMap(ObjectNode n, String field, Map<String, String> m) {
    if (m != null) {
      ObjectNode o = n.putObject(field);
      m.forEach(o::put);
    }
  }

  static String write(ObjectNode n) {
    try {
      return MAPPER.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write a JSON tree", e);
    }
  }
}
