package io.habanero;

import io.habanero.errors.InternalServerException;
import io.habanero.internal.ErrorClassifier;
import io.habanero.internal.Errors;
import io.habanero.model.Changeset;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A submitted changeset: await its end, or ask it to stop. */
public final class ChangesetHandle {
  private final String datasetId;
  private final String changesetId;
  private final CompletableFuture<Changeset> done;
  private final Habanero habanero;

  ChangesetHandle(
      String datasetId, String changesetId, CompletableFuture<Changeset> done, Habanero habanero) {
    this.datasetId = datasetId;
    this.changesetId = changesetId;
    this.done = done;
    this.habanero = habanero;
  }

  public String datasetId() {
    return datasetId;
  }

  public String changesetId() {
    return changesetId;
  }

  public boolean isDone() {
    return done.isDone();
  }

  /**
   * Waits for the changeset to end.
   *
   * @return the changeset, SUCCESS or FAILED with its errorInfo
   * @throws InternalServerException if the wait is interrupted
   */
  public Changeset await() {
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.interrupted(changesetId, e);
    } catch (ExecutionException e) {
      throw ErrorClassifier.classify(e.getCause());
    }
  }

  /**
   * Waits at most {@code timeout}.
   *
   * @return the changeset, or null if it has not ended in time
   */
  public Changeset await(Duration timeout) {
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.interrupted(changesetId, e);
    } catch (ExecutionException e) {
      throw ErrorClassifier.classify(e.getCause());
    }
  }

  /** Requests a stop: the changeset ends FAILED/CANCELLED unless its commit already started. */
  public void requestStop() {
    habanero.requestStop(datasetId, changesetId);
  }

  @Override
  public String toString() {
    return "ChangesetHandle[" + datasetId + "/" + changesetId + (isDone() ? ", done]" : "]");
  }
}
