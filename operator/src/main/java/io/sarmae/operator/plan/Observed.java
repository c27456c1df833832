package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.kueue.KueueState;
import io.sarmae.operator.progress.ProgressReport;
import java.util.List;
import java.util.Set;

/**
 * What the operator saw about one run in this pass.
 *
 * @param pods pods labelled with the run, of any attempt
 * @param progress the rank-0 trainer's progress read in this pass, or null when not read
 * @param pretrain for a fine-tune with {@code fromPretrain}: the referenced run; otherwise null
 * @param kueue for a run queued through Kueue: its Workload; otherwise null
 * @param livenessKilled UIDs of failed pods whose trainer the kubelet killed for a failing liveness
 *     probe (its {@code Killing} event, read by the controller)
 */
public record Observed(
    List<Pod> pods,
    ProgressReport progress,
    PretrainState pretrain,
    KueueState kueue,
    Set<String> livenessKilled) {

  public Observed(List<Pod> pods, ProgressReport progress, PretrainState pretrain) {
    this(pods, progress, pretrain, null, Set.of());
  }

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
