package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Pods;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What happens to a run's pods besides training: waiting reasons and their timeout, pods of an
 * earlier incarnation, pods deleted or killed by others, per-rank status.
 */
class PlannerPodEventsTest extends PlannerWorld {
  static Stream<Arguments> waitingReasons() {
    return Stream.of(
        Arguments.of(
            (UnaryOperator<Pod>)
                p -> Pods.waiting(p, "ImagePullBackOff", "Back-off pulling image \"sarmae:nope\""),
            "ImagePullBackOff"),
        Arguments.of(
            (UnaryOperator<Pod>) p -> Pods.waiting(p, "ErrImagePull", "manifest unknown"),
            "ErrImagePull"),
        Arguments.of(
            (UnaryOperator<Pod>)
                p -> Pods.waiting(p, "CreateContainerConfigError", "secret \"hf\" not found"),
            "CreateContainerConfigError"),
        Arguments.of(
            (UnaryOperator<Pod>)
                p ->
                    Pods.unschedulable(
                        p,
                        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."),
            "Unschedulable"));
  }

  /** On main only unscheduled pods stalled; a pod that never pulls its image waited forever. */
  @ParameterizedTest
  @MethodSource("waitingReasons")
  void everyWaitingReasonStallsAfterThePendingTimeoutWithAWarning(
      UnaryOperator<Pod> stuck, String reason) {
    World w = new World(Fixtures.tinyPretrain());
    w.pass(T0);
    w.mapPods(stuck);
    w.pass(T0.plusSeconds(30));
    assertThat(w.status().getReason()).isEqualTo(reason);
    assertThat(cond(w.status(), "Reconciling").getMessage()).contains(reason);
    assertThat(cond(w.status(), "Stalled").getStatus()).isEqualTo("False");
    assertThat(w.last.requeueAfter()).isEqualTo(Duration.ofSeconds(570));
    Plan late = w.pass(T0.plusSeconds(600));
    var stalled = cond(w.status(), "Stalled");
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo("PendingTimeout");
    assertThat(stalled.getMessage()).contains("tiny-cpu-worker-0", reason);
    assertThat(late.events())
        .singleElement()
        .matches(e -> e.warning() && e.reason().equals("PendingTimeout"))
        .matches(e -> e.message().contains(reason));
    assertThat(w.pods).hasSize(1); // kept: fixing the image or secret lets it start
    assertIdle(w, T0.plusSeconds(700));
  }

  /** A run deleted and re-created under its name: the old incarnation's pods are not its own. */
  @Test
  void podsOfAnEarlierIncarnationAreIgnoredReportedAndWaitedFor() {
    World old = started(Fixtures.tinyPretrain());
    old.mapPods(
        p ->
            Pods.exited(
                p, 0, "Completed", "{\"exitCode\":0,\"checkpoint\":\"/checkpoints/x/final\"}"));
    var again = Fixtures.tinyPretrain();
    again.getMetadata().setUid("11111111-2222-3333-4444-555555555555");
    World w = new World(again);
    w.pods.addAll(old.pods);
    Plan first = w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.PENDING);
    assertThat(w.status().getReason()).isEqualTo("WaitingForForeignPods");
    assertThat(w.status().getResult()).isNull();
    assertThat(w.status().getForeignPods()).containsExactly("tiny-cpu-worker-0");
    assertThat(first.actions()).isEmpty();
    assertThat(first.events())
        .filteredOn(e -> e.reason().equals("ForeignPods"))
        .singleElement()
        .matches(Plan.Event::warning)
        .matches(e -> e.message().contains(again.getMetadata().getUid()));
    assertIdle(w, T0.plusSeconds(61));
    // Garbage collection removes the orphan: this incarnation starts its own pods.
    w.pods.clear();
    w.pass(T0.plusSeconds(70));
    assertThat(w.pods).singleElement();
    assertThat(Ownership.controllerUid(w.pods.get(0))).isEqualTo(again.getMetadata().getUid());
    assertThat(w.status().getForeignPods()).isNull();
    assertThat(w.status().getAttempt()).isEqualTo(1);
  }

  /**
   * The trainer refuses a checkpoint of another run identity with exit 2 (a re-created run whose
   * checkpoint folder holds the old run's checkpoints): final, not retried, with its message.
   */
  @Test
  void aCheckpointOfAnotherRunIsAFinalFailureWithTheTrainersMessage() {
    World w = started(Fixtures.tinyPretrain());
    String refusal =
        "checkpoint /checkpoints/tiny-cpu/checkpoint-000000040 belongs to run 0000-old, not this"
            + " run; set spec.checkpoint.resumeFrom to continue it or use a new checkpoint.path";
    w.mapPods(
        p ->
            Pods.exited(
                p,
                2,
                "Error",
                "{\"exitCode\":2,\"reason\":\"InvalidConfig\",\"message\":\"" + refusal + "\"}"));
    Plan plan = w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("ExitCode");
    assertThat(cond(w.status(), "Failed").getMessage()).contains("code 2", refusal);
    assertThat(w.status().getLastFailure().getCounted()).isFalse();
    assertThat(w.status().getLastFailure().getMessage()).contains(refusal);
    assertThat(w.status().getRestartCount()).isNull();
    assertThat(plan.actions()).isEmpty(); // the failed pod stays for its logs
  }

  /** A finished run applied again: the trainer only republishes final/ and says so. */
  @Test
  void aRunThatWasAlreadyFinishedSucceedsAndSaysSo() {
    World w = started(Fixtures.tinyPretrain());
    w.mapPods(
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"reason\":\"Succeeded\",\"alreadyFinished\":true,\"epoch\":2,\"step\":40,"
                    + "\"checkpoint\":\"/checkpoints/tiny-cpu/final\"}"));
    w.pass(T0.plusSeconds(20));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(w.status().getReason()).isEqualTo("AlreadyFinished");
    assertThat(cond(w.status(), "Succeeded").getMessage()).startsWith("already finished");
    assertThat(w.status().getProgress().getLastCheckpoint())
        .isEqualTo("/checkpoints/tiny-cpu/final");
  }

  /** On main a suspended or finished run kept the last throughput and ETA of its trainer. */
  @Test
  void suspendedAndFinishedRunsShowNoStaleRatesOrEta() {
    var r = Fixtures.tinyPretrain();
    World w = started(r);
    w.progress = report(120L, 0.52);
    w.pass(T0.plusSeconds(30));
    assertThat(w.status().getProgress().getEta()).isNotNull();
    assertThat(w.status().getProgress().getImagesPerSecond()).isNotNull();
    r.getSpec().setSuspend(true);
    w.progress = null;
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUSPENDED);
    assertThat(w.status().getProgress().getEta()).isNull();
    assertThat(w.status().getProgress().getEtaSeconds()).isNull();
    assertThat(w.status().getProgress().getImagesPerSecond()).isNull();
    assertThat(w.status().getProgress().getStep()).isEqualTo(120L);
    r.getSpec().setSuspend(false);
    w.pass(T0.plusSeconds(90));
    w.mapPods(p -> Pods.exited(p, 0, "Completed", null));
    w.pass(T0.plusSeconds(120));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(w.status().getProgress().getEta()).isNull();
    assertThat(w.status().getProgress().getImagesPerSecond()).isNull();
    assertThat(w.status().getProgress().getLastCheckpoint())
        .isEqualTo("/checkpoints/tiny-cpu/final");
  }

  /** On main a pod deleted by hand restarted the group silently (no event, no count). */
  @Test
  void aPodDeletedBySomeoneElseIsRecordedAndRestartsTheGroup() {
    World w = started(Fixtures.tinyPretrain());
    String uid = w.pods.get(0).getMetadata().getUid();
    w.mapPods(Pods::terminating);
    Plan plan = w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(w.status().getRestartCount()).isEqualTo(1);
    assertThat(w.status().getFailedAttempts()).isNull();
    var lf = w.status().getLastFailure();
    assertThat(lf.getReason()).isEqualTo("PodDeleted");
    assertThat(lf.getPod()).isEqualTo("tiny-cpu-worker-0");
    assertThat(lf.getPodUid()).isEqualTo(uid);
    assertThat(lf.getCounted()).isFalse();
    assertThat(lf.getAttempt()).isEqualTo(1);
    assertThat(plan.events())
        .singleElement()
        .matches(e -> e.warning() && e.reason().equals("PodDeleted"));
    assertThat(w.status().getRanks())
        .singleElement()
        .satisfies(
            rank -> {
              assertThat(rank.getRestarts()).isEqualTo(1);
              assertThat(rank.getLastReason()).isEqualTo("PodDeleted");
            });
    // The pod finishes terminating; after the backoff attempt 2 starts and runs.
    w.pods.clear();
    w.pass(T0.plusSeconds(65));
    assertThat(w.status().getRestartCount()).isEqualTo(1);
    w.pass(T0.plusSeconds(80));
    assertThat(w.status().getAttempt()).isEqualTo(2);
    w.mapPods(p -> Pods.running(p, "10.0.0.2"));
    w.pass(T0.plusSeconds(90));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(w.status().getRanks().get(0).getRestarts()).isEqualTo(1);
    assertThat(w.status().getRanks().get(0).getPhase()).isEqualTo("Running");
  }

  /** A pod removed at once (force delete, or an API without graceful deletion). */
  @Test
  void aPodThatVanishesAfterItStartedIsRecordedAsDeleted() {
    World w = started(Fixtures.tinyPretrain());
    w.pods.clear();
    Plan plan = w.pass(T0.plusSeconds(60));
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("PodDeleted");
    assertThat(w.status().getRestartCount()).isEqualTo(1);
    assertThat(plan.events()).extracting(Plan.Event::reason).containsExactly("PodDeleted");
  }

  /** The operator's own deletions (suspend, then resume while pods still stop) are not losses. */
  @Test
  void podsTheOperatorDeletesAreNotReportedAsDeleted() {
    var r = Fixtures.tinyPretrain();
    World w = started(r);
    r.getSpec().setSuspend(true);
    Plan suspend =
        Planner.plan(
            r, new Observed(List.copyOf(w.pods), null, null), T0.plusSeconds(60), SETTINGS);
    w.run.setStatus(suspend.status());
    w.mapPods(Pods::terminating); // deletion under way, as the API shows it
    r.getSpec().setSuspend(false);
    w.pass(T0.plusSeconds(70));
    w.pass(T0.plusSeconds(75));
    assertThat(w.status().getLastFailure()).isNull();
    assertThat(w.status().getRestartCount()).isNull();
    w.pods.clear();
    w.pass(T0.plusSeconds(80));
    assertThat(w.status().getAttempt()).isEqualTo(2);
    assertThat(w.status().getLastFailure()).isNull();
  }

  /** The trainer says the kubelet stopped it for a failing /healthz: counted, unlike a signal. */
  @Test
  void aLivenessKillCountsAgainstTheBackoffLimit() {
    World w = started(Fixtures.tinyPretrain());
    w.mapPods(
        p ->
            Pods.exited(
                p,
                137,
                "Error",
                "{\"exitCode\":137,\"reason\":\"LivenessFailed\",\"message\":\"no step for 600s\"}"));
    w.pass(T0.plusSeconds(60));
    var lf = w.status().getLastFailure();
    assertThat(lf.getReason()).isEqualTo("LivenessKilled");
    assertThat(lf.getCounted()).isTrue();
    assertThat(lf.getMessage()).contains("liveness", "no step for 600s");
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    assertThat(w.status().getRanks().get(0).getLastExitCode()).isEqualTo(137);
    assertThat(w.status().getRanks().get(0).getLastReason()).isEqualTo("LivenessKilled");
  }

  @Test
  void ranksReportPhaseRestartsAndLastExitPerRank() {
    World w = started(Fixtures.tinyTwoRanks());
    assertThat(w.status().getRanks())
        .extracting(x -> x.getIndex() + ":" + x.getPhase() + ":" + x.getRestarts())
        .containsExactly("0:Running:0", "1:Running:0");
    w.mapPods(
        p -> PodView.index(p) == 1 ? Pods.exited(p, 137, "OOMKilled", null) : Pods.peerLost(p));
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getRanks())
        .extracting(
            x ->
                x.getIndex()
                    + ":"
                    + x.getRestarts()
                    + ":"
                    + x.getLastExitCode()
                    + ":"
                    + x.getLastReason())
        .containsExactly("0:1:76:PeerLost", "1:1:137:OOMKilled");
  }
}
