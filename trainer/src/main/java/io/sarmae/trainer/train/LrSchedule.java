package io.sarmae.trainer.train;

/**
 * Linear warmup then half-cosine decay, evaluated at a fractional epoch {@code t = epoch +
 * it/itersPerEpoch} (reference §5.2, {@code lr_sched.adjust_learning_rate}).
 */
public record LrSchedule(double peakLr, double minLr, double warmupEpochs, double epochs) {

  /** The learning rate at fractional epoch {@code t}. */
  public double at(double t) {
    if (t < warmupEpochs) {
      return peakLr * t / warmupEpochs;
    }
    double span = epochs - warmupEpochs;
    if (span <= 0) {
      return peakLr;
    }
    double progress = Math.min(1.0, (t - warmupEpochs) / span);
    return minLr + (peakLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
  }
}
