package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.model.Dense;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one non-finite step guard of both training loops. */
class StepGuardTest {

  /** A Dense(3, 2) with the gradients of one backward pass, and a guard over them. */
  private record Setup(StepGuard guard, Map<String, Parameter> named, TrainingMetrics metrics) {}

  private static Setup setup(NDManager m, Path dir, int maxSkipped, double fraction) {
    Dense dense = new Dense(3, 2);
    dense.initialize(m);
    ParameterStore ps = new ParameterStore(m, false);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(dense.apply(ps, m.ones(new ai.djl.ndarray.types.Shape(4, 3)), true).sum());
    }
    Map<String, Parameter> named = new java.util.LinkedHashMap<>();
    dense.collectReferenceParameters("", named);
    TrainingMetrics metrics = new TrainingMetrics("pretrain");
    RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
    Gradients gradients = new Gradients(ps, named.values().stream().toList(), Device.cpu());
    return new Setup(new StepGuard(gradients, maxSkipped, fraction, reporter), named, metrics);
  }

  @Test
  void finiteStepsPassWithTheirNormAndSkipsAreCountedAndZeroTheGradients(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      Setup s = setup(m, dir, 3, 0.5);
      double norm = s.guard().check(true);
      // d(sum(xW^T + b))/dW = 4 per weight (6 of them), /db = 4 per bias (2): sqrt(8 * 16)
      assertThat(norm).isCloseTo(Math.sqrt(8 * 16.0), org.assertj.core.api.Assertions.within(1e-4));
      assertThat(s.guard().check(false)).isNaN();
      assertThat(s.guard().skipped()).isEqualTo(1);
      // the skipped step's gradients are gone
      assertThat(s.guard().check(true)).isZero();
      s.metrics().close();
    }
  }

  @Test
  void consecutiveSkipsStopTheRun(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      Setup s = setup(m, dir, 3, 1.0);
      s.guard().check(false);
      s.guard().check(false);
      assertThatThrownBy(() -> s.guard().check(false))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DIVERGED))
          .hasMessageContaining("3 consecutive steps");
      s.metrics().close();
    }
  }

  @Test
  void skipsAboveTheFractionStopTheRunOnceAboveMaxSkippedSteps(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      Setup s = setup(m, dir, 2, 0.25);
      // alternate: never 2 in a row; 3 skipped of 5 > max(2, 1.25) fails at the third skip
      s.guard().check(false);
      s.guard().check(true);
      s.guard().check(false);
      s.guard().check(true);
      assertThatThrownBy(() -> s.guard().check(false))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DIVERGED))
          .hasMessageContaining("3 of 5 steps")
          .hasMessageContaining("optim.maxSkippedFraction");
      s.metrics().close();
    }
  }

  @Test
  void theEndOfRunCheckBoundsTheShareOfSkipsAndRefusesNonFiniteWeights(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      Setup s = setup(m, dir, 100, 0.25);
      s.guard().restore(3, 0);
      s.guard().check(false); // 1 of 4 = 0.25: allowed
      s.guard().requireHealthy(s.named());
      s.guard().check(false); // 2 of 5 = 0.4
      assertThatThrownBy(() -> s.guard().requireHealthy(s.named()))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DIVERGED))
          .hasMessageContaining("2 of 5 steps");
      s.metrics().close();

      Setup healthy = setup(m, dir, 100, 0.25);
      healthy.named().get("bias").getArray().set(new float[] {0f, Float.POSITIVE_INFINITY});
      assertThatThrownBy(() -> healthy.guard().requireHealthy(healthy.named()))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DIVERGED))
          .hasMessageContaining("weight bias is not finite");
      healthy.metrics().close();
    }
  }
}
