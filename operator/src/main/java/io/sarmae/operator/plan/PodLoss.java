package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.sarmae.operator.plan.Failure.Kind;
import java.util.List;
import java.util.Set;

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
  static Failure deleted(Pod pod, List<Integer> retryableExitCodes, Set<String> probeKilled) {
    String name = pod.getMetadata().getName();
    PodCondition disruption = FailureClassifier.condition(pod, "DisruptionTarget");
    boolean infrastructure =
        (disruption != null && "True".equals(disruption.getStatus()))
            || (pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason()));
    if (infrastructure || "Failed".equals(PodView.phase(pod))) {
      Failure f = liveness(FailureClassifier.classify(pod, retryableExitCodes), pod, probeKilled);
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
   * A trainer the kubelet killed for a failing liveness probe counts against backoffLimit instead
   * of passing as an infrastructure signal. Two ways to tell, whatever the exit code: the kubelet's
   * {@code Killing} event for the pod ("failed liveness probe"; {@code probeKilled} holds the UIDs
   * of such pods, read by the controller), or termination reason {@link #LIVENESS_REASON} in the
   * trainer's termination message.
   */
  static Failure liveness(Failure f, Pod pod, Set<String> probeKilled) {
    if (pod == null) {
      return f;
    }
    var term = FailureClassifier.terminated(pod);
    TerminationMessage tm = term == null ? null : TerminationMessage.parse(term.getMessage());
    boolean byMessage = tm != null && LIVENESS_REASON.equals(tm.reason());
    boolean byEvent = probeKilled.contains(pod.getMetadata().getUid());
    if (!byMessage && !byEvent) {
      return f;
    }
    if (f.kind() != Kind.Signal && f.kind() != Kind.Interrupted && f.kind() != Kind.Crashed) {
      return f;
    }
    String detail =
        byMessage && tm.message() != null && !tm.message().isBlank() ? ": " + tm.message() : "";
    return new Failure(
        f.pod(),
        Kind.LivenessKilled,
        f.exitCode(),
        "pod "
            + f.pod()
            + " was killed by its liveness probe (exit code "
            + f.exitCode()
            + (byEvent ? "; kubelet event Killing" : "")
            + ")"
            + detail);
  }
}
