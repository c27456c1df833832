package io.sarmae.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns what every training loop does between backward and the optimizer update (reference §5.3): a
 * step whose loss or gradient is not finite is skipped (gradients discarded, counted), and the run
 * stops as diverged (exit code 4) when
 *
 * <ul>
 *   <li>{@code optim.maxSkippedSteps} steps in a row were skipped, or
 *   <li>more than {@code max(optim.maxSkippedSteps, optim.maxSkippedFraction x attempted)} steps
 *       were skipped in all, or
 *   <li>at the end ({@link #requireHealthy}), more than {@code optim.maxSkippedFraction} of the
 *       attempted steps were skipped, or a weight is not finite: such a run is never published.
 * </ul>
 *
 * The counts are those of the run (or fine-tuning repeat) and survive a resume through {@link
 * #restore}.
 */
public final class StepGuard {
  private static final Logger LOG = LoggerFactory.getLogger(StepGuard.class);

  private final Gradients gradients;
  private final int maxSkippedSteps;
  private final double maxSkippedFraction;
  private final RunReporter reporter;
  private long taken;
  private long skipped;
  private int consecutive;

  public StepGuard(
      Gradients gradients, int maxSkippedSteps, double maxSkippedFraction, RunReporter reporter) {
    this.gradients = gradients;
    this.maxSkippedSteps = maxSkippedSteps;
    this.maxSkippedFraction = maxSkippedFraction;
    this.reporter = reporter;
  }

  /** Continues the counts of a resumed run. */
  public void restore(long takenSteps, long skippedSteps) {
    taken = takenSteps;
    skipped = skippedSteps;
    consecutive = 0;
  }

  /** Steps skipped so far. */
  public long skipped() {
    return skipped;
  }

  /**
   * Decides the step whose gradients are accumulated: returns their global norm when the step may
   * be applied, or NaN after discarding them when the loss ({@code lossFinite} false) or the
   * gradient is not finite. Throws exit code 4 when the skips pass a bound.
   */
  public double check(boolean lossFinite) {
    double norm = lossFinite ? gradients.norm() : Double.NaN;
    if (Double.isFinite(norm)) {
      consecutive = 0;
      taken++;
      return norm;
    }
    gradients.zero();
    skipped++;
    consecutive++;
    reporter.skippedStep();
    LOG.warn(
        "Step {}: non-finite {} - step skipped ({} in a row, {} of {} in all)",
        taken + 1,
        lossFinite ? "gradient" : "loss",
        consecutive,
        skipped,
        taken + skipped);
    if (consecutive >= maxSkippedSteps) {
      throw diverged(
          consecutive
              + " consecutive steps had a non-finite loss or gradient (optim.maxSkippedSteps)");
    }
    if (skipped > Math.max(maxSkippedSteps, maxSkippedFraction * (taken + skipped))) {
      throw diverged(tooMany());
    }
    return Double.NaN;
  }

  /**
   * The end-of-run check before anything is published: the share of skipped steps within {@code
   * optim.maxSkippedFraction}, and every weight finite.
   */
  public void requireHealthy(Map<String, Parameter> named) {
    if (skipped > maxSkippedFraction * (taken + skipped)) {
      throw diverged(tooMany());
    }
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray w = e.getValue().getArray();
      try (NDManager m = w.getManager().newSubManager()) {
        NDArray nan = w.isNaN(); // same shape as w
        nan.attach(m);
        NDArray inf = w.isInfinite();
        inf.attach(m);
        if (nan.logicalOr(inf).any().getBoolean()) { // ()
          throw diverged("weight " + e.getKey() + " is not finite; the model is not published");
        }
      }
    }
  }

  private String tooMany() {
    return skipped
        + " of "
        + (taken + skipped)
        + " steps had a non-finite loss or gradient, more than optim.maxSkippedFraction="
        + maxSkippedFraction;
  }

  private static TrainerException diverged(String why) {
    return new TrainerException(
        ExitCodes.DIVERGED, "Diverged", why + "; lower optim.lr/blr or check the data");
  }
}
