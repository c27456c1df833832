package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.progress.ProgressReport;
import java.util.List;

/**
 * What the operator saw about one run in this pass.
 *
 * @param pods pods labelled with the run, of any attempt
 * @param progress the rank-0 trainer's progress read in this pass, or null when not read
 * @param pretrain for a fine-tune with {@code fromPretrain}: the referenced run; otherwise null
 */
public record Observed(List<Pod> pods, ProgressReport progress, PretrainState pretrain) {

  /** State of the SarmaePretrain a fine-tune starts from. */
  public record PretrainState(boolean found, Phase phase, WeightsRef finalWeights) {
    public static PretrainState missing() {
      return new PretrainState(false, null, null);
    }
  }

  public static Observed pods(List<Pod> pods) {
    return new Observed(pods, null, null);
  }
}
