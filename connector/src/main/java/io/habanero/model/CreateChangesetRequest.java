package io.habanero.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Input of CreateChangeset, with the seed's members plus {@code clientToken} from the later model
 * and Habanero's {@code updatesChangesetId} for MODIFY.
 *
 * @param datasetId required; letters, digits, '-' and '_', 1..26 characters
 * @param changeType required
 * @param sourceType optional; only S3
 * @param sourceParams required; {@code s3SourcePath} names a file or a prefix
 * @param formatType the format; may instead be given as {@code formatParams.formatType}
 * @param formatParams the reader options, FinSpace's keys
 * @param tags optional labels, returned as {@code changesetLabels}
 * @param clientToken optional idempotency token, 1..128 characters
 * @param updatesChangesetId for MODIFY: the changeset whose rows this one replaces
 */
public record CreateChangesetRequest(
    String datasetId,
    ChangeType changeType,
    SourceType sourceType,
    Map<String, String> sourceParams,
    FormatType formatType,
    Map<String, String> formatParams,
    Map<String, String> tags,
    String clientToken,
    String updatesChangesetId) {

  public CreateChangesetRequest {
    sourceParams = copy(sourceParams);
    formatParams = copy(formatParams);
    tags = copy(tags);
  }

  private static Map<String, String> copy(Map<String, String> m) {
    return m == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  /** Returns a builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder for {@link CreateChangesetRequest}. */
  public static final class Builder {
    private String datasetId;
    private ChangeType changeType;
    private SourceType sourceType;
    private final Map<String, String> sourceParams = new LinkedHashMap<>();
    private FormatType formatType;
    private final Map<String, String> formatParams = new LinkedHashMap<>();
    private final Map<String, String> tags = new LinkedHashMap<>();
    private String clientToken;
    private String updatesChangesetId;

    private Builder() {}

    public Builder datasetId(String v) {
      this.datasetId = v;
      return this;
    }

    public Builder changeType(ChangeType v) {
      this.changeType = v;
      return this;
    }

    public Builder sourceType(SourceType v) {
      this.sourceType = v;
      return this;
    }

    /** Sets {@code sourceParams.s3SourcePath}. */
    public Builder s3SourcePath(String path) {
      this.sourceParams.put("s3SourcePath", path);
      return this;
    }

    public Builder sourceParams(Map<String, String> v) {
      this.sourceParams.putAll(v);
      return this;
    }

    public Builder formatType(FormatType v) {
      this.formatType = v;
      return this;
    }

    public Builder formatParam(String key, String value) {
      this.formatParams.put(key, value);
      return this;
    }

    public Builder formatParams(Map<String, String> v) {
      this.formatParams.putAll(v);
      return this;
    }

    public Builder tags(Map<String, String> v) {
      this.tags.putAll(v);
      return this;
    }

    public Builder clientToken(String v) {
      this.clientToken = v;
      return this;
    }

    public Builder updatesChangesetId(String v) {
      this.updatesChangesetId = v;
      return this;
    }

    public CreateChangesetRequest build() {
      return new CreateChangesetRequest(
          datasetId,
          changeType,
          sourceType,
          sourceParams,
          formatType,
          formatParams,
          tags,
          clientToken,
          updatesChangesetId);
    }
  }
}
