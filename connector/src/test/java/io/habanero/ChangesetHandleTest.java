package io.habanero;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.habanero.errors.InternalServerException;
import io.habanero.model.Changeset;
import io.habanero.model.ErrorCategory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** An interrupted wait on a changeset is INTERNAL_SERVICE_EXCEPTION, and keeps the interrupt. */
class ChangesetHandleTest {
  @Test
  void anInterruptedWaitSaysTheChangesetGoesOn() {
    ChangesetHandle handle =
        new ChangesetHandle("ds", "C1", new CompletableFuture<Changeset>(), null);
    for (int i = 0; i < 2; i++) {
      Thread.currentThread().interrupt();
      Throwable t =
          catchThrowable(i == 0 ? handle::await : () -> handle.await(Duration.ofHours(1)));
      // The flag is set again for the caller.
      assertThat(Thread.interrupted()).isTrue();
      assertThat(t).isInstanceOf(InternalServerException.class);
      assertThat(((InternalServerException) t).category())
          .isEqualTo(ErrorCategory.INTERNAL_SERVICE_EXCEPTION);
      assertThat(t.getMessage())
          .isEqualTo(
              "Interrupted while waiting for changeset 'C1' to end; the changeset goes on. Fix:"
                  + " wait again, or see its outcome with get-changeset.");
      assertThat(t.getCause()).isInstanceOf(InterruptedException.class);
    }
  }
}
