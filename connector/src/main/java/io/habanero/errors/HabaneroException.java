package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/**
 * Base of the error family, shaped like the FinSpace model's errors. Each carries the model's
 * {@link ErrorCategory}; messages say what happened, why, and how to fix it, and never contain
 * secrets.
 */
public abstract class HabaneroException extends RuntimeException {
  private final ErrorCategory category;

  protected HabaneroException(ErrorCategory category, String message, Throwable cause) {
    super(message, cause);
    this.category = category;
  }

  /** The model's error category for this error. */
  public ErrorCategory category() {
    return category;
  }

  /** The model's error name, e.g. {@code ValidationException}. */
  public String errorCode() {
    return getClass().getSimpleName();
  }
}
