package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.sarmae.operator.api.v1alpha1.FailurePolicy;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.progress.ProgressReport;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Pods;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner against a simulated world: a list of pods that {@link #apply} updates the way the API
 * server would, so that lifecycles can be run to a fixed point without a server.
 */
class PlannerTest {
  static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  static final Planner.Settings SETTINGS = Planner.Settings.defaults();

  /** A tiny in-memory cluster: the run, its pods, and what the last pass did. */
  static final class World {
    final CustomResource<? extends JobSpecCommon, SarmaeJobStatus> run;
    final List<Pod> pods = new ArrayList<>();
    Observed.PretrainState pretrain;
    ProgressReport progress;
    Plan last;
    boolean deleted;

    World(CustomResource<? extends JobSpecCommon, SarmaeJobStatus> run) {
      this.run = run;
    }

    Plan pass(Instant now) {
      last = Planner.plan(run, new Observed(List.copyOf(pods), progress, pretrain), now, SETTINGS);
      apply(last);
      return last;
    }

    void apply(Plan plan) {
      for (Plan.Action a : plan.actions()) {
        if (a instanceof Plan.Create c && c.object() instanceof Pod p) {
          if (pods.stream()
              .noneMatch(x -> x.getMetadata().getName().equals(p.getMetadata().getName()))) {
            p.getMetadata().setUid(UUID.randomUUID().toString());
            p.getMetadata().setCreationTimestamp(Timestamps.format(T0));
            pods.add(p);
          }
        } else if (a instanceof Plan.DeletePods d) {
          pods.removeIf(p -> d.names().contains(p.getMetadata().getName()));
        } else if (a instanceof Plan.DeleteResource) {
          deleted = true;
        }
      }
      run.setStatus(plan.status());
    }

    void mapPods(UnaryOperator<Pod> f) {
      pods.replaceAll(f);
    }

    SarmaeJobStatus status() {
      return run.getStatus();
    }
  }

  static World started(CustomResource<? extends JobSpecCommon, SarmaeJobStatus> r) {
    World w = new World(r);
    w.pass(T0);
    w.mapPods(p -> Pods.running(p, "10.0.0.1"));
    w.pass(T0.plusSeconds(5));
    return w;
  }

  static Condition cond(SarmaeJobStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  static void assertIdle(World w, Instant now) {
    SarmaeJobStatus before = w.status();
    Plan again =
        Planner.plan(
            w.run, new Observed(List.copyOf(w.pods), w.progress, w.pretrain), now, SETTINGS);
    assertThat(again.actions()).as("second pass writes nothing").isEmpty();
    assertThat(again.status()).usingRecursiveComparison().isEqualTo(before);
    assertThat(again.events()).isEmpty();
  }

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

  /**
   * Where the API server does not enforce CEL, an edit of an immutable field used to be accepted
   * silently (observedGeneration advanced, nothing changed). Now it is rejected with a condition
   * and an event; the running pods continue, and no new pod group starts on a spec the pods were
   * not rendered from until the edit is reverted.
   */
  @Test
  void anImmutableEditIsRejectedWhileTheRunningPodsContinue() {
    var r = Fixtures.tinyPretrain();
    World w = started(r);
    assertThat(cond(w.status(), "SpecAccepted").getStatus()).isEqualTo("True");
    String digest = w.status().getAcceptedSpecDigest();
    assertThat(digest).hasSize(64);
    r.getSpec().getOptim().setEpochs(5);
    r.getMetadata().setGeneration(2L);
    Plan plan = w.pass(T0.plusSeconds(30));
    assertThat(w.status().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(plan.actions()).isEmpty();
    assertThat(w.status().getObservedGeneration()).isEqualTo(2L);
    assertThat(w.status().getAcceptedGeneration()).isEqualTo(1L);
    assertThat(w.status().getAcceptedSpecDigest()).isEqualTo(digest);
    var accepted = cond(w.status(), "SpecAccepted");
    assertThat(accepted.getStatus()).isEqualTo("False");
    assertThat(accepted.getReason()).isEqualTo("SpecRejected");
    assertThat(accepted.getMessage()).contains("generation 2", "generation 1");
    assertThat(plan.events())
        .singleElement()
        .matches(e -> e.warning() && e.reason().equals("SpecRejected"));
    assertIdle(w, T0.plusSeconds(31));

    // The pod fails retryably: the next group waits for the edit to be reverted.
    w.mapPods(p -> Pods.exited(p, 1, "Error", null));
    w.pass(T0.plusSeconds(40));
    w.pass(T0.plusSeconds(200));
    assertThat(w.pods).isEmpty();
    assertThat(w.status().getReason()).isEqualTo("SpecRejected");
    r.getSpec().getOptim().setEpochs(2);
    r.getMetadata().setGeneration(3L);
    w.pass(T0.plusSeconds(210));
    assertThat(w.pods).singleElement();
    assertThat(w.status().getAttempt()).isEqualTo(2);
    assertThat(cond(w.status(), "SpecAccepted").getStatus()).isEqualTo("True");
    assertThat(w.status().getAcceptedGeneration()).isEqualTo(3L);
  }

  @Test
  void mutableEditsTakeEffectAtOnce() {
    var r = Fixtures.tinyPretrain();
    World w = started(r);
    r.getSpec().setActiveDeadlineSeconds(60L);
    r.getSpec().getFailurePolicy().setBackoffLimit(7);
    r.getMetadata().setGeneration(2L);
    w.pass(T0.plusSeconds(30));
    assertThat(cond(w.status(), "SpecAccepted").getStatus()).isEqualTo("True");
    assertThat(w.status().getAcceptedGeneration()).isEqualTo(2L);
    assertThat(w.status().getProgress()).isNotNull();
    w.pass(T0.plusSeconds(65));
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(w.status().getReason()).isEqualTo("DeadlineExceeded");
  }

  @Test
  void aRandomTeacherWithoutConsentIsAnInvalidSpecNotRetried() {
    var r = Fixtures.tinyPretrain();
    r.getSpec().getAlignment().setRandomTeacher(null);
    r.getSpec().setTtlSecondsAfterFinished(null);
    World w = new World(r);
    Plan plan = w.pass(T0);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.requeueAfter()).isNull();
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("InvalidSpec");
    assertThat(cond(w.status(), "Failed").getMessage())
        .contains(
            "spec.opticalWeights: not set, so the frozen optical teacher (stem) would be a seeded"
                + " random patch projection and the alignment loss would align SAR features to"
                + " noise; give the teacher's weights (spec.opticalWeights), or set"
                + " spec.alignment.randomTeacher: true to train against a random teacher on"
                + " purpose, or spec.alignment.enabled: false");
    assertThat(plan.events())
        .singleElement()
        .matches(e -> e.warning() && e.reason().equals("InvalidSpec"));
    assertIdle(w, T0.plusSeconds(60));
  }

  @Test
  void aDetectionFinetuneRunsAndItsMapLandsOnStatusAsThePrimaryMetric() {
    var ft = Fixtures.finetune40();
    ft.getSpec().setTask(io.sarmae.operator.api.v1alpha1.FinetuneTask.DETECTION);
    ft.getSpec().getProtocol().setType(io.sarmae.operator.api.v1alpha1.ProtocolType.ALL);
    ft.getSpec().getProtocol().setShots(null);
    ft.getSpec().getModel().setImageSize(null); // the task's default input side, 512
    World w = new World(ft);
    w.pretrain =
        new Observed.PretrainState(true, Phase.SUCCEEDED, Planner.finalWeights(Fixtures.vitB()));
    w.pass(T0);
    assertThat(w.pods).hasSize(1);
    assertThat(w.status().getConditions())
        .noneMatch(c -> c.getType().equals("Failed") && "True".equals(c.getStatus()));
    w.mapPods(p -> Pods.running(p, "10.0.0.3"));
    w.pass(T0.plusSeconds(10));
    // The termination message exactly as DetectionTask writes it (docs/trainer-contract.md).
    w.mapPods(
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"reason\":\"Succeeded\",\"message\":\"fine-tuning finished\","
                    + "\"primaryMetric\":\"mAP\",\"primaryMean\":63.5,\"primaryStd\":0.5,"
                    + "\"mAPMean\":63.5,\"mAPStd\":0.5,\"mAPBestMean\":64.0,\"mAPBestStd\":0.25,"
                    + "\"mAP\":[63.0,64.0],\"repeats\":2,"
                    + "\"results\":\"/checkpoints/det/output/results.json\"}"));
    w.pass(T0.plusSeconds(100));
    var result = w.status().getResult();
    assertThat(result.getPrimaryMetric()).isEqualTo("mAP");
    assertThat(result.getPrimaryMean()).isEqualTo(63.5);
    assertThat(result.getPrimaryStd()).isEqualTo(0.5);
    assertThat(result.getPrimary()).containsExactly(63.0, 64.0);
    assertThat(result.getResults()).isEqualTo("/checkpoints/det/output/results.json");
    assertThat(result.getTop1Mean()).isNull();
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cond(w.status(), "Succeeded").getMessage()).isEqualTo("finished: mAP 63.50 ± 0.50");
  }

  @Test
  void invalidSpecFailsOnceWithoutRetry() {
    var r = Fixtures.tinyPretrain();
    r.getSpec().setReplicas(1001);
    r.getSpec().setTtlSecondsAfterFinished(null);
    World w = new World(r);
    Plan plan = w.pass(T0);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.requeueAfter()).isNull();
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("InvalidSpec");
    assertThat(cond(w.status(), "Failed").getMessage()).contains("replicas must be 1 to 1000");
    assertThat(plan.events())
        .singleElement()
        .matches(e -> e.warning() && e.reason().equals("InvalidSpec"));
    assertIdle(w, T0.plusSeconds(60));
  }

  @Test
  void finetuneWaitsForItsPretrainThenStartsFromTheFinalCheckpoint() {
    SarmaeFinetune ft = Fixtures.finetune40();
    World w = new World(ft);
    w.pass(T0);
    assertThat(w.status().getPhase()).isEqualTo(Phase.PENDING);
    assertThat(cond(w.status(), "WaitingForPretrain").getReason()).isEqualTo("PretrainNotFound");
    assertThat(w.last.requeueAfter()).isEqualTo(SETTINGS.waitInterval());
    SarmaePretrain pre = Fixtures.vitB();
    w.pretrain = new Observed.PretrainState(true, Phase.RUNNING, null);
    w.pass(T0.plusSeconds(30));
    assertThat(cond(w.status(), "WaitingForPretrain").getReason()).isEqualTo("PretrainNotFinished");
    assertThat(cond(w.status(), "WaitingForPretrain").getStatus()).isEqualTo("True");
    assertThat(w.pods).isEmpty();
    assertIdle(w, T0.plusSeconds(40));
    w.pretrain = new Observed.PretrainState(true, Phase.SUCCEEDED, Planner.finalWeights(pre));
    w.pass(T0.plusSeconds(60));
    assertThat(w.pods).singleElement();
    assertThat(cond(w.status(), "WaitingForPretrain").getStatus()).isEqualTo("False");
    assertThat(w.status().getPretrainedWeights())
        .isEqualTo("pvc://sarmae-checkpoints/sarmae-vit-b/final");
    var createdConfig =
        w.last.actions().stream()
            .map(a -> ((Plan.Create) a).object())
            .filter(o -> o.getKind().equals("ConfigMap"))
            .findFirst()
            .orElseThrow();
    assertThat(
            ((io.fabric8.kubernetes.api.model.ConfigMap) createdConfig)
                .getData()
                .get("config.yaml"))
        .contains("init: /checkpoints/sarmae-vit-b/final");
  }

  @Test
  void finetuneRestartsFromTheWeightsResolvedAtStartEvenIfThePretrainIsGone() {
    World w = new World(Fixtures.finetune40());
    w.pretrain =
        new Observed.PretrainState(true, Phase.SUCCEEDED, Planner.finalWeights(Fixtures.vitB()));
    w.pass(T0);
    w.mapPods(p -> Pods.running(p, "10.0.0.3"));
    w.pass(T0.plusSeconds(10));
    w.mapPods(Pods::evicted);
    w.pass(T0.plusSeconds(20));
    w.pretrain = Observed.PretrainState.missing();
    w.pass(T0.plusSeconds(40));
    assertThat(w.pods).singleElement();
    assertThat(w.status().getAttempt()).isEqualTo(2);
  }

  @Test
  void finetuneResultsLandOnStatus() {
    SarmaeFinetune ft = Fixtures.finetune40();
    World w = new World(ft);
    w.pretrain =
        new Observed.PretrainState(true, Phase.SUCCEEDED, Planner.finalWeights(Fixtures.vitB()));
    w.pass(T0);
    w.mapPods(p -> Pods.running(p, "10.0.0.3"));
    w.pass(T0.plusSeconds(10));
    w.mapPods(
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"reason\":\"Succeeded\",\"top1Mean\":89.3,\"top1Std\":0.4,\"top1\":[89.0,89.6]}"));
    w.pass(T0.plusSeconds(100));
    assertThat(w.status().getResult().getTop1Mean()).isEqualTo(89.3);
    assertThat(w.status().getResult().getTop1()).containsExactly(89.0, 89.6);
    // A trainer from before tasks sends top1* only: that is classification's primary metric.
    assertThat(w.status().getResult().getPrimaryMetric()).isEqualTo("top1");
    assertThat(w.status().getResult().getPrimaryMean()).isEqualTo(89.3);
    assertThat(w.status().getResult().getPrimary()).containsExactly(89.0, 89.6);
    assertThat(cond(w.status(), "Succeeded").getMessage()).isEqualTo("finished: top1 89.30 ± 0.40");
  }

  @Test
  void segmentationResultsLandOnStatusUnderThePrimaryMetric() {
    SarmaeFinetune ft = Fixtures.finetune40();
    ft.getSpec().setTask(io.sarmae.operator.api.v1alpha1.FinetuneTask.SEGMENTATION);
    ft.getSpec().getProtocol().setType(io.sarmae.operator.api.v1alpha1.ProtocolType.ALL);
    ft.getSpec().getProtocol().setShots(null);
    World w = new World(ft);
    w.pretrain =
        new Observed.PretrainState(true, Phase.SUCCEEDED, Planner.finalWeights(Fixtures.vitB()));
    w.pass(T0);
    w.mapPods(p -> Pods.running(p, "10.0.0.3"));
    w.pass(T0.plusSeconds(10));
    w.mapPods(
        p ->
            Pods.exited(
                p,
                0,
                "Completed",
                "{\"exitCode\":0,\"reason\":\"Succeeded\",\"message\":\"fine-tuning finished\","
                    + "\"primaryMetric\":\"mIoU\",\"primaryMean\":41.25,\"primaryStd\":1.5,"
                    + "\"mIoUMean\":41.25,\"mIoUStd\":1.5,\"mIoU\":[40.2,42.3],\"repeats\":2,"
                    + "\"results\":\"/checkpoints/seg/output/results.json\"}"));
    w.pass(T0.plusSeconds(100));
    var result = w.status().getResult();
    assertThat(result.getPrimaryMetric()).isEqualTo("mIoU");
    assertThat(result.getPrimaryMean()).isEqualTo(41.25);
    assertThat(result.getPrimaryStd()).isEqualTo(1.5);
    assertThat(result.getPrimary()).containsExactly(40.2, 42.3);
    assertThat(result.getResults()).isEqualTo("/checkpoints/seg/output/results.json");
    assertThat(result.getTop1Mean()).isNull();
    assertThat(w.status().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cond(w.status(), "Succeeded").getMessage()).isEqualTo("finished: mIoU 41.25 ± 1.50");
  }

  @Test
  void finetuneFailsWhenItsPretrainFailed() {
    World w = new World(Fixtures.finetune40());
    w.pretrain = new Observed.PretrainState(true, Phase.FAILED, null);
    w.pass(T0);
    assertThat(w.status().getPhase()).isEqualTo(Phase.FAILED);
    assertThat(cond(w.status(), "Failed").getReason()).isEqualTo("PretrainFailed");
  }

  @Test
  void podsOfAnEarlierAttemptAreDeletedAndAHandledFailureIsNotCountedTwice() {
    World w = started(Fixtures.tinyPretrain());
    w.mapPods(p -> Pods.exited(p, 1, "Error", null));
    List<Pod> failedPods = List.copyOf(w.pods);
    w.pass(T0.plusSeconds(60));
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
    // A lagging cache still shows the failed pod: delete again, count once.
    w.pods.addAll(failedPods);
    Plan lag = w.pass(T0.plusSeconds(61));
    assertThat(lag.actions())
        .containsExactly(
            new Plan.DeletePods(List.of("tiny-cpu-worker-0"), "restart after RetryableExitCode"));
    assertThat(w.status().getFailedAttempts()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- multi-pod groups

  static SarmaePretrain ranks(int replicas) {
    SarmaePretrain r = Fixtures.tinyTwoRanks();
    r.getSpec().setReplicas(replicas);
    return r;
  }

  static UnaryOperator<Pod> rank(int index, UnaryOperator<Pod> f) {
    return p -> PodView.index(p) == index ? f.apply(p) : p;
  }

  static List<String> podNames(World w) {
    return w.pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

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

  static ProgressReport report(long step, double loss) {
    return new ProgressReport(
        "pretrain",
        "Training",
        0,
        2,
        step,
        9000L,
        1.3333,
        loss,
        loss - 0.1,
        0.05,
        1.0e-4,
        123.45,
        3600L,
        null,
        "2026-11-26T10:00:00Z",
        "2026-11-26T10:00:30Z");
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
