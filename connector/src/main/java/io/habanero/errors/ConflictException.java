package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/**
 * The request conflicts with the current state, e.g. a reused clientToken (HTTP 409). Category
 * {@link ErrorCategory#USER_RECOVERABLE}.
 */
public class ConflictException extends HabaneroException {
  public ConflictException(String message) {
    super(ErrorCategory.USER_RECOVERABLE, message, null);
  }

  public ConflictException(String message, Throwable cause) {
    super(ErrorCategory.USER_RECOVERABLE, message, cause);
  }
}
