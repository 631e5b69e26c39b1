package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/** The request's inputs are invalid (HTTP 400). Category {@link ErrorCategory#VALIDATION}. */
public class ValidationException extends HabaneroException {
  public ValidationException(String message) {
    super(ErrorCategory.VALIDATION, message, null);
  }

  public ValidationException(String message, Throwable cause) {
    super(ErrorCategory.VALIDATION, message, cause);
  }
}
