package io.sarmae.trainer.weights;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;

/**
 * A weights file that cannot be used: unreadable, truncated, of an unknown format, refused by the
 * restricted unpickler, or not matching the model. Exit code 2 (not retried): the input is wrong.
 */
public class WeightsException extends TrainerException {
  private static final long serialVersionUID = 1L;

  public WeightsException(String message) {
    super(ExitCodes.CONFIG, "InvalidWeights", oneLine(message));
  }

  public WeightsException(String message, Throwable cause) {
    super(ExitCodes.CONFIG, "InvalidWeights", oneLine(message), cause);
  }

  /** The reason is one line (parser messages, e.g. Jackson's, carry line breaks). */
  private static String oneLine(String message) {
    return message == null ? null : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
