package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.FailurePolicy;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.progress.ProgressReport;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Pods;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner's lifecycle as tables of cases: a new run, progress, the watchdog, every failure
 * class, backoff, success, TTL, suspend, deadline and scheduling (see {@link PlannerWorld}).
 */
class PlannerTest extends PlannerWorld {
  @Test
  void newRunCreatesConfigServiceAndPodsThenRuns() {
    World w = new World(Fixtures.tinyPretrain());
    Plan first = w.pass(T0);
    assertThat(first.actions())
        .extracting(a -> ((Plan.Create) a).object())
        .extracting(HasMetadata::getKind, o -> o.getMetadata().getName())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ConfigMap", "tiny-cpu-config"),
            org.assertj.core.groups.Tuple.tuple("Service", "tiny-cpu-workers"),
            org.assertj.core.groups.Tuple.tuple("Pod", "tiny-cpu-worker-0"));
    assertThat(w.status().getPhase()).isEqualTo(Phase.PENDING);
    assertThat(w.status().getAttempt()).isEqualTo(1);
    assertThat(w.status().getObservedGeneration()).isEqualTo(1L);
    assertThat(first.events()).extracting(Plan.Event::reason).containsExactly("PodsCreated");
    assertIdle(w, T0.plusSeconds(1));

    w.mapPods(p -> Pods.running(p, "10.0.0.1"));
    w.pass(T0.plusSeconds(10));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(cond(w.status(), "Ready").getStatus()).isEqualTo("True");
    assertThat(cond(w.status(), "Scheduled").getStatus()).isEqualTo("True");
    assertThat(cond(w.status(), "Reconciling").getStatus()).isEqualTo("False");
    assertThat(cond(w.status(), "Stalled").getStatus()).isEqualTo("False");
    assertThat(w.last.requeueAfter()).isEqualTo(SETTINGS.progressInterval());
    assertIdle(w, T0.plusSeconds(20));
  }

  @Test
  void lastTransitionTimeStaysWhileStatusDoesNot() {
    World w = started(Fixtures.tinyPretrain());
    String since = cond(w.status(), "Running").getLastTransitionTime();
    w.pass(T0.plusSeconds(100));
    assertThat(cond(w.status(), "Running").getLastTransitionTime()).isEqualTo(since);
    assertThat(since).isEqualTo("2026-11-26T10:00:05Z");
  }

  @Test
  void progressIsCopiedRoundedAndOnlyRewrittenOnChange() {
    World w = started(Fixtures.tinyPretrain());
    w.progress = report(120L, 0.523456789);
    w.pass(T0.plusSeconds(30));
    var p = w.status().getProgress();
    assertThat(p.getStep()).isEqualTo(120L);
    assertThat(p.getLoss()).isEqualTo(0.5235);
    assertThat(p.getPercent()).isEqualTo(1.33);
    assertThat(p.getEta()).isEqualTo("1h");
    assertThat(p.getLastUpdated()).isEqualTo("2026-11-26T10:00:30Z");
    assertThat(p.getStepAdvancedAt()).isEqualTo("2026-11-26T10:00:30Z");
    // Same report a minute later: nothing to write.
    assertIdle(w, T0.plusSeconds(90));
  }

  @Test
  void aFinetunesLatestEvaluationIsOnItsProgress() {
    World w = started(Fixtures.tinyPretrain());
    ProgressReport r = report(120L, 0.52);
    w.progress =
        new ProgressReport(
            "finetune",
            r.phase(),
            r.epoch(),
            r.epochs(),
            r.step(),
            r.totalSteps(),
            r.percent(),
            r.loss(),
            null,
            null,
            r.lr(),
            r.imagesPerSecond(),
            r.etaSeconds(),
            null,
            r.startedAt(),
            r.updatedAt(),
            "mIoU",
            35.123456);
    w.pass(T0.plusSeconds(30));
    assertThat(w.status().getProgress().getEvalMetric()).isEqualTo("mIoU");
    assertThat(w.status().getProgress().getEvalValue()).isEqualTo(35.12);
    assertIdle(w, T0.plusSeconds(90));
    // A new evaluation is a change worth a status write.
    w.progress =
        new ProgressReport(
            "finetune",
            r.phase(),
            r.epoch(),
            r.epochs(),
            r.step(),
            r.totalSteps(),
            r.percent(),
            r.loss(),
            null,
            null,
            r.lr(),
            r.imagesPerSecond(),
            r.etaSeconds(),
            null,
            r.startedAt(),
            r.updatedAt(),
            "mIoU",
            36.0);
    w.pass(T0.plusSeconds(120));
    assertThat(w.status().getProgress().getEvalValue()).isEqualTo(36.0);
  }

  @Test
  void watchdogRestartsAGroupWhoseStepStopped() {
    var r = Fixtures.tinyPretrain(); // progressDeadlineSeconds 600
    World w = started(r);
    w.progress = report(50L, 0.9);
    w.pass(T0.plusSeconds(30));
    w.pass(T0.plusSeconds(600));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    w.pass(T0.plusSeconds(631));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(w.status().getLastFailure().getReason()).isEqualTo("NoProgress");
    assertThat(w.status().getLastFailure().getCounted()).isTrue();
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    assertThat(w.pods).isEmpty();
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("evicted", (UnaryOperator<Pod>) Pods::evicted, "Evicted", false, null),
        Arguments.of(
            "preempted",
            (UnaryOperator<Pod>) p -> Pods.disrupted(p, "PreemptionByScheduler", 143),
            "Preempted",
            false,
            null),
        Arguments.of(
            "node lost",
            (UnaryOperator<Pod>) p -> Pods.disrupted(p, "DeletionByTaintManager", 137),
            "NodeLost",
            false,
            null),
        Arguments.of(
            "OOM",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 137, "OOMKilled", null),
            "OOMKilled",
            true,
            null),
        Arguments.of(
            "signal",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 143, "Error", null),
            "Signal",
            false,
            null),
        Arguments.of(
            "JVM fatal error (SIGABRT)",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 134, "Error", null),
            "Crashed",
            true,
            null),
        Arguments.of(
            "resumable 75",
            (UnaryOperator<Pod>)
                p -> Pods.exited(p, 75, "Error", "{\"exitCode\":75,\"reason\":\"Interrupted\"}"),
            "Interrupted",
            false,
            null),
        Arguments.of(
            "peer lost 76 (alone: nothing more informative)",
            (UnaryOperator<Pod>) Pods::peerLost,
            "PeerLost",
            true,
            null),
        Arguments.of(
            "internal error 1",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 1, "Error", null),
            "RetryableExitCode",
            true,
            null),
        Arguments.of(
            "checkpoint storage 5",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 5, "Error", null),
            "RetryableExitCode",
            true,
            null),
        Arguments.of(
            "invalid config 2",
            (UnaryOperator<Pod>)
                p ->
                    Pods.exited(
                        p,
                        2,
                        "Error",
                        "{\"exitCode\":2,\"message\":\"model.maskRatio: 1.5 is out of range\"}"),
            "ExitCode",
            null,
            "exited with code 2 (invalid command line, config or environment): model.maskRatio: 1.5 is out of range"),
        Arguments.of(
            "data error 3",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 3, "Error", null),
            "ExitCode",
            null,
            "exited with code 3 (data error)"),
        Arguments.of(
            "diverged 4",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 4, "Error", null),
            "ExitCode",
            null,
            "exited with code 4 (training diverged)"),
        Arguments.of(
            "unknown 42",
            (UnaryOperator<Pod>) p -> Pods.exited(p, 42, "Error", null),
            "ExitCode",
            null,
            "exited with code 42"));
  }

  /** counted null means the run fails. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void eachFailureClassRestartsOrFails(
      String name, UnaryOperator<Pod> failure, String reason, Boolean counted, String text) {
    World w = started(Fixtures.tinyPretrain());
    w.mapPods(failure);
    Plan plan = w.pass(T0.plusSeconds(60));
    assertThat(w.status().getLastFailure().getReason()).isEqualTo(reason);
    assertThat(w.status().getLastFailure().getPod()).isEqualTo("tiny-cpu-worker-0");
    if (counted == null) {
      assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
      assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("ExitCode");
      assertThat(cond(w.status(), "Failed").getMessage()).contains("pod tiny-cpu-worker-0", text);
      assertThat(cond(w.status(), "Stalled").getStatus()).isEqualTo("True");
      assertThat(w.pods).hasSize(1); // the failed pod stays for its logs
      assertThat(plan.events()).singleElement().matches(Plan.Event::warning);
      assertIdle(w, T0.plusSeconds(120));
      return;
    }
    assertThat(w.status().getPhase()).isEqualTo(Phase.RESTARTING);
    assertThat(w.status().getFailedAttempts() == null ? 0 : w.status().getFailedAttempts())
        .isEqualTo(counted ? 1 : 0);
    assertThat(w.status().getRestartCount()).isEqualTo(1);
    assertThat(w.pods).isEmpty();
    assertThat(w.status().getNextRestartTime()).isEqualTo("2026-11-26T10:01:10Z");
    assertIdle(w, T0.plusSeconds(65));
    w.pass(T0.plusSeconds(70));
    assertThat(w.pods)
        .singleElement()
        .satisfies(
            p -> assertThat(p.getMetadata().getLabels()).containsEntry("sarmae.io/attempt", "2"));
    assertThat(w.status().getAttempt()).isEqualTo(2);
    assertThat(w.status().getPhase()).isEqualTo(Phase.PENDING);
  }

  @Test
  void countedFailuresBackOffExponentiallyUntilTheLimit() {
    var r = Fixtures.tinyPretrain();
    FailurePolicy fp = r.getSpec().getFailurePolicy();
    fp.setBackoffLimit(2);
    World w = started(r);
    Instant t = T0.plusSeconds(60);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      w.mapPods(p -> Pods.exited(Pods.running(p, "10.0.0.1"), 1, "Error", null));
      w.pass(t);
      if (w.status().getPhase() == Phase.FAILED) {
        break;
      }
      Instant next = Timestamps.parse(w.status().getNextRestartTime());
      delays.add(Duration.between(t, next).toSeconds());
      t = next;
      w.pass(t);
      t = t.plusSeconds(5);
    }
    assertThat(delays).containsExactly(10L, 20L);
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(w.status().getFailedAttempts()).isEqualTo(3);
  }

  @Test
  void infrastructureFailuresDoNotCountAgainstTheLimit() {
    var r = Fixtures.tinyPretrain();
    r.getSpec().getFailurePolicy().setBackoffLimit(0);
    World w = started(r);
    Instant t = T0.plusSeconds(60);
    for (int i = 0; i < 5; i++) {
      w.mapPods(Pods::evicted);
      w.pass(t);
      t = Timestamps.parse(w.status().getNextRestartTime());
      w.pass(t);
      w.mapPods(p -> Pods.running(p, "10.0.0.2"));
      t = t.plusSeconds(5);
      w.pass(t);
    }
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(w.status().getRestartCount()).isEqualTo(5);
    assertThat(w.status().getAttempt()).isEqualTo(6);
  }

  @Test
  void successRecordsResultsFromTheTerminationMessage() {
    World w = started(Fixtures.tinyPretrain());
    w.mapPods(
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"reason\":\"Succeeded\",\"message\":\"done\",\"epoch\":2,\"step\":40,\"loss\":0.41,\"checkpoint\":\"/checkpoints/tiny-cpu/final\"}"));
    Plan plan = w.pass(T0.plusSeconds(300));
    var s = w.status();
    assertThat(s.getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(s.getResult().getCheckpoint()).isEqualTo("/checkpoints/tiny-cpu/final");
    assertThat(s.getResult().getCheckpointClaim()).isEqualTo("sarmae-checkpoints");
    assertThat(s.getResult().getLoss()).isEqualTo(0.41);
    assertThat(s.getProgress().getPercent()).isEqualTo(100.0);
    assertThat(s.getCompletionTime()).isEqualTo("2026-11-26T10:05:00Z");
    assertThat(cond(s, "Succeeded").getStatus()).isEqualTo("True");
    assertThat(cond(s, "Ready").getStatus()).isEqualTo("True");
    assertThat(plan.events()).extracting(Plan.Event::reason).containsExactly("Succeeded");
    // ttlSecondsAfterFinished 86400 in the example: the finishing pass itself schedules the
    // deletion (on main the success pass never requeued, so the TTL never fired).
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofDays(1));
    assertThat(s.getProgress().getLastCheckpoint()).isEqualTo("/checkpoints/tiny-cpu/final");
    assertThat(s.getProgress().getEpoch()).isEqualTo(2);
    assertIdle(w, T0.plusSeconds(400));
  }

  @Test
  void ttlDeletesTheFinishedRun() {
    var r = Fixtures.tinyPretrain();
    r.getSpec().setTtlSecondsAfterFinished(100);
    World w = started(r);
    w.mapPods(p -> Pods.exited(p, 0, "Completed", null));
    w.pass(T0.plusSeconds(300));
    Plan wait = w.pass(T0.plusSeconds(350));
    assertThat(wait.actions()).isEmpty();
    assertThat(wait.requeueAfter()).isEqualTo(Duration.ofSeconds(50));
    Plan delete = w.pass(T0.plusSeconds(400));
    assertThat(delete.actions()).containsExactly(new Plan.DeleteResource());
  }

  @Test
  void suspendDeletesPodsAndResumeStartsANewAttempt() {
    var r = Fixtures.tinyPretrain();
    World w = started(r);
    r.getSpec().setSuspend(true);
    r.getMetadata().setGeneration(2L);
    w.pass(T0.plusSeconds(60));
    assertThat(w.pods).isEmpty();
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUSPENDED);
    assertThat(w.status().getStartTime()).isNull();
    assertThat(cond(w.status(), "Suspended").getStatus()).isEqualTo("True");
    assertThat(w.status().getObservedGeneration()).isEqualTo(2L);
    assertIdle(w, T0.plusSeconds(120));
    r.getSpec().setSuspend(false);
    r.getMetadata().setGeneration(3L);
    w.pass(T0.plusSeconds(200));
    assertThat(w.pods).singleElement();
    assertThat(w.status().getAttempt()).isEqualTo(2);
    assertThat(w.status().getRestartCount()).isNull();
    assertThat(w.status().getStartTime()).isEqualTo("2026-11-26T10:03:20Z");
  }

  @Test
  void suspendedBeforeStartCreatesNothing() {
    var r = Fixtures.tinyPretrain();
    r.getSpec().setSuspend(true);
    World w = new World(r);
    assertThat(w.pass(T0).actions()).isEmpty();
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUSPENDED);
  }

  @Test
  void activeDeadlineFailsTheRun() {
    var r = Fixtures.tinyPretrain();
    r.getSpec().setActiveDeadlineSeconds(3600L);
    World w = started(r);
    assertThat(w.last.requeueAfter()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    w.pass(T0.plusSeconds(3600));
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("DeadlineExceeded");
    assertThat(w.pods).isEmpty();
  }

  @Test
  void unschedulablePodsSurfaceTheSchedulerMessageAndStallAfterTheTimeout() {
    World w = new World(Fixtures.tinyPretrain());
    w.pass(T0);
    w.mapPods(p -> Pods.unschedulable(p, "0/3 nodes are available: 3 Insufficient cpu."));
    w.pass(T0.plusSeconds(30));
    var sched = cond(w.status(), "Scheduled");
    assertThat(sched.getStatus()).isEqualTo("False");
    assertThat(sched.getReason()).isEqualTo("Unschedulable");
    assertThat(sched.getMessage())
        .isEqualTo("tiny-cpu-worker-0: 0/3 nodes are available: 3 Insufficient cpu.");
    assertThat(cond(w.status(), "Stalled").getStatus()).isEqualTo("False");
    assertThat(w.last.requeueAfter()).isEqualTo(Duration.ofSeconds(570));
    w.pass(T0.plusSeconds(600));
    assertThat(cond(w.status(), "Stalled").getStatus()).isEqualTo("True");
    assertThat(cond(w.status(), "Stalled").getReason()).isEqualTo("PendingTimeout");
    assertThat(w.status().getPhase()).isEqualTo(Phase.PENDING);
    assertIdle(w, T0.plusSeconds(700));
  }
}
