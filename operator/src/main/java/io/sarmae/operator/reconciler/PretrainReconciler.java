package io.sarmae.operator.reconciler;

import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.metrics.JobMetrics;

/** Reconciles {@link SarmaePretrain} runs. */
public final class PretrainReconciler extends SarmaeReconciler<SarmaePretrain> {
  public PretrainReconciler(JobController controller, JobMetrics metrics) {
    super(SarmaePretrain.class, "pretrain", controller, metrics);
  }
}
