package io.sarmae.operator.plan;

import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.resources.TrainerRun;
import java.util.List;

/**
 * A fine-tune's gate: it starts from pretrained weights, given by path or as the final model of a
 * SarmaePretrain ({@code fromPretrain}), which it waits for.
 */
record FinetuneGate(SarmaeFinetune resource) implements KindStrategy {

  @Override
  public List<String> gateConditions() {
    return List.of(Conditions.WAITING_FOR_PRETRAIN);
  }

  @Override
  public Gate.Decision open(Observed observed, SarmaeJobStatus status) {
    if (resource.getSpec().getPretrainedWeights() != null) {
      return new Gate.Open(
          resource.getSpec().getPretrainedWeights(),
          open("WeightsByPath", "pretrained weights are given by path"));
    }
    String ref = resource.getSpec().getFromPretrain();
    WeightsRef resolved = Planner.parsePvcUri(status.getPretrainedWeights());
    if (resolved != null) {
      // Resolved when the first attempt started: restarts do not depend on the pretrain object.
      return new Gate.Open(resolved, null);
    }
    Observed.PretrainState pretrain = observed.pretrain();
    if (pretrain == null || !pretrain.found()) {
      return waitFor("PretrainNotFound", "SarmaePretrain " + ref + " does not exist yet");
    }
    if (pretrain.phase() == Phase.FAILED) {
      return new Gate.Fail(
          "PretrainFailed",
          "SarmaePretrain " + ref + " failed; nothing to fine-tune",
          open("PretrainFailed", "SarmaePretrain " + ref + " failed"));
    }
    if (pretrain.phase() != Phase.SUCCEEDED) {
      return waitFor(
          "PretrainNotFinished",
          "waiting for SarmaePretrain "
              + ref
              + " to succeed (phase "
              + StatusCalculator.phaseName(pretrain.phase())
              + ")");
    }
    WeightsRef weights = pretrain.finalWeights();
    status.setPretrainedWeights("pvc://" + weights.getClaimName() + "/" + weights.getPath());
    return new Gate.Open(
        weights, open("PretrainSucceeded", "starting from " + status.getPretrainedWeights()));
  }

  private static Gate open(String reason, String message) {
    return new Gate(Conditions.WAITING_FOR_PRETRAIN, false, reason, message);
  }

  private static Gate.Decision waitFor(String reason, String message) {
    return new Gate.Wait(
        "WaitingForPretrain", new Gate(Conditions.WAITING_FOR_PRETRAIN, true, reason, message));
  }

  @Override
  public TrainerRun trainerRun(WeightsRef weights) {
    return TrainerRun.of(resource, weights);
  }
}
