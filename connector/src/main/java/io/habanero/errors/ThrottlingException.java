package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/** Too many requests; retry later (HTTP 429). Category {@link ErrorCategory#THROTTLING}. */
public class ThrottlingException extends HabaneroException {
  public ThrottlingException(String message) {
    super(ErrorCategory.THROTTLING, message, null);
  }

  public ThrottlingException(String message, Throwable cause) {
    super(ErrorCategory.THROTTLING, message, cause);
  }
}
