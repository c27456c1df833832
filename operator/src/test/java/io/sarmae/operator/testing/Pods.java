package io.sarmae.operator.testing;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.List;

/** Pod states as a kubelet and scheduler would report them, for planner and reconciler tests. */
public final class Pods {
  private Pods() {}

  private static Pod with(Pod p, java.util.function.Consumer<PodStatus> change) {
    Pod copy = new PodBuilder(p).build();
    if (copy.getStatus() == null) {
      copy.setStatus(new PodStatus());
    }
    change.accept(copy.getStatus());
    return copy;
  }

  private static List<PodCondition> conditions(PodStatus s, PodCondition c) {
    List<PodCondition> list = new ArrayList<>();
    if (s.getConditions() != null) {
      s.getConditions().stream().filter(x -> !x.getType().equals(c.getType())).forEach(list::add);
    }
    list.add(c);
    return list;
  }

  public static Pod scheduled(Pod p) {
    return with(
        p,
        s ->
            s.setConditions(
                conditions(
                    s,
                    new PodConditionBuilder()
                        .withType("PodScheduled")
                        .withStatus("True")
                        .build())));
  }

  public static Pod unschedulable(Pod p, String message) {
    return with(
        p,
        s -> {
          s.setPhase("Pending");
          s.setConditions(
              conditions(
                  s,
                  new PodConditionBuilder()
                      .withType("PodScheduled")
                      .withStatus("False")
                      .withReason("Unschedulable")
                      .withMessage(message)
                      .build()));
        });
  }

  public static Pod running(Pod p, String ip) {
    Pod r = scheduled(p);
    return with(
        r,
        s -> {
          s.setPhase("Running");
          s.setPodIP(ip);
          s.setContainerStatuses(
              List.of(
                  container(
                      new ContainerStateBuilder()
                          .withNewRunning()
                          .withStartedAt("2026-11-26T10:00:00Z")
                          .endRunning()
                          .build())));
        });
  }

  public static Pod exited(Pod p, int code, String reason, String message) {
    Pod r = scheduled(p);
    return with(
        r,
        s -> {
          s.setPhase(code == 0 ? "Succeeded" : "Failed");
          s.setContainerStatuses(
              List.of(
                  container(
                      new ContainerStateBuilder()
                          .withNewTerminated()
                          .withExitCode(code)
                          .withReason(reason)
                          .withMessage(message)
                          .endTerminated()
                          .build())));
        });
  }

  /** The trainer container's termination as it ended at {@code finishedAt}. */
  public static Pod finishedAt(Pod p, String finishedAt) {
    return with(
        p,
        s -> s.getContainerStatuses().get(0).getState().getTerminated().setFinishedAt(finishedAt));
  }

  /** A rank that stopped because a peer failed (trainer exit code 76). */
  public static Pod peerLost(Pod p) {
    return exited(
        p, 76, "Error", "{\"exitCode\":76,\"reason\":\"PeerLost\",\"message\":\"rank 1 is gone\"}");
  }

  public static Pod evicted(Pod p) {
    return with(
        p,
        s -> {
          s.setPhase("Failed");
          s.setReason("Evicted");
          s.setMessage("The node was low on resource: memory.");
        });
  }

  public static Pod disrupted(Pod p, String reason, int exitCode) {
    Pod r = exited(p, exitCode, "Error", null);
    return with(
        r,
        s ->
            s.setConditions(
                conditions(
                    s,
                    new PodConditionBuilder()
                        .withType("DisruptionTarget")
                        .withStatus("True")
                        .withReason(reason)
                        .withMessage("disrupted")
                        .build())));
  }

  /** A pod whose container waits (ImagePullBackOff, CreateContainerConfigError...). */
  public static Pod waiting(Pod p, String reason, String message) {
    Pod r = scheduled(p);
    return with(
        r,
        s -> {
          s.setPhase("Pending");
          s.setContainerStatuses(
              List.of(
                  container(
                      new ContainerStateBuilder()
                          .withNewWaiting()
                          .withReason(reason)
                          .withMessage(message)
                          .endWaiting()
                          .build())));
        });
  }

  /** A pod being deleted (deletionTimestamp set; the kubelet is stopping it). */
  public static Pod terminating(Pod p) {
    Pod copy = new PodBuilder(p).build();
    copy.getMetadata().setDeletionTimestamp("2026-11-26T10:01:00Z");
    return copy;
  }

  /** A pod owned by another incarnation of its run: the same owner name, another UID. */
  public static Pod ownedBy(Pod p, String uid) {
    Pod copy = new PodBuilder(p).build();
    copy.getMetadata().getOwnerReferences().forEach(o -> o.setUid(uid));
    return copy;
  }

  private static ContainerStatus container(io.fabric8.kubernetes.api.model.ContainerState state) {
    return new ContainerStatusBuilder()
        .withName("trainer")
        .withImage("img")
        .withImageID("")
        .withReady(false)
        .withRestartCount(0)
        .withState(state)
        .build();
  }
}
