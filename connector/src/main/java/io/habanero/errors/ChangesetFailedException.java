package io.habanero.errors;

import io.habanero.model.ChangesetErrorInfo;

/**
 * A changeset created by a DataFrame write or a SQL INSERT ended FAILED. It is recorded as FAILED
 * with the same {@code errorInfo}, and changed no data. The category is the changeset's {@code
 * errorCategory}.
 */
public class ChangesetFailedException extends HabaneroException {
  private final String datasetId;
  private final String changesetId;

  public ChangesetFailedException(String datasetId, String changesetId, ChangesetErrorInfo info) {
    super(
        info.errorCategory(),
        "Changeset '"
            + changesetId
            + "' of dataset '"
            + datasetId
            + "' FAILED ("
            + info.errorCategory()
            + "); no data was written: "
            + info.errorMessage(),
        null);
    this.datasetId = datasetId;
    this.changesetId = changesetId;
  }

  public String datasetId() {
    return datasetId;
  }

  public String changesetId() {
    return changesetId;
  }
}
