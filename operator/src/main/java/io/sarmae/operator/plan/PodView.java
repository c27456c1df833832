package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.PodSummary;
import io.sarmae.operator.resources.Names;
import java.util.List;

/** How the planner reads a training pod: its rank index, attempt, phase, and a count by phase. */
public final class PodView {
  private PodView() {}

  /** The pod's rank index label, or -1 when it is missing or malformed. */
  public static int index(Pod pod) {
    return intLabel(pod, Names.LABEL_INDEX);
  }

  /** The pod's attempt label, or -1 when it is missing or malformed. */
  public static int attempt(Pod pod) {
    return intLabel(pod, Names.LABEL_ATTEMPT);
  }

  private static int intLabel(Pod pod, String key) {
    var labels = pod.getMetadata().getLabels();
    if (labels == null || labels.get(key) == null) {
      return -1;
    }
    try {
      return Integer.parseInt(labels.get(key));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The pod's phase; a pod without a status is Pending. */
  public static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? "Pending"
        : pod.getStatus().getPhase();
  }

  public static boolean terminal(String podPhase) {
    return "Succeeded".equals(podPhase) || "Failed".equals(podPhase);
  }

  /** Whether the pod has ended (Succeeded or Failed). */
  public static boolean ended(Pod pod) {
    return terminal(phase(pod));
  }

  /** Whether the pod is being deleted. */
  public static boolean terminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** The pods that are not being deleted. */
  public static List<Pod> live(List<Pod> pods) {
    return pods.stream().filter(p -> !terminating(p)).toList();
  }

  /** {@code status.pods}: the pods counted by phase. */
  public static PodSummary summary(List<Pod> pods) {
    int pending = 0;
    int running = 0;
    int succeeded = 0;
    int failed = 0;
    for (Pod pod : pods) {
      switch (phase(pod)) {
        case "Running" -> running++;
        case "Succeeded" -> succeeded++;
        case "Failed" -> failed++;
        default -> pending++;
      }
    }
    return summary(pods.size(), pending, running, succeeded, failed);
  }

  static PodSummary summary(int total, int pending, int running, int succeeded, int failed) {
    PodSummary summary = new PodSummary();
    summary.setTotal(total);
    summary.setPending(pending);
    summary.setRunning(running);
    summary.setSucceeded(succeeded);
    summary.setFailed(failed);
    return summary;
  }
}
