package io.sarmae.trainer.exit;

/**
 * A failure with a documented process exit code (see {@code docs/trainer-contract.md}). Only {@code
 * Main} turns these into exit codes; everything else throws them.
 */
public class TrainerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private final String reason;

  public TrainerException(int exitCode, String reason, String message) {
    this(exitCode, reason, message, null);
  }

  public TrainerException(int exitCode, String reason, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
    this.reason = reason;
  }

  /** The process exit code this failure maps to. */
  public int exitCode() {
    return exitCode;
  }

  /** A CamelCase reason for the termination message, e.g. {@code InvalidConfig}. */
  public String reason() {
    return reason;
  }
}
