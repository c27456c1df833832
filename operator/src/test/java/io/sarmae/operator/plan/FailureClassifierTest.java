package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.sarmae.operator.testing.Pods;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How the failed ranks of one attempt classify the group. */
class FailureClassifierTest {
  static final List<Integer> RETRYABLE = List.of(1, 5);

  static Pod rank(int i) {
    return new PodBuilder().withNewMetadata().withName("run-worker-" + i).endMetadata().build();
  }

  static final UnaryOperator<Pod> PEER_LOST = Pods::peerLost;
  static final UnaryOperator<Pod> OOM = p -> Pods.exited(p, 137, "OOMKilled", null);
  static final UnaryOperator<Pod> DATA = p -> Pods.exited(p, 3, "Error", null);
  static final UnaryOperator<Pod> INTERNAL = p -> Pods.exited(p, 1, "Error", null);
  static final UnaryOperator<Pod> INTERRUPTED = p -> Pods.exited(p, 75, "Error", null);
  static final UnaryOperator<Pod> NODE_LOST = p -> Pods.disrupted(p, "DeletionByTaintManager", 137);
  static final UnaryOperator<Pod> PREEMPTED = p -> Pods.disrupted(p, "PreemptionByScheduler", 143);
  static final UnaryOperator<Pod> EVICTED = Pods::evicted;
  static final UnaryOperator<Pod> CRASHED = p -> Pods.exited(p, 134, "Error", null);
  static final UnaryOperator<Pod> PEER_LOST_BY_REASON =
      p -> Pods.exited(p, 1, "Error", "{\"exitCode\":1,\"reason\":\"PeerLost\"}");

  static Stream<Arguments> groups() {
    return Stream.of(
        Arguments.of("one rank lost its peer", List.of(PEER_LOST), "PeerLost", 0),
        Arguments.of("every rank lost a peer", List.of(PEER_LOST, PEER_LOST), "PeerLost", 0),
        Arguments.of("rank 0 OOM, rank 1 lost it", List.of(OOM, PEER_LOST), "OOMKilled", 0),
        Arguments.of("rank 0 lost rank 1, which was OOM", List.of(PEER_LOST, OOM), "OOMKilled", 1),
        Arguments.of("rank 2 node lost", List.of(PEER_LOST, PEER_LOST, NODE_LOST), "NodeLost", 2),
        Arguments.of("rank 1 preempted", List.of(PEER_LOST, PREEMPTED), "Preempted", 1),
        Arguments.of("rank 1 evicted", List.of(PEER_LOST, EVICTED), "Evicted", 1),
        Arguments.of("rank 1 crashed", List.of(PEER_LOST, CRASHED), "Crashed", 1),
        Arguments.of("rank 1 data error", List.of(PEER_LOST, DATA), "ExitCode", 1),
        Arguments.of("rank 1 internal error", List.of(PEER_LOST, INTERNAL), "RetryableExitCode", 1),
        Arguments.of(
            "SIGTERM: every rank checkpointed or waited",
            List.of(INTERRUPTED, INTERRUPTED),
            "Interrupted",
            0),
        Arguments.of(
            "two real failures: the lowest rank", List.of(PEER_LOST, DATA, OOM), "ExitCode", 1),
        Arguments.of(
            "the termination reason alone says PeerLost",
            List.of(PEER_LOST_BY_REASON, OOM),
            "OOMKilled",
            1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("groups")
  void theMostInformativeRankClassifiesTheGroup(
      String name, List<UnaryOperator<Pod>> failures, String kind, int culprit) {
    List<Pod> failed = new ArrayList<>();
    for (int i = 0; i < failures.size(); i++) {
      failed.add(failures.get(i).apply(rank(i)));
    }
    Failure f = FailureClassifier.classifyGroup(failed, RETRYABLE);
    assertThat(f.kind().name()).isEqualTo(kind);
    assertThat(f.pod()).isEqualTo("run-worker-" + culprit);
  }

  @org.junit.jupiter.api.Test
  void peerLostIsCountedAndNamed() {
    Failure f = FailureClassifier.classify(Pods.peerLost(rank(0)), RETRYABLE);
    assertThat(f.kind()).isEqualTo(Failure.Kind.PeerLost);
    assertThat(f.kind().handling).isEqualTo(Failure.Handling.RESTART_COUNTED);
    assertThat(f.exitCode()).isEqualTo(76);
    assertThat(f.message())
        .isEqualTo("pod run-worker-0 lost a peer of its group (exit code 76): rank 1 is gone");
    assertThat(FailureClassifier.meaning(76))
        .isEqualTo("another rank of the group failed or became unreachable");
    // 76 keeps its meaning even when a user lists it as retryable.
    assertThat(FailureClassifier.classify(Pods.peerLost(rank(0)), List.of(76)).kind())
        .isEqualTo(Failure.Kind.PeerLost);
  }

  @org.junit.jupiter.api.Test
  void anOomKillNamesTheLimitAndTheEstimateAndIsRetriedOnce() {
    Pod pod =
        io.sarmae.operator.resources.Children.pod(
            io.sarmae.operator.resources.TrainerRun.of(
                io.sarmae.operator.testing.Fixtures.tinyPretrain()),
            0,
            1);
    String estimate =
        pod.getMetadata()
            .getAnnotations()
            .get(io.sarmae.operator.resources.PodSizing.MEMORY_ESTIMATE_ANNOTATION);
    assertThat(estimate).endsWith("Mi");
    Failure f = FailureClassifier.classify(Pods.exited(pod, 137, "OOMKilled", null), RETRYABLE);
    assertThat(f.kind()).isEqualTo(Failure.Kind.OOMKilled);
    assertThat(f.message())
        .contains("was OOM-killed (exit code 137): memory limit 4Gi, estimated need " + estimate)
        .contains("raise resources.limits.memory or lower optim.batchSize");
    // Without a limit or the annotation the message says so.
    assertThat(FailureClassifier.classify(OOM.apply(rank(0)), RETRYABLE).message())
        .contains("memory limit none (the node ran out), estimated need unknown");

    // The first OOM kill restarts (counted); a second in a row at the same limit fails the run.
    assertThat(FailureClassifier.handling(f, null)).isEqualTo(Failure.Handling.RESTART_COUNTED);
    io.sarmae.operator.api.v1alpha1.FailureRecord previous =
        new io.sarmae.operator.api.v1alpha1.FailureRecord();
    previous.setReason("Evicted");
    assertThat(FailureClassifier.handling(f, previous)).isEqualTo(Failure.Handling.RESTART_COUNTED);
    previous.setReason("OOMKilled");
    assertThat(FailureClassifier.handling(f, previous)).isEqualTo(Failure.Handling.FAIL);
    Failure evicted = FailureClassifier.classify(Pods.evicted(rank(0)), RETRYABLE);
    assertThat(FailureClassifier.handling(evicted, previous)).isEqualTo(Failure.Handling.RESTART);
  }
}
