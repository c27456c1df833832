package io.sarmae.trainer.pretrain;

import io.sarmae.trainer.config.TrainerConfig.WeightSchedule;

/**
 * The alignment-loss weight over training. The reference's {@code --loss_schedule cosine} is a
 * no-op (its rules look up a key named {@code contrastive} that does not exist, §3.7); this
 * implements the rules those flags were written to apply, evaluated every step at {@code s = t /
 * epochs}:
 *
 * <ul>
 *   <li>{@code constant}: {@code w0} (what the reference actually trains with);
 *   <li>{@code cosine}: {@code 0.1 + (w0 - 0.1) * (1 + cos(pi (1 - s))) / 2}, a ramp from 0.1 up to
 *       {@code w0};
 *   <li>{@code linear}: {@code w0 * (0.1 + 0.9 s)}.
 * </ul>
 *
 * The MAE weight is constant. All ranks compute the same value from the same step.
 */
public record LossWeightSchedule(
    WeightSchedule kind, double maeWeight, double alignWeight, double epochs) {

  /** The MAE-loss weight (constant). */
  public double mae(double t) {
    return maeWeight;
  }

  /** The alignment-loss weight at fractional epoch {@code t}. */
  public double align(double t) {
    double s = Math.max(0.0, Math.min(1.0, t / epochs));
    return switch (kind) {
      case CONSTANT -> alignWeight;
      case COSINE -> 0.1 + (alignWeight - 0.1) * 0.5 * (1.0 + Math.cos(Math.PI * (1.0 - s)));
      case LINEAR -> alignWeight * (0.1 + 0.9 * s);
    };
  }
}
