package io.sarmae.operator.plan;

import io.fabric8.kubernetes.client.CustomResource;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.resources.TrainerRun;
import java.util.List;

/** What differs between the kinds of run while planning: their gates and their trainer run. */
sealed interface KindStrategy permits KindStrategy.Pretrain, FinetuneGate {

  /** The one place that tells the kinds apart. */
  static KindStrategy of(CustomResource<? extends JobSpecCommon, SarmaeJobStatus> resource) {
    if (resource instanceof SarmaeFinetune finetune) {
      return new FinetuneGate(finetune);
    }
    return new Pretrain((SarmaePretrain) resource);
  }

  /** Condition types of this kind's gates, kept as they are while a pass does not look at them. */
  List<String> gateConditions();

  /**
   * Looks at the gates before a pod group starts. May record what it resolved in {@code status}
   * (for example the weights a fine-tune starts from, so that restarts do not look again).
   */
  Gate.Decision open(Observed observed, SarmaeJobStatus status);

  /** The trainer run of the next pod group. */
  TrainerRun trainerRun(WeightsRef weights);

  /** A pretraining has no gate. */
  record Pretrain(SarmaePretrain resource) implements KindStrategy {
    @Override
    public List<String> gateConditions() {
      return List.of();
    }

    @Override
    public Gate.Decision open(Observed observed, SarmaeJobStatus status) {
      return new Gate.Open(null, null);
    }

    @Override
    public TrainerRun trainerRun(WeightsRef weights) {
      return TrainerRun.of(resource);
    }
  }
}
