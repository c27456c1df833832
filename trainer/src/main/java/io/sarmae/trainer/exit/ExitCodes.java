package io.sarmae.trainer.exit;

/** Process exit codes, the operator's contract (docs/trainer-contract.md). */
public final class ExitCodes {
  /** Finished; final checkpoint written. */
  public static final int OK = 0;

  /** Unexpected internal error: retryable. */
  public static final int INTERNAL = 1;

  /** Invalid command line, config or environment: not retryable. */
  public static final int CONFIG = 2;

  /** Data error (missing layout, nothing readable): not retryable. */
  public static final int DATA = 3;

  /** Training diverged (too many consecutive non-finite steps): not retryable. */
  public static final int DIVERGED = 4;

  /**
   * Storage error: a checkpoint, or the output folder ({@code log.jsonl}), cannot be written or
   * read, e.g. a full volume: retryable.
   */
  public static final int CHECKPOINT = 5;

  /**
   * Another rank of a multi-process run failed or became unreachable (or the rendezvous did not
   * complete): this rank stopped without a checkpoint; restart the whole group from the last one.
   */
  public static final int PEER_LOST = 76;

  /** Interrupted by a signal after writing a checkpoint: resume from it (EX_TEMPFAIL). */
  public static final int RESUMABLE = 75;

  private ExitCodes() {}
}
