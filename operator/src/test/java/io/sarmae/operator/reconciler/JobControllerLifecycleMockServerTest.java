package io.sarmae.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.plan.Conditions;
import io.sarmae.operator.testing.FakeProgress;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Harness;
import io.sarmae.operator.testing.Pods;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifecycle rules on the mock server: every failure class, backoff limit, watchdog, suspend,
 * deadline, TTL, the fine-tune gate, an operator restart and invalid specs.
 */
class JobControllerLifecycleMockServerTest extends MockServerScenarios {
  static Stream<Arguments> failureClasses() {
    return Stream.of(
        Arguments.of("Evicted", (UnaryOperator<Pod>) Pods::evicted, Phase.RESTARTING),
        Arguments.of(
            "Preempted",
            (UnaryOperator<Pod>) p -> Pods.disrupted(p, "PreemptionByScheduler", 143),
            Phase.RESTARTING),
        Arguments.of(
            "NodeLost",
            (UnaryOperator<Pod>) p -> Pods.disrupted(p, "DeletionByTaintManager", 137),
            Phase.RESTARTING),
        Arguments.of(
            "OOMKilled",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 137, "OOMKilled", null),
            Phase.RESTARTING),
        Arguments.of(
            "Signal",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 143, "Error", null),
            Phase.RESTARTING),
        Arguments.of(
            "Interrupted",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 75, "Error", null),
            Phase.RESTARTING),
        Arguments.of(
            "RetryableExitCode",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 1, "Error", null),
            Phase.RESTARTING),
        Arguments.of(
            "ExitCode",
            (UnaryOperator<Pod>)
                p ->
                    Pods.exited(
                        p,
                        3,
                        "Error",
                        "{\"exitCode\":3,\"message\":\"data.path /data has no paired.json\"}"),
            Phase.FAILED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failureClasses")
  void eachFailureClass(String reason, UnaryOperator<Pod> failure, Phase expected, TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    String firstUid = h.pods(r).get(0).getMetadata().getUid();
    h.kubelet(r, failure);
    h.settle(r);
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(expected);
    assertThat(s.getLastFailure().getReason()).isEqualTo(reason);
    if (expected == Phase.FAILED) {
      assertThat(condition(s, "Failed")).isEqualTo("True/ExitCode");
      assertThat(Conditions.find(s.getConditions(), "Failed").getMessage())
          .isEqualTo(
              "pod tiny-cpu-worker-0 exited with code 3 (data error): data.path /data has no paired.json");
      return;
    }
    assertThat(h.pods(r)).isEmpty();
    h.advance(Duration.ofSeconds(10));
    h.settle(r);
    assertThat(h.pods(r))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getMetadata().getUid()).isNotEqualTo(firstUid);
              assertThat(p.getMetadata().getLabels()).containsEntry("sarmae.io/attempt", "2");
            });
    assertThat(status(h, r).getRestartCount()).isEqualTo(1);
  }

  @Test
  void backoffLimitFailsTheRun(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain spec = Fixtures.tinyPretrain();
    spec.getSpec().getFailurePolicy().setBackoffLimit(1);
    spec.getSpec().getFailurePolicy().setRestartBackoffSeconds(5);
    SarmaePretrain r = h.create(spec);
    h.settle(r);
    for (int i = 0; i < 2; i++) {
      h.kubelet(r, p -> Pods.exited(p, 5, "Error", null));
      h.settle(r);
      h.advance(Duration.ofSeconds(60));
      h.settle(r);
    }
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
    assertThat(condition(s, "Failed")).isEqualTo("True/BackoffLimitExceeded");
    assertThat(condition(s, "Stalled")).isEqualTo("True/BackoffLimitExceeded");
    assertThat(s.getFailedAttempts()).isEqualTo(2);
  }

  @Test
  void watchdogRestartsAStuckRun(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    h.progress.byIp.put("10.1.0.1", FakeProgress.report(7, 1.0));
    h.advance(Duration.ofSeconds(30));
    h.settle(r);
    for (int i = 0; i < 20; i++) {
      h.advance(Duration.ofSeconds(30));
      h.settle(r);
    }
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(s.getLastFailure().getReason()).isEqualTo("NoProgress");
    assertThat(s.getLastFailure().getMessage()).contains("step 7 has not advanced for 600s");
  }

  @Test
  void suspendAndResume(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    h.client
        .resources(SarmaePretrain.class)
        .inNamespace(h.namespace)
        .withName("tiny-cpu")
        .edit(
            x -> {
              x.getSpec().setSuspend(true);
              return x;
            });
    h.settle(r);
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.SUSPENDED);
    assertThat(condition(s, "Suspended")).isEqualTo("True/Suspended");
    assertThat(h.pods(r)).isEmpty();
    h.client
        .resources(SarmaePretrain.class)
        .inNamespace(h.namespace)
        .withName("tiny-cpu")
        .edit(
            x -> {
              x.getSpec().setSuspend(false);
              return x;
            });
    h.settle(r);
    assertThat(h.pods(r)).singleElement();
    assertThat(status(h, r).getPhase()).isEqualTo(Phase.PENDING);
    assertThat(status(h, r).getAttempt()).isEqualTo(2);
  }

  @Test
  void activeDeadlineFails(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain spec = Fixtures.tinyPretrain();
    spec.getSpec().setActiveDeadlineSeconds(120L);
    SarmaePretrain r = h.create(spec);
    h.settle(r);
    h.advance(Duration.ofSeconds(121));
    h.settle(r);
    assertThat(condition(status(h, r), "Failed")).isEqualTo("True/DeadlineExceeded");
    assertThat(h.pods(r)).isEmpty();
  }

  @Test
  void ttlDeletesTheFinishedRun(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain spec = Fixtures.tinyPretrain();
    spec.getSpec().setTtlSecondsAfterFinished(60);
    SarmaePretrain r = h.create(spec);
    h.settle(r);
    h.kubelet(r, p -> Pods.exited(p, 0, "Completed", null));
    h.settle(r);
    h.advance(Duration.ofSeconds(59));
    h.settle(r);
    assertThat(h.get(r)).isNotNull();
    h.advance(Duration.ofSeconds(1));
    h.settle(r);
    assertThat(h.get(r)).isNull();
  }

  @Test
  void finetuneWaitsForItsPretrain(TestInfo info) {
    Harness h = harness(info);
    SarmaeFinetune ft = h.create(Fixtures.finetune40());
    h.settle(ft);
    var fs = h.get(ft).getStatus();
    assertThat(Conditions.find(fs.getConditions(), "WaitingForPretrain").getReason())
        .isEqualTo("PretrainNotFound");
    SarmaePretrain pre = h.create(Fixtures.vitB());
    h.settle(pre);
    h.settle(ft);
    assertThat(
            Conditions.find(h.get(ft).getStatus().getConditions(), "WaitingForPretrain")
                .getReason())
        .isEqualTo("PretrainNotFinished");
    assertThat(h.pods(ft)).isEmpty();
    h.kubelet(pre, p -> Pods.exited(p, 0, "Completed", null));
    h.settle(pre);
    h.settle(ft);
    assertThat(h.pods(ft)).singleElement();
    ConfigMap cm =
        h.client.configMaps().inNamespace(h.namespace).withName("fusar-ship-40shot-config").get();
    assertThat(cm.getData().get("config.yaml")).contains("init: /checkpoints/sarmae-vit-b/final");
  }

  @Test
  void operatorRestartMidRunCreatesNoDuplicates(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    h.progress.byIp.put("10.1.0.1", FakeProgress.report(12, 0.7));
    h.advance(Duration.ofSeconds(30));
    h.settle(r);
    var before = status(h, r);
    h.restartOperator();
    h.advance(Duration.ofSeconds(5));
    List<Harness.Pass> passes = h.settle(r);
    assertThat(passes).hasSize(1);
    assertThat(h.pods(r)).singleElement();
    assertThat(status(h, r)).usingRecursiveComparison().isEqualTo(before);
  }

  @Test
  void invalidSpecGetsAConditionAndAnEventButNoRetry(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain spec = Fixtures.tinyPretrain();
    spec.getSpec().setReplicas(1001);
    spec.getSpec().setTtlSecondsAfterFinished(null);
    SarmaePretrain r = h.create(spec);
    List<Harness.Pass> passes = h.settle(r);
    assertThat(passes).hasSize(2);
    var s = status(h, r);
    assertThat(condition(s, "Failed")).isEqualTo("True/InvalidSpec");
    assertThat(h.pods(r)).isEmpty();
    assertThat(h.client.v1().events().inNamespace(h.namespace).list().getItems())
        .extracting(Event::getReason, Event::getType)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("InvalidSpec", "Warning"));
  }
}
