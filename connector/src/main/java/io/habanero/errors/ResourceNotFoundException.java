package io.habanero.errors;

import io.habanero.model.ErrorCategory;

/**
 * A dataset, changeset or source path does not exist (HTTP 404). Category {@link
 * ErrorCategory#RESOURCE_NOT_FOUND}.
 */
public class ResourceNotFoundException extends HabaneroException {
  public ResourceNotFoundException(String message) {
    super(ErrorCategory.RESOURCE_NOT_FOUND, message, null);
  }

  public ResourceNotFoundException(String message, Throwable cause) {
    super(ErrorCategory.RESOURCE_NOT_FOUND, message, cause);
  }
}
