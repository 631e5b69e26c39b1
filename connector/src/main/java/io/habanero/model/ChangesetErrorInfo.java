package io.habanero.model;

/**
 * Why a changeset failed.
 *
 * @param errorMessage what went wrong and how to fix it, at most 1000 characters
 * @param errorCategory the model's category
 */
public record ChangesetErrorInfo(String errorMessage, ErrorCategory errorCategory) {
  /** The model's limit on {@code errorMessage}. */
  public static final int MAX_MESSAGE_LENGTH = 1000;

  public ChangesetErrorInfo {
    if (errorMessage != null && errorMessage.length() > MAX_MESSAGE_LENGTH) {
      errorMessage = errorMessage.substring(0, MAX_MESSAGE_LENGTH - 3) + "...";
    }
  }
}
