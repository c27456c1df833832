package io.sarmae.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.plan.Conditions;
import io.sarmae.operator.testing.FakeProgress;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Harness;
import io.sarmae.operator.testing.Pods;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The reconcile loop on the mock server: creating, progress, success, identity across incarnations,
 * config per attempt, TTL, stalls, deleted pods and a two-rank group.
 */
class JobControllerMockServerTest extends MockServerScenarios {
  @Test
  void createBuildsOwnedChildrenAndSettles(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = h.create(Fixtures.tinyPretrain());
    List<Harness.Pass> passes = h.settle(r);
    assertThat(passes.get(0).writes()).isEqualTo(4); // config, service, pod, event
    assertThat(passes.get(passes.size() - 1).idle()).isTrue();
    String uid = h.get(r).getMetadata().getUid();
    List<Pod> pods = h.pods(r);
    assertThat(pods)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getMetadata().getName()).isEqualTo("tiny-cpu-worker-0");
              assertThat(p.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(uid);
            });
    ConfigMap cm = h.client.configMaps().inNamespace(h.namespace).withName("tiny-cpu-config").get();
    // The golden is the fixture's rendering; on the server the run has its own UID.
    assertThat(cm.getData().get("config.yaml"))
        .isEqualTo(
            Fixtures.read(Fixtures.contract("pretrain-operator.yaml"))
                .replace(Fixtures.tinyPretrain().getMetadata().getUid(), uid));
    Service svc = h.client.services().inNamespace(h.namespace).withName("tiny-cpu-workers").get();
    assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.getObservedGeneration()).isEqualTo(h.get(r).getMetadata().getGeneration());
    assertThat(condition(s, "Reconciling")).isEqualTo("True/PodsCreated");
    List<Event> events = h.client.v1().events().inNamespace(h.namespace).list().getItems();
    assertThat(events).extracting(Event::getReason).containsExactly("PodsCreated");
  }

  @Test
  void progressUpdatesStatusAtMostOncePerInterval(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    assertThat(status(h, r).getPhase()).isEqualTo(Phase.RUNNING);
    h.progress.byIp.put("10.1.0.1", FakeProgress.report(10, 0.9));
    h.advance(Duration.ofSeconds(30));
    h.settle(r);
    assertThat(status(h, r).getProgress().getStep()).isEqualTo(10L);
    assertThat(status(h, r).getProgress().getEpoch()).isEqualTo(0);
    // New progress within the interval: not read, nothing written.
    h.progress.byIp.put("10.1.0.1", FakeProgress.report(20, 0.8));
    h.advance(Duration.ofSeconds(10));
    int reads = h.progress.reads.get();
    assertThat(h.pass(r).idle()).isTrue();
    assertThat(h.progress.reads.get()).isEqualTo(reads);
    h.advance(Duration.ofSeconds(20));
    List<Harness.Pass> passes = h.settle(r);
    assertThat(passes).hasSize(2);
    assertThat(passes.get(0).statusWritten()).isTrue();
    assertThat(status(h, r).getProgress().getStep()).isEqualTo(20L);
    assertThat(status(h, r).getProgress().getLoss()).isEqualTo(0.8);
    assertThat(status(h, r).getProgress().getEta()).isEqualTo("2m");
  }

  @Test
  void successRecordsFinalMetrics(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    h.kubelet(
        r,
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"reason\":\"Succeeded\",\"epoch\":2,\"step\":40,\"loss\":0.41,\"checkpoint\":\"/checkpoints/tiny-cpu/final\"}"));
    h.settle(r);
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(condition(s, "Succeeded")).isEqualTo("True/Succeeded");
    assertThat(s.getResult().getStep()).isEqualTo(40L);
    assertThat(s.getResult().getCheckpoint()).isEqualTo("/checkpoints/tiny-cpu/final");
    assertThat(h.pods(r)).hasSize(1); // kept for logs
  }

  /**
   * Deleted and re-created under the same name (what GitOps tools do): the mock server has no
   * garbage collector, so the old incarnation's pod, ConfigMap and Service stay, as they do on a
   * real cluster while they terminate. On main the new run adopted the old pod and reported its
   * result as its own.
   */
  @Test
  void aRunRecreatedUnderItsNameIgnoresTheOldIncarnationsChildren(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain old = running(h);
    String oldUid = h.get(old).getMetadata().getUid();
    h.kubelet(
        old,
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"step\":40,\"checkpoint\":\"/checkpoints/tiny-cpu/final\"}"));
    h.client.resource(h.get(old)).delete();
    SarmaePretrain again = h.create(Fixtures.tinyPretrain());
    String uid = h.get(again).getMetadata().getUid();
    assertThat(uid).isNotEqualTo(oldUid);

    h.settle(again);
    var s = status(h, again);
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.getReason()).isEqualTo("WaitingForForeignPods");
    assertThat(s.getResult()).isNull();
    assertThat(s.getForeignPods()).containsExactly("tiny-cpu-worker-0");
    assertThat(h.client.v1().events().inNamespace(h.namespace).list().getItems())
        .filteredOn(e -> "ForeignPods".equals(e.getReason()))
        .singleElement()
        .matches(e -> "Warning".equals(e.getType()));

    // Garbage collection removes the orphan; the new incarnation starts with its own children.
    h.client.pods().inNamespace(h.namespace).withName("tiny-cpu-worker-0").delete();
    h.settle(again);
    assertThat(h.pods(again))
        .singleElement()
        .satisfies(
            p -> assertThat(p.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(uid));
    ConfigMap cm = h.client.configMaps().inNamespace(h.namespace).withName("tiny-cpu-config").get();
    assertThat(cm.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(uid);
    assertThat(cm.getData().get("config.yaml")).contains("  id: \"" + uid + "\"\n");
    Service svc = h.client.services().inNamespace(h.namespace).withName("tiny-cpu-workers").get();
    assertThat(svc.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(uid);
    assertThat(status(h, again).getForeignPods()).isNull();
    assertThat(status(h, again).getAttempt()).isEqualTo(1);
  }

  /** On main the ConfigMap was created once and never updated: every attempt gets its rendering. */
  @Test
  void everyAttemptStartsFromTheConfigRenderedForIt(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    ConfigMap cm = h.client.configMaps().inNamespace(h.namespace).withName("tiny-cpu-config").get();
    String rendered = cm.getData().get("config.yaml");
    cm.getData().put("config.yaml", "run:\n  seed: 99\n");
    h.client.resource(cm).update();
    h.kubelet(r, p -> Pods.exited(p, 1, "Error", null));
    h.settle(r);
    h.advance(Duration.ofSeconds(30));
    h.settle(r);
    assertThat(status(h, r).getAttempt()).isEqualTo(2);
    assertThat(
            h.client
                .configMaps()
                .inNamespace(h.namespace)
                .withName("tiny-cpu-config")
                .get()
                .getData()
                .get("config.yaml"))
        .isEqualTo(rendered);
  }

  /** On main only failed runs expired: the success pass never asked to be called again. */
  @Test
  void ttlDeletesASucceededRun(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain run = Fixtures.tinyPretrain();
    run.getSpec().setTtlSecondsAfterFinished(5);
    SarmaePretrain r = h.create(run);
    h.settle(r);
    h.kubelet(r, p -> Pods.running(p, "10.1.0.1"));
    h.settle(r);
    h.kubelet(r, p -> Pods.exited(p, 0, "Completed", null));
    Harness.Pass finishing = h.pass(r);
    assertThat(status(h, r).getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(finishing.requeueAfter()).isEqualTo(Duration.ofSeconds(5));
    h.advance(Duration.ofSeconds(5));
    h.pass(r);
    assertThat(h.get(r)).isNull();
  }

  /** On main an image that never pulls left the run Pending forever without a word. */
  @Test
  void anImageThatNeverPullsStallsTheRunWithAWarning(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = h.create(Fixtures.tinyPretrain());
    h.settle(r);
    h.kubelet(
        r, p -> Pods.waiting(p, "ImagePullBackOff", "Back-off pulling image \"sarmae:nope\""));
    h.settle(r);
    assertThat(status(h, r).getReason()).isEqualTo("ImagePullBackOff");
    assertThat(condition(status(h, r), "Stalled")).isEqualTo("False/Progressing");
    // The mock stamps creationTimestamp with the wall clock: move the harness clock past it.
    var created = java.time.Instant.parse(h.pods(r).get(0).getMetadata().getCreationTimestamp());
    h.advance(Duration.between(h.clock.instant(), created).plusSeconds(600));
    h.settle(r);
    var s = status(h, r);
    assertThat(condition(s, "Stalled")).isEqualTo("True/PendingTimeout");
    assertThat(Conditions.find(s.getConditions(), "Stalled").getMessage())
        .contains("ImagePullBackOff", "sarmae:nope");
    assertThat(h.client.v1().events().inNamespace(h.namespace).list().getItems())
        .filteredOn(e -> "PendingTimeout".equals(e.getReason()))
        .singleElement()
        .matches(e -> "Warning".equals(e.getType()));
  }

  /** On main a pod deleted with kubectl restarted the group without a trace. */
  @Test
  void aDeletedPodIsRecordedWithAWarningAndRestartsTheGroup(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = running(h);
    h.client.pods().inNamespace(h.namespace).withName("tiny-cpu-worker-0").delete();
    h.settle(r);
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(s.getRestartCount()).isEqualTo(1);
    assertThat(s.getLastFailure().getReason()).isEqualTo("PodDeleted");
    assertThat(s.getLastFailure().getPod()).isEqualTo("tiny-cpu-worker-0");
    assertThat(h.client.v1().events().inNamespace(h.namespace).list().getItems())
        .filteredOn(e -> "PodDeleted".equals(e.getReason()))
        .singleElement()
        .matches(e -> "Warning".equals(e.getType()));
    h.advance(Duration.ofSeconds(30));
    h.settle(r);
    assertThat(status(h, r).getAttempt()).isEqualTo(2);
    assertThat(h.pods(r)).singleElement();
  }

  @Test
  void twoRankRunRestartsAsAGroupAndSucceedsWithRankZero(TestInfo info) {
    Harness h = harness(info);
    SarmaePretrain r = h.create(Fixtures.tinyTwoRanks());
    h.settle(r);
    assertThat(h.pods(r))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("tiny-2ranks-worker-0", "tiny-2ranks-worker-1");
    h.kubelet(
        r,
        p -> Pods.running(p, p.getMetadata().getName().endsWith("-0") ? "10.1.0.1" : "10.1.0.2"));
    h.settle(r);
    assertThat(status(h, r).getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(status(h, r).getPods().getRunning()).isEqualTo(2);
    // Progress is read from rank 0 only: rank 1's report is never fetched.
    h.progress.byIp.put("10.1.0.1", FakeProgress.report(10, 0.9));
    h.progress.byIp.put("10.1.0.2", FakeProgress.report(999, 9.9));
    h.advance(Duration.ofSeconds(30));
    h.settle(r);
    assertThat(status(h, r).getProgress().getStep()).isEqualTo(10L);

    // Rank 1 is OOM-killed, rank 0 notices and exits 76: one counted OOMKilled restart of both.
    h.kubelet(r, rank(1, p -> Pods.exited(p, 137, "OOMKilled", null)));
    h.kubelet(r, rank(0, Pods::peerLost));
    h.settle(r);
    var s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(s.getLastFailure().getReason()).isEqualTo("OOMKilled");
    assertThat(s.getLastFailure().getPod()).isEqualTo("tiny-2ranks-worker-1");
    assertThat(s.getFailedAttempts()).isEqualTo(1);
    assertThat(h.pods(r)).isEmpty();
    h.advance(Duration.ofSeconds(10));
    h.settle(r);
    assertThat(h.pods(r))
        .hasSize(2)
        .allSatisfy(
            p -> assertThat(p.getMetadata().getLabels()).containsEntry("sarmae.io/attempt", "2"));

    h.kubelet(
        r,
        p -> Pods.running(p, p.getMetadata().getName().endsWith("-0") ? "10.1.0.3" : "10.1.0.4"));
    h.settle(r);
    h.kubelet(r, rank(1, p -> Pods.exited(p, 0, "Completed", null)));
    h.settle(r);
    assertThat(status(h, r).getPhase()).isEqualTo(Phase.RUNNING);
    h.kubelet(
        r,
        rank(
            0,
            p ->
                Pods.exited(
                    p,
                    0,
                    "Completed",
                    "{\"exitCode\":0,\"reason\":\"Succeeded\",\"epoch\":2,\"step\":40,\"checkpoint\":\"/checkpoints/tiny-2ranks/final\"}")));
    List<Harness.Pass> passes = h.settle(r);
    assertThat(passes.get(passes.size() - 1).idle()).isTrue();
    s = status(h, r);
    assertThat(s.getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(s.getResult().getCheckpoint()).isEqualTo("/checkpoints/tiny-2ranks/final");
    assertThat(s.getAttempt()).isEqualTo(2);
    assertThat(s.getPods().getSucceeded()).isEqualTo(2);
    assertThat(h.pods(r)).hasSize(2); // kept for logs
  }
}
