package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/**
 * The caller lacks permission, or a path is outside the allowed roots (HTTP 403). Category {@link
 * ErrorCategory#ACCESS_DENIED}.
 */
public class AccessDeniedException extends HabaneroException {
  public AccessDeniedException(String message) {
    super(ErrorCategory.ACCESS_DENIED, message, null);
  }

  public AccessDeniedException(String message, Throwable cause) {
    super(ErrorCategory.ACCESS_DENIED, message, cause);
  }
}
