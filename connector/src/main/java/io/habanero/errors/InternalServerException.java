package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/** An internal error (HTTP 500). Category {@link ErrorCategory#INTERNAL_SERVICE_EXCEPTION}. */
public class InternalServerException extends HabaneroException {
  public InternalServerException(String message) {
    super(ErrorCategory.INTERNAL_SERVICE_EXCEPTION, message, null);
  }

  public InternalServerException(String message, Throwable cause) {
    super(ErrorCategory.INTERNAL_SERVICE_EXCEPTION, message, cause);
  }
}
