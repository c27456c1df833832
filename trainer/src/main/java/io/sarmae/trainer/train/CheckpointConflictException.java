package io.sarmae.trainer.train;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;

/**
 * A checkpoint folder or checkpoint this run must not use: held by another trainer, written by
 * another run identity, or for another model or epoch plan. A configuration error (exit code 2, not
 * retried): retrying would meet the same folder.
 */
public class CheckpointConflictException extends TrainerException {
  private static final long serialVersionUID = 1L;

  /**
   * @param reason CamelCase termination reason, e.g. {@code CheckpointMismatch}
   */
  public CheckpointConflictException(String reason, String message) {
    super(ExitCodes.CONFIG, reason, message);
  }
}
