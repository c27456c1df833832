package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Pods;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Spec edits (immutable, mutable, invalid) and the fine-tune lifecycle: the wait for its
 * pretraining, its results per task.
 */
class PlannerSpecAndFinetuneTest extends PlannerWorld {
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
}
