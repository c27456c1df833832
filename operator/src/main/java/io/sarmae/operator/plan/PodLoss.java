package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.sarmae.operator.plan.Failure.Kind;
import java.util.List;

/**
 * Pods of the running attempt that went away without the operator asking, and trainers the kubelet
 * killed: failures no container exit code tells apart by itself.
 */
final class PodLoss {
  private PodLoss() {}

  /** Termination reason the trainer writes when the kubelet stops it for a failing /healthz. */
  static final String LIVENESS_REASON = "LivenessFailed";

  /**
   * A pod of the current attempt that is being deleted although the operator did not delete it: the
   * infrastructure's own reason when it left one (eviction API, preemption, node loss), else {@link
   * Kind#PodDeleted}. A pod that already failed keeps its real failure.
   */
  static Failure deleted(Pod pod, List<Integer> retryableExitCodes) {
    String name = pod.getMetadata().getName();
    PodCondition disruption = FailureClassifier.condition(pod, "DisruptionTarget");
    boolean infrastructure =
        (disruption != null && "True".equals(disruption.getStatus()))
            || (pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason()));
    if (infrastructure || "Failed".equals(PodView.phase(pod))) {
      Failure f = liveness(FailureClassifier.classify(pod, retryableExitCodes), pod);
      if (infrastructure || f.kind() != Kind.Signal && f.kind() != Kind.Interrupted) {
        return f;
      }
    }
    return new Failure(
        name,
        Kind.PodDeleted,
        null,
        "pod "
            + name
            + " was deleted by someone else (not the operator, e.g. kubectl delete pod); restarting"
            + " the group from the last checkpoint");
  }

  /** A pod the operator saw (its UID is on status) that no longer exists at all. */
  static Failure vanished(String podName) {
    return new Failure(
        podName,
        Kind.PodDeleted,
        null,
        "pod "
            + podName
            + " disappeared (deleted by someone else, e.g. kubectl delete pod); restarting the"
            + " group from the last checkpoint");
  }

  /**
   * A trainer killed by the kubelet for a failing liveness probe reports termination reason {@link
   * #LIVENESS_REASON} (written from its SIGTERM handler, whatever the exit code then is); that
   * failure counts against backoffLimit instead of passing as an infrastructure signal.
   */
  static Failure liveness(Failure f, Pod pod) {
    if (pod == null) {
      return f;
    }
    var term = FailureClassifier.terminated(pod);
    TerminationMessage tm = term == null ? null : TerminationMessage.parse(term.getMessage());
    if (tm == null || !LIVENESS_REASON.equals(tm.reason())) {
      return f;
    }
    if (f.kind() != Kind.Signal && f.kind() != Kind.Interrupted && f.kind() != Kind.Crashed) {
      return f;
    }
    String detail = tm.message() == null || tm.message().isBlank() ? "" : ": " + tm.message();
    return new Failure(
        f.pod(),
        Kind.LivenessKilled,
        f.exitCode(),
        "pod "
            + f.pod()
            + " was killed by its liveness probe (exit code "
            + f.exitCode()
            + ")"
            + detail);
  }
}
