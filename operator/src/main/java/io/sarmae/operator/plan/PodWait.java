package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;
import java.util.Set;

/**
 * Why a pod of the attempt has not started: not scheduled (no node fits, an unbound volume), or a
 * container waiting for something that may never come (ImagePullBackOff, ErrImagePull,
 * CreateContainerConfigError...). Every such reason is subject to {@code pendingTimeoutSeconds}.
 *
 * @param pod the pod's name
 * @param reason the scheduler's or kubelet's reason
 * @param message its message, shortened to 200 characters
 * @param unschedulable whether the pod has no node yet
 */
record PodWait(String pod, String reason, String message, boolean unschedulable) {

  /** Waiting reasons of a container that is on its way and needs no report. */
  private static final Set<String> NORMAL = Set.of("ContainerCreating", "PodInitializing");

  String text() {
    return "pod " + pod + ": " + reason + (message.isEmpty() ? "" : ": " + message);
  }

  /** The first stuck pod, unscheduled pods before waiting containers, or null. */
  static PodWait first(List<Pod> live) {
    for (Pod p : live) {
      PodCondition c = FailureClassifier.condition(p, "PodScheduled");
      if (c != null && "False".equals(c.getStatus())) {
        return new PodWait(
            p.getMetadata().getName(),
            c.getReason() == null ? "Unschedulable" : c.getReason(),
            shorten(c.getMessage()),
            true);
      }
    }
    for (Pod p : live) {
      if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
        var w = cs.getState() == null ? null : cs.getState().getWaiting();
        if (w != null && w.getReason() != null && !NORMAL.contains(w.getReason())) {
          return new PodWait(
              p.getMetadata().getName(), w.getReason(), shorten(w.getMessage()), false);
        }
      }
    }
    return null;
  }

  private static String shorten(String m) {
    if (m == null) {
      return "";
    }
    return m.length() > 200 ? m.substring(0, 200) : m;
  }
}
