package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/** A quota was exceeded (HTTP 400). Category {@link ErrorCategory#SERVICE_QUOTA_EXCEEDED}. */
public class LimitExceededException extends HabaneroException {
  public LimitExceededException(String message) {
    super(ErrorCategory.SERVICE_QUOTA_EXCEEDED, message, null);
  }

  public LimitExceededException(String message, Throwable cause) {
    super(ErrorCategory.SERVICE_QUOTA_EXCEEDED, message, cause);
  }
}
