package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.RankStatus;
import io.sarmae.operator.resources.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Per-rank status ({@code status.ranks}) of one planning pass: the first {@link #MAX} ranks, each
 * with the phase of its current pod, how often it ended without success and how it last ended.
 *
 * <p>A rank remembers the UID of its pod once the operator has seen it started (a status write
 * happens then anyway, so remembering costs no extra write) and marks the pod {@code Deleting} when
 * the operator deletes it. A pod that is terminating without that mark, or whose remembered UID is
 * gone, was deleted by someone else.
 */
final class Ranks {
  /** Bound of status.ranks: status stays small for wide runs; pods counts cover every rank. */
  static final int MAX = 64;

  private final List<RankStatus> entries = new ArrayList<>();
  private final List<Pod> current;
  private final String vanished;

  Ranks(List<RankStatus> old, int replicas, List<Pod> current) {
    this.current = current;
    int n = Math.min(Math.max(replicas, 0), MAX);
    for (int i = 0; i < n; i++) {
      RankStatus e = copy(find(old, i));
      if (e == null) {
        e = new RankStatus();
        e.setIndex(i);
        e.setRestarts(0);
      }
      entries.add(e);
    }
    String gone = null;
    for (RankStatus e : entries) {
      if (gone == null
          && e.getPodUid() != null
          && !OwnDeletions.contains(e.getPodUid())
          && current.stream().noneMatch(p -> e.getPodUid().equals(p.getMetadata().getUid()))) {
        gone = e.getPod();
      }
    }
    this.vanished = gone;
    for (RankStatus e : entries) {
      Pod p =
          current.stream()
              .filter(x -> PodView.index(x) == e.getIndex())
              .min((a, b) -> Boolean.compare(PodView.terminating(a), PodView.terminating(b)))
              .orElse(null);
      if (p == null) {
        continue;
      }
      e.setPod(p.getMetadata().getName());
      if (PodView.terminating(p)) {
        e.setPhase(DELETING.equals(e.getPhase()) ? DELETING : "Terminating");
      } else {
        String phase = PodView.phase(p);
        e.setPhase(phase);
        if (!"Pending".equals(phase)) {
          e.setPodUid(p.getMetadata().getUid());
        }
      }
    }
  }

  /** A rank's pod that the operator saw and that no longer exists, or null. */
  String vanished(List<Pod> current) {
    return vanished;
  }

  /** Phase of a rank whose pod the operator is deleting. */
  static final String DELETING = "Deleting";

  /** Whether {@code p} is terminating although this operator did not delete it. */
  boolean deletedByOthers(Pod p) {
    return PodView.terminating(p)
        && !OwnDeletions.contains(p.getMetadata().getUid())
        && entries.stream()
            .anyMatch(
                e ->
                    e.getIndex() == PodView.index(p)
                        && p.getMetadata().getName().equals(e.getPod())
                        && "Terminating".equals(e.getPhase()));
  }

  /** A new attempt's pods were created: nothing seen of them yet. */
  void created(String run) {
    for (RankStatus e : entries) {
      e.setPod(Names.worker(run, e.getIndex()));
      e.setPodUid(null);
      e.setPhase("Pending");
    }
  }

  /** The operator deletes these pods: their disappearance is expected. */
  void deletedByOperator(List<Pod> pods) {
    for (Pod p : pods) {
      if (current.stream().noneMatch(c -> c == p)) {
        continue; // a pod of an earlier attempt with the same name
      }
      for (RankStatus e : entries) {
        if (e.getIndex() == PodView.index(p)) {
          e.setPodUid(null);
          e.setPhase(DELETING);
        }
      }
    }
  }

  /** The attempt ended with {@code f}: count every rank that failed in it. */
  void ended(List<Pod> live, Failure f, List<Integer> retryableExitCodes, Set<String> probeKilled) {
    for (RankStatus e : entries) {
      Pod p =
          live.stream()
              .filter(x -> PodView.index(x) == e.getIndex() && "Failed".equals(PodView.phase(x)))
              .findFirst()
              .orElse(null);
      if (p != null) {
        Failure own =
            PodLoss.liveness(FailureClassifier.classify(p, retryableExitCodes), p, probeKilled);
        ContainerStateTerminated t = FailureClassifier.terminated(p);
        count(e, own.kind().name(), t == null ? null : t.getExitCode());
      } else if (f.pod() != null
          && f.pod().equals(e.getPod())
          && live.stream().noneMatch(x -> f.pod().equals(x.getMetadata().getName()))) {
        count(e, f.kind().name(), f.exitCode());
        if (f.kind() == Failure.Kind.PodDeleted) {
          e.setPhase("Deleted");
        }
      }
    }
  }

  private static void count(RankStatus e, String reason, Integer exitCode) {
    e.setRestarts((e.getRestarts() == null ? 0 : e.getRestarts()) + 1);
    e.setLastReason(reason);
    e.setLastExitCode(exitCode);
  }

  List<RankStatus> list() {
    return entries.isEmpty() ? null : List.copyOf(entries);
  }

  private static RankStatus find(List<RankStatus> old, int index) {
    if (old == null) {
      return null;
    }
    return old.stream().filter(e -> Objects.equals(e.getIndex(), index)).findFirst().orElse(null);
  }

  private static RankStatus copy(RankStatus e) {
    if (e == null) {
      return null;
    }
    RankStatus c = new RankStatus();
    c.setIndex(e.getIndex());
    c.setPod(e.getPod());
    c.setPodUid(e.getPodUid());
    c.setPhase(e.getPhase());
    c.setRestarts(e.getRestarts());
    c.setLastExitCode(e.getLastExitCode());
    c.setLastReason(e.getLastReason());
    return c;
  }
}
