package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.testing.Pods;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * Multi-pod groups: one failed rank restarts the group, the culprit wins over ranks that lost it,
 * rank 0's success is the run's, and memory limits below the estimate.
 */
class PlannerRanksTest extends PlannerWorld {
  // ---------------------------------------------------------------- multi-pod groups

  @ParameterizedTest(name = "{0} replicas")
  @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3})
  void oneFailedRankRestartsTheWholeGroupAsANewAttempt(int replicas) {
    World w = started(ranks(replicas));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    List<String> names = podNames(w);
    assertThat(names).hasSize(replicas).contains("tiny-2ranks-worker-" + (replicas - 1));
    // The last rank runs out of memory; the others are still running.
    w.mapPods(rank(replicas - 1, p -> Pods.exited(p, 137, "OOMKilled", null)));
    Plan plan = w.pass(T0.plusSeconds(60));
    assertThat(plan.actions())
        .singleElement()
        .isInstanceOfSatisfying(
            Plan.DeletePods.class,
            d -> assertThat(d.names()).containsExactlyInAnyOrderElementsOf(names));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("OOMKilled");
    assertThat(w.status().getLastFailure().getPod())
        .isEqualTo("tiny-2ranks-worker-" + (replicas - 1));
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    assertThat(w.pods).isEmpty();
    w.pass(T0.plusSeconds(70));
    assertThat(podNames(w)).isEqualTo(names);
    assertThat(w.pods)
        .allSatisfy(
            p -> assertThat(p.getMetadata().getLabels()).containsEntry("sarmae.io/attempt", "2"));
    assertThat(w.status().getAttempt()).isEqualTo(2);
    assertThat(w.status().getPods().getTotal()).isEqualTo(replicas);
  }

  @Test
  void theFailedRankWinsOverTheRanksThatLostIt() {
    World w = started(ranks(3));
    w.mapPods(rank(0, Pods::peerLost));
    w.mapPods(rank(1, p -> Pods.exited(p, 137, "OOMKilled", null)));
    w.mapPods(rank(2, Pods::peerLost));
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("OOMKilled");
    assertThat(w.status().getLastFailure().getPod()).isEqualTo("tiny-2ranks-worker-1");
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    assertThat(w.pods).isEmpty();
  }

  @Test
  void aPreemptedRankRestartsTheGroupWithoutCountingEvenIfRankZeroLostItFirst() {
    World w = started(ranks(2));
    w.mapPods(rank(0, Pods::peerLost));
    w.mapPods(rank(1, p -> Pods.disrupted(p, "PreemptionByScheduler", 143)));
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("Preempted");
    assertThat(w.status().getFailedAttempts()).isNull();
  }

  @Test
  void aGroupWhoseFailedRanksAllLostAPeerCountsAgainstTheBackoffLimit() {
    SarmaePretrain r = ranks(2);
    r.getSpec().getFailurePolicy().setBackoffLimit(1);
    World w = started(r);
    w.mapPods(Pods::peerLost);
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("PeerLost");
    assertThat(w.status().getLastFailure().getCounted()).isTrue();
    assertThat(w.status().getLastFailure().getMessage())
        .contains("every failed pod lost a peer", "tiny-2ranks-worker-0", "tiny-2ranks-worker-1");
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    // The next attempt loses its peers again: the limit ends the loop.
    w.pass(T0.plusSeconds(70));
    w.mapPods(p -> Pods.running(p, "10.0.0.1"));
    w.pass(T0.plusSeconds(80));
    w.mapPods(Pods::peerLost);
    w.pass(T0.plusSeconds(90));
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
  }

  @Test
  void ranksThatLostAPeerWaitBrieflyForTheFailedRankToReport() {
    World w = started(ranks(2));
    // Rank 0 lost rank 1 at 10:01:00; rank 1's node is gone but the API still shows it running.
    w.mapPods(rank(0, p -> Pods.finishedAt(Pods.peerLost(p), "2026-11-26T10:01:00Z")));
    Plan wait = w.pass(T0.plusSeconds(65));
    assertThat(wait.actions()).isEmpty();
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(cond(w.status(), "Ready").getReason()).isEqualTo("PeerLost");
    assertThat(wait.requeueAfter()).isEqualTo(Duration.ofSeconds(25));
    assertIdle(w, T0.plusSeconds(70));
    // The node controller marks rank 1: the group restarts as NodeLost, not counted.
    w.mapPods(rank(1, p -> Pods.disrupted(p, "DeletionByTaintManager", 137)));
    w.pass(T0.plusSeconds(75));
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("NodeLost");
    assertThat(w.status().getFailedAttempts()).isNull();
    assertThat(w.pods).isEmpty();
  }

  @Test
  void afterTheGraceALoneReportOfALostPeerRestartsTheGroupAsPeerLost() {
    World w = started(ranks(2));
    w.mapPods(rank(0, p -> Pods.finishedAt(Pods.peerLost(p), "2026-11-26T10:01:00Z")));
    w.pass(T0.plusSeconds(65));
    w.pass(T0.plusSeconds(90));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("PeerLost");
    assertThat(w.status().getLastFailure().getPod()).isEqualTo("tiny-2ranks-worker-0");
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    assertThat(w.pods).isEmpty();
  }

  @Test
  void theGroupSucceedsWithRankZeroEvenIfAnotherRankFailedWhileStopping() {
    World w = started(ranks(3));
    w.mapPods(
        rank(
            0,
            p ->
                Pods.exited(
                    p,
                    0,
                    "Completed",
                    "{\"exitCode\":0,\"step\":500,\"checkpoint\":\"/checkpoints/tiny-2ranks/final\"}")));
    w.mapPods(rank(1, Pods::peerLost));
    Plan done = w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(w.status().getResult().getCheckpoint()).isEqualTo("/checkpoints/tiny-2ranks/final");
    assertThat(w.status().getLastFailure()).isNull();
    // Rank 2 is still running: stopped; the failed rank 1 stays for its logs.
    assertThat(done.actions())
        .containsExactly(new Plan.DeletePods(List.of("tiny-2ranks-worker-2"), "run succeeded"));
  }

  @Test
  void afterRankZeroSucceedsTheOtherRanksGetAGraceToExitByThemselves() {
    World w = started(ranks(2));
    w.mapPods(
        rank(
            0, p -> Pods.finishedAt(Pods.exited(p, 0, "Completed", null), "2026-11-26T10:01:00Z")));
    Plan wait = w.pass(T0.plusSeconds(62));
    assertThat(wait.actions()).isEmpty();
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(cond(w.status(), "Ready").getReason()).isEqualTo("Finishing");
    assertThat(wait.requeueAfter()).isEqualTo(Duration.ofSeconds(28));
    // Rank 1 exits a moment later: success, nothing deleted.
    w.mapPods(rank(1, p -> Pods.exited(p, 0, "Completed", null)));
    Plan done = w.pass(T0.plusSeconds(63));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(done.actions()).isEmpty();
  }

  @Test
  void aRankStillRunningAfterTheSuccessGraceIsStopped() {
    World w = started(ranks(2));
    w.mapPods(
        rank(
            0, p -> Pods.finishedAt(Pods.exited(p, 0, "Completed", null), "2026-11-26T10:01:00Z")));
    w.pass(T0.plusSeconds(62));
    Plan done = w.pass(T0.plusSeconds(91));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(done.actions())
        .containsExactly(new Plan.DeletePods(List.of("tiny-2ranks-worker-1"), "run succeeded"));
  }

  @Test
  void otherRanksFinishingFirstKeepTheGroupRunningUntilRankZeroSucceeds() {
    World w = started(ranks(2));
    w.mapPods(rank(1, p -> Pods.exited(p, 0, "Completed", null)));
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    w.mapPods(rank(0, p -> Pods.exited(p, 0, "Completed", null)));
    Plan done = w.pass(T0.plusSeconds(70));
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(done.actions()).isEmpty();
    assertIdle(w, T0.plusSeconds(80));
  }

  @Test
  void aSecondOomKillInARowFailsTheRunInsteadOfRetryingAtTheSameLimit() {
    World w = started(ranks(2));
    w.mapPods(rank(1, p -> Pods.exited(p, 137, "OOMKilled", null)));
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    w.pass(T0.plusSeconds(70));
    w.mapPods(p -> Pods.running(p, "10.0.0.1"));
    w.pass(T0.plusSeconds(80));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    w.mapPods(rank(0, p -> Pods.exited(p, 137, "OOMKilled", null)));
    w.pass(T0.plusSeconds(120));
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("OOMKilled");
    assertThat(w.status().getLastFailure().getMessage()).contains("memory limit 4Gi");
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("OOMKilled");
  }

  @Test
  void aMemoryLimitBelowTheEstimateIsAConditionAndOneWarningEvent() {
    SarmaePretrain r = ranks(2);
    r.getSpec().getOptim().setBatchSize(4096);
    World w = new World(r);
    Plan first = w.pass(T0);
    assertThat(cond(w.status(), "MemoryBelowEstimate").getStatus()).isEqualTo("True");
    assertThat(cond(w.status(), "MemoryBelowEstimate").getMessage())
        .startsWith("resources.limits.memory 4Gi is below the estimated need of ");
    assertThat(first.events())
        .filteredOn(e -> e.reason().equals("MemoryBelowEstimate"))
        .singleElement()
        .satisfies(e -> assertThat(e.warning()).isTrue());
    Plan second = w.pass(T0.plusSeconds(5));
    assertThat(second.events()).noneMatch(e -> e.reason().equals("MemoryBelowEstimate"));
    // The fitting fixture has no such condition.
    World fits = new World(ranks(2));
    fits.pass(T0);
    assertThat(cond(fits.status(), "MemoryBelowEstimate")).isNull();
  }
}
