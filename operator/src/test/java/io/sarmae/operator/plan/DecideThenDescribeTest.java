package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.TrainingProgress;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.progress.ProgressReport;
import io.sarmae.operator.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The planner's pieces on their own, without a pod: the fine-tune gate's decisions, the status
 * calculator's conditions for a verdict, and the progress mapper's rounding and equality.
 */
class DecideThenDescribeTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static Context context(SarmaeFinetune run, SarmaeJobStatus previous) {
    return new Context(
        run,
        run.getSpec(),
        previous,
        Observed.pods(List.of()),
        List.of(),
        List.of(),
        T0,
        Timestamps.format(T0),
        Planner.Settings.defaults(),
        KindStrategy.of(run));
  }

  private static Verdict verdict(Phase phase, String reason, Gate gate) {
    return new Verdict(
        phase, reason, "why", null, null, gate, null, false, List.of(), List.of(), null);
  }

  private static Condition condition(SarmaeJobStatus status, String type) {
    return Conditions.find(status.getConditions(), type);
  }

  @Test
  void aFinetuneWaitsForItsPretrainingThenStartsFromItsFinalModel() {
    SarmaeFinetune run = Fixtures.finetune40();
    KindStrategy kind = KindStrategy.of(run);
    SarmaeJobStatus status = new SarmaeJobStatus();

    Gate.Decision missing = kind.open(Observed.pods(List.of()), status);
    assertThat(missing).isInstanceOf(Gate.Wait.class);
    Gate.Wait wait = (Gate.Wait) missing;
    assertThat(wait.runReason()).isEqualTo("WaitingForPretrain");
    assertThat(wait.gate())
        .isEqualTo(
            new Gate(
                "WaitingForPretrain",
                true,
                "PretrainNotFound",
                "SarmaePretrain sarmae-vit-b does not exist yet"));

    WeightsRef weights = Planner.finalWeights(Fixtures.vitB());
    Gate.Decision done =
        kind.open(
            new Observed(
                List.of(), null, new Observed.PretrainState(true, Phase.SUCCEEDED, weights)),
            status);
    assertThat(done).isInstanceOf(Gate.Open.class);
    assertThat(((Gate.Open) done).weights()).isSameAs(weights);
    assertThat(((Gate.Open) done).gate().closed()).isFalse();
    assertThat(status.getPretrainedWeights())
        .isEqualTo("pvc://sarmae-checkpoints/sarmae-vit-b/final");

    // Once resolved, a restart no longer looks at the pretraining (it may be gone by then).
    Gate.Decision restart = kind.open(Observed.pods(List.of()), status);
    assertThat(((Gate.Open) restart).gate()).isNull();
    assertThat(((Gate.Open) restart).weights().getPath()).isEqualTo("sarmae-vit-b/final");
  }

  @Test
  void aFailedPretrainingFailsTheFinetune() {
    Gate.Decision decision =
        KindStrategy.of(Fixtures.finetune40())
            .open(
                new Observed(List.of(), null, new Observed.PretrainState(true, Phase.FAILED, null)),
                new SarmaeJobStatus());
    assertThat(decision).isInstanceOf(Gate.Fail.class);
    assertThat(((Gate.Fail) decision).runReason()).isEqualTo("PretrainFailed");
    assertThat(((Gate.Fail) decision).gate().closed()).isFalse();
  }

  @Test
  void aPretrainingHasNoGate() {
    KindStrategy kind = KindStrategy.of(Fixtures.tinyPretrain());
    assertThat(kind.gateConditions()).isEmpty();
    assertThat(kind.open(Observed.pods(List.of()), new SarmaeJobStatus()))
        .isEqualTo(new Gate.Open(null, null));
  }

  @Test
  void aClosedGateReportsItsConditionAndAnUnseenGateKeepsIt() {
    SarmaeFinetune run = Fixtures.finetune40();
    Gate closed = new Gate("WaitingForPretrain", true, "PretrainNotFinished", "waiting");
    SarmaeJobStatus waiting = new SarmaeJobStatus();
    Plan first =
        StatusCalculator.plan(
            context(run, new SarmaeJobStatus()),
            waiting,
            verdict(Phase.PENDING, "WaitingForPretrain", closed));
    assertThat(condition(first.status(), "WaitingForPretrain").getStatus()).isEqualTo("True");
    assertThat(condition(first.status(), "Reconciling").getStatus()).isEqualTo("True");
    assertThat(first.events())
        .containsExactly(new Plan.Event(false, "WaitingForPretrain", "Pending: why"));

    Plan later =
        StatusCalculator.plan(
            context(run, first.status()),
            new SarmaeJobStatus(),
            verdict(Phase.RUNNING, "Training", null));
    Condition kept = condition(later.status(), "WaitingForPretrain");
    assertThat(kept.getReason()).isEqualTo("PretrainNotFinished");
    assertThat(kept.getLastTransitionTime()).isEqualTo(Timestamps.format(T0));
    assertThat(condition(later.status(), "Ready").getStatus()).isEqualTo("True");
  }

  @Test
  void aStalledVerdictIsStalledButNotReconcilingAndWarnsOnce() {
    SarmaeFinetune run = Fixtures.finetune40();
    Verdict stalled =
        new Verdict(
            Phase.PENDING,
            "Unschedulable",
            "no node",
            new Verdict.ConditionValue(false, "Unschedulable", "no node"),
            new Verdict.ConditionValue(true, "PendingTimeout", "pending too long"),
            null,
            null,
            false,
            List.of(),
            List.of(),
            Duration.ofSeconds(5));
    Plan plan =
        StatusCalculator.plan(context(run, new SarmaeJobStatus()), new SarmaeJobStatus(), stalled);
    assertThat(condition(plan.status(), "Stalled").getReason()).isEqualTo("PendingTimeout");
    assertThat(condition(plan.status(), "Reconciling").getStatus()).isEqualTo("False");
    assertThat(condition(plan.status(), "Scheduled").getReason()).isEqualTo("Unschedulable");
    assertThat(plan.events()).contains(new Plan.Event(true, "PendingTimeout", "pending too long"));
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(5));

    Plan again = StatusCalculator.plan(context(run, plan.status()), new SarmaeJobStatus(), stalled);
    assertThat(again.events()).noneMatch(e -> e.reason().equals("PendingTimeout"));
  }

  @Test
  void progressIsRoundedOnceAndOnlyARoundedChangeIsNews() {
    ProgressReport report =
        new ProgressReport(
            "pretrain",
            "Training",
            1,
            10,
            40L,
            400L,
            10.004,
            0.123456,
            null,
            null,
            1.5e-4,
            12.34,
            3600L,
            null,
            null,
            null);
    TrainingProgress first = ProgressMapper.apply(new TrainingProgress(), report, "t1");
    assertThat(first.getPercent()).isEqualTo(10.0);
    assertThat(first.getLoss()).isEqualTo(0.1235);
    assertThat(first.getImagesPerSecond()).isEqualTo(12.3);
    assertThat(first.getEta()).isEqualTo("1h");
    assertThat(first.getStepAdvancedAt()).isEqualTo("t1");
    assertThat(first.getLastUpdated()).isEqualTo("t1");

    ProgressReport noise =
        new ProgressReport(
            "pretrain",
            "Training",
            1,
            10,
            40L,
            400L,
            10.001,
            0.123461,
            null,
            null,
            1.5e-4,
            12.31,
            3600L,
            null,
            null,
            null);
    TrainingProgress second = ProgressMapper.apply(first, noise, "t2");
    assertThat(ProgressMapper.same(first, second)).isTrue();
    assertThat(second.getLastUpdated()).isEqualTo("t1");
    assertThat(second.getStepAdvancedAt()).isEqualTo("t1");

    TrainingProgress third =
        ProgressMapper.apply(
            second,
            new ProgressReport(
                "pretrain",
                "Training",
                1,
                10,
                null,
                400L,
                10.001,
                0.2,
                null,
                null,
                1.5e-4,
                12.31,
                3600L,
                null,
                null,
                null),
            "t3");
    assertThat(third.getStep()).isEqualTo(40L);
    assertThat(third.getStepAdvancedAt()).isEqualTo("t1");
    assertThat(third.getLastUpdated()).isEqualTo("t3");
  }
}
