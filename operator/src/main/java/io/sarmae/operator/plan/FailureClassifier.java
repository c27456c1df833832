package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.sarmae.operator.api.v1alpha1.FailureRecord;
import io.sarmae.operator.plan.Failure.Handling;
import io.sarmae.operator.plan.Failure.Kind;
import io.sarmae.operator.resources.Children;
import io.sarmae.operator.resources.PodSizing;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Classifies a failed trainer pod by what Kubernetes and the trainer report: pod reason and
 * DisruptionTarget condition first (the infrastructure took the pod away), then the container's
 * termination (OOM, signal, the trainer's exit code per the contract).
 */
public final class FailureClassifier {
  private FailureClassifier() {}

  /** Exit code of a trainer that checkpointed after SIGTERM/SIGINT (trainer contract). */
  public static final int EXIT_INTERRUPTED = 75;

  /**
   * Exit code of a rank that stopped because another rank of its group failed or became unreachable
   * (trainer contract); it wrote no checkpoint, and its termination reason is {@code PeerLost}.
   */
  public static final int EXIT_PEER_LOST = 76;

  private static final Set<String> PREEMPTION =
      Set.of("PreemptionByScheduler", "PreemptionByKubeScheduler");
  private static final Set<String> NODE_GONE =
      Set.of("DeletionByTaintManager", "DeletionByPodGC", "TerminationByKubelet");
  private static final Set<String> NODE_REASONS =
      Set.of("NodeLost", "NodeShutdown", "Shutdown", "Terminated", "UnexpectedAdmissionError");

  public static Failure classify(Pod pod, List<Integer> retryableExitCodes) {
    String name = pod.getMetadata().getName();
    var status = pod.getStatus();
    String podReason = status == null ? null : status.getReason();
    String podMessage = status == null ? null : status.getMessage();
    if ("Evicted".equals(podReason)) {
      return new Failure(
          name, Kind.Evicted, null, "pod " + name + " was evicted: " + orEmpty(podMessage));
    }
    PodCondition disruption = condition(pod, "DisruptionTarget");
    if (disruption != null && "True".equals(disruption.getStatus())) {
      String disruptionReason = orEmpty(disruption.getReason());
      String text =
          "pod " + name + ": " + disruptionReason + " " + orEmpty(disruption.getMessage());
      if (PREEMPTION.contains(disruptionReason)) {
        return new Failure(name, Kind.Preempted, exitCode(pod), text.strip());
      }
      if (NODE_GONE.contains(disruptionReason)) {
        return new Failure(name, Kind.NodeLost, exitCode(pod), text.strip());
      }
      if ("EvictionByEvictionAPI".equals(disruptionReason)) {
        return new Failure(name, Kind.Evicted, exitCode(pod), text.strip());
      }
    }
    if (podReason != null && NODE_REASONS.contains(podReason)) {
      return new Failure(
          name,
          Kind.NodeLost,
          exitCode(pod),
          "pod " + name + ": " + podReason + " " + orEmpty(podMessage));
    }
    ContainerStateTerminated term = terminated(pod);
    if (term == null) {
      return new Failure(
          name,
          Kind.NodeLost,
          null,
          "pod " + name + " failed without a container exit (" + orEmpty(podReason) + ")");
    }
    int code = term.getExitCode() == null ? -1 : term.getExitCode();
    TerminationMessage tm = TerminationMessage.parse(term.getMessage());
    String detail = tm != null && tm.message() != null ? ": " + tm.message() : "";
    if ("OOMKilled".equals(term.getReason())) {
      return new Failure(name, Kind.OOMKilled, code, oomMessage(pod, code));
    }
    if (code == EXIT_INTERRUPTED) {
      return new Failure(
          name, Kind.Interrupted, code, "pod " + name + " checkpointed and exited 75" + detail);
    }
    if (code == EXIT_PEER_LOST || (tm != null && "PeerLost".equals(tm.reason()))) {
      return new Failure(
          name,
          Kind.PeerLost,
          code,
          "pod " + name + " lost a peer of its group (exit code " + code + ")" + detail);
    }
    if (code >= 128 && code != 137 && code != 143) {
      // SIGSEGV, SIGABRT (a JVM fatal error), SIGBUS...: the process crashed by itself, and a
      // crash that repeats on every restart must reach backoffLimit instead of looping forever.
      return new Failure(
          name,
          Kind.Crashed,
          code,
          "pod " + name + " crashed with signal " + (code - 128) + " (exit code " + code + ")");
    }
    if (code >= 128) {
      return new Failure(
          name,
          Kind.Signal,
          code,
          "pod " + name + " was killed by signal " + (code - 128) + " (exit code " + code + ")");
    }
    String meaning = meaning(code);
    String text = "pod " + name + " exited with code " + code + " (" + meaning + ")" + detail;
    if (retryableExitCodes.contains(code)) {
      return new Failure(name, Kind.RetryableExitCode, code, text);
    }
    return new Failure(name, Kind.ExitCode, code, text);
  }

  /**
   * Classifies the failure of a pod group by its most informative failed pod: a rank that lost a
   * peer ({@link Kind#PeerLost}) only echoes another rank's failure, so any other kind wins over
   * it, and among those the lowest rank. When every failed pod lost a peer (the culprit left no
   * trace, for example a network partition), the group failure is PeerLost, which counts against
   * backoffLimit so that a group cannot restart forever.
   *
   * @param failed the failed pods of one attempt, in rank order; not empty
   */
  public static Failure classifyGroup(List<Pod> failed, List<Integer> retryableExitCodes) {
    List<Failure> all = failed.stream().map(p -> classify(p, retryableExitCodes)).toList();
    return all.stream()
        .filter(f -> f.kind() != Kind.PeerLost)
        .findFirst()
        .orElseGet(
            () -> {
              Failure first = all.get(0);
              if (all.size() == 1) {
                return first;
              }
              List<String> pods = all.stream().map(Failure::pod).toList();
              return new Failure(
                  first.pod(),
                  Kind.PeerLost,
                  first.exitCode(),
                  "every failed pod lost a peer of its group ("
                      + String.join(", ", pods)
                      + "); first: "
                      + first.message());
            });
  }

  /**
   * How a failure is handled given the run's previous one: an OOM kill is retried once (the
   * kernel's accounting varies a little between attempts: page cache, allocator timing), and a
   * second OOM kill in a row fails the run, because the pods of a run all get the same memory limit
   * and a third attempt would die the same way. Every other kind keeps its {@link Kind#handling}.
   *
   * @param previous the run's last recorded failure (status.lastFailure), or null
   */
  public static Handling handling(Failure f, FailureRecord previous) {
    if (f.kind() == Kind.OOMKilled
        && previous != null
        && Kind.OOMKilled.name().equals(previous.getReason())) {
      return Handling.FAIL;
    }
    return f.kind().handling;
  }

  /** The OOM message: the container's memory limit and the operator's estimate of the need. */
  static String oomMessage(Pod pod, int code) {
    String name = pod.getMetadata().getName();
    String limit = null;
    if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
      for (Container c : pod.getSpec().getContainers()) {
        if (Children.CONTAINER.equals(c.getName())
            && c.getResources() != null
            && c.getResources().getLimits() != null
            && c.getResources().getLimits().get("memory") != null) {
          limit = c.getResources().getLimits().get("memory").toString();
        }
      }
    }
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String estimate =
        annotations == null ? null : annotations.get(PodSizing.MEMORY_ESTIMATE_ANNOTATION);
    return "pod "
        + name
        + " was OOM-killed (exit code "
        + code
        + "): memory limit "
        + (limit == null ? "none (the node ran out)" : limit)
        + ", estimated need "
        + (estimate == null ? "unknown" : estimate)
        + "; raise resources.limits.memory or lower optim.batchSize (docs/operating.md)";
  }

  /** Meaning of a trainer exit code (trainer contract, "Exit codes"). */
  public static String meaning(int code) {
    return switch (code) {
      case 0 -> "finished";
      case 1 -> "internal error";
      case 2 -> "invalid command line, config or environment";
      case 3 -> "data error";
      case 4 -> "training diverged";
      case 5 -> "checkpoint storage error";
      case 75 -> "interrupted after checkpoint";
      case 76 -> "another rank of the group failed or became unreachable";
      default -> "unknown exit code";
    };
  }

  /** The trainer container's terminated state, or null. */
  public static ContainerStateTerminated terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      if (Children.CONTAINER.equals(cs.getName())
          && cs.getState() != null
          && cs.getState().getTerminated() != null) {
        return cs.getState().getTerminated();
      }
    }
    return null;
  }

  static PodCondition condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static Integer exitCode(Pod pod) {
    ContainerStateTerminated t = terminated(pod);
    return t == null ? null : t.getExitCode();
  }

  private static String orEmpty(String text) {
    return text == null ? "" : text;
  }
}
