package io.sarmae.trainer.exit;

/**
 * The run's output or checkpoint storage cannot be written or read (a full or read-only volume):
 * exit code 5, retryable, like a checkpoint write that fails.
 */
public class StorageException extends TrainerException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(ExitCodes.CHECKPOINT, "StorageError", message, cause);
  }
}
