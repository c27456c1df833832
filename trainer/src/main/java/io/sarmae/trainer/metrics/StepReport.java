package io.sarmae.trainer.metrics;

import java.util.Locale;

/**
 * What a training loop tells {@link RunReporter#step} about one optimizer step, one record per
 * mode. Both carry the total loss, lr, global gradient norm (before clipping), the images of the
 * step and the run's skipped samples and steps; pretraining adds its two loss terms.
 */
public sealed interface StepReport {
  /** 0-based epoch the step belongs to. */
  int epoch();

  /** Optimizer steps done, this one included. */
  long step();

  double loss();

  double lr();

  double gradNorm();

  /** Images in this step (all ranks). */
  int images();

  long skippedSamples();

  long skippedSteps();

  /** The MAE term (the {@code mae_loss} series; fine-tuning reports its task loss there). */
  double mae();

  /** The alignment term (NaN when the mode has none). */
  double align();

  /** The alignment term's weight (0 when the mode has none). */
  double alignWeight();

  /** The loss terms for a text log line, after the total ({@code ""} when there are none). */
  String termsForLog();

  /** A pretraining step: {@code loss = maeWeight * mae + alignWeight * align}. */
  record Pretrain(
      int epoch,
      long step,
      double loss,
      double mae,
      double align,
      double alignWeight,
      double lr,
      double gradNorm,
      int images,
      long skippedSamples,
      long skippedSteps)
      implements StepReport {
    @Override
    public String termsForLog() {
      return String.format(Locale.ROOT, " (mae %.4f align %.4f x%.2f)", mae, align, alignWeight);
    }
  }

  /** A fine-tuning step of any task: one loss. */
  record Finetune(
      int epoch,
      long step,
      double loss,
      double lr,
      double gradNorm,
      int images,
      long skippedSamples,
      long skippedSteps)
      implements StepReport {
    @Override
    public double mae() {
      return loss;
    }

    @Override
    public double align() {
      return Double.NaN;
    }

    @Override
    public double alignWeight() {
      return 0;
    }

    @Override
    public String termsForLog() {
      return "";
    }
  }
}
