package io.sarmae.trainer.data;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;

/**
 * The training data cannot be used: {@code data.path} or its index is missing or malformed, or no
 * image at all can be read. Maps to exit code 3 (not retried).
 *
 * <p>Unchecked so that it can leave {@link java.util.Iterator#next()} of the loader unchanged.
 */
public class DataException extends TrainerException {
  private static final long serialVersionUID = 1L;

  public DataException(String message) {
    super(ExitCodes.DATA, "DataError", message);
  }

  public DataException(String message, Throwable cause) {
    super(ExitCodes.DATA, "DataError", message, cause);
  }
}
