package io.sarmae.operator.plan;

/**
 * A classified failure of a pod group.
 *
 * @param pod the pod that failed (null for NoProgress and DeadlineExceeded of the whole group)
 * @param kind the class, which decides restart or fail
 * @param exitCode the container exit code, if there was one
 * @param message details for status and events
 */
public record Failure(String pod, Kind kind, Integer exitCode, String message) {

  /** How a failure is handled. */
  public enum Handling {
    /** Restart from the last checkpoint; does not count against backoffLimit. */
    RESTART,
    /** Restart from the last checkpoint; counts against backoffLimit. */
    RESTART_COUNTED,
    /** The run fails. */
    FAIL
  }

  /** Failure classes; the name is the reason shown on status. */
  public enum Kind {
    Evicted(Handling.RESTART),
    Preempted(Handling.RESTART),
    NodeLost(Handling.RESTART),
    Interrupted(Handling.RESTART),
    /**
     * A pod of the running attempt was deleted by someone else ({@code kubectl delete pod}, a
     * controller), without a DisruptionTarget that names the infrastructure: restart, not counted.
     */
    PodDeleted(Handling.RESTART),
    /**
     * The kubelet killed the trainer because its liveness probe failed (the trainer's /healthz
     * reports a step that stopped advancing); the trainer says so with termination reason {@code
     * LivenessFailed}. Counted: a run that keeps hanging must reach backoffLimit.
     */
    LivenessKilled(Handling.RESTART_COUNTED),
    Signal(Handling.RESTART),
    Crashed(Handling.RESTART_COUNTED),
    OOMKilled(Handling.RESTART_COUNTED),
    RetryableExitCode(Handling.RESTART_COUNTED),
    NoProgress(Handling.RESTART_COUNTED),
    /**
     * Every failed rank of the group reported that a peer failed or became unreachable (exit code
     * 76). Counted, so that a group whose ranks keep losing each other reaches backoffLimit.
     */
    PeerLost(Handling.RESTART_COUNTED),
    ExitCode(Handling.FAIL),
    DeadlineExceeded(Handling.FAIL);

    public final Handling handling;

    Kind(Handling handling) {
      this.handling = handling;
    }
  }
}
