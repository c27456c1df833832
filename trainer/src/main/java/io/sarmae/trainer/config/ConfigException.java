package io.sarmae.trainer.config;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;

/** An invalid config file, override, command-line value or environment variable (exit code 2). */
public class ConfigException extends TrainerException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(ExitCodes.CONFIG, "InvalidConfig", message);
  }

  public ConfigException(String message, Throwable cause) {
    super(ExitCodes.CONFIG, "InvalidConfig", message, cause);
  }
}
