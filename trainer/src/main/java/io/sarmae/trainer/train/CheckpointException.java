package io.sarmae.trainer.train;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;

/** Checkpoint storage cannot be written or read (exit code 5, retryable). */
public class CheckpointException extends TrainerException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(String message, Throwable cause) {
    super(ExitCodes.CHECKPOINT, "CheckpointError", message, cause);
  }

  public CheckpointException(String message) {
    this(message, null);
  }
}
