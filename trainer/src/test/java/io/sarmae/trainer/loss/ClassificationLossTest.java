package io.sarmae.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.finetune.MixUp;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClassificationLossTest {

  /** timm LabelSmoothingCrossEntropy(0.1): 0.9 * NLL(y) + 0.1 * mean_c(-log p_c), by hand. */
  @Test
  void smoothedLossIsTimmsLabelSmoothingCrossEntropy() {
    float[] z = {2.0f, -1.0f, 0.5f, 0.0f, 1.0f, 3.0f};
    int[] y = {0, 2};
    double expected = 0;
    for (int b = 0; b < 2; b++) {
      double max = Math.max(z[3 * b], Math.max(z[3 * b + 1], z[3 * b + 2]));
      double lse = 0;
      for (int c = 0; c < 3; c++) {
        lse += Math.exp(z[3 * b + c] - max);
      }
      lse = Math.log(lse) + max;
      double nll = lse - z[3 * b + y[b]];
      double meanNeg = 0;
      for (int c = 0; c < 3; c++) {
        meanNeg += (lse - z[3 * b + c]) / 3;
      }
      expected += (0.9 * nll + 0.1 * meanNeg) / 2;
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(z, new Shape(2, 3));
      float got =
          ClassificationLoss.softTargetCrossEntropy(
                  logits, ClassificationLoss.smoothedTargets(y, 3, 0.1))
              .getFloat();
      assertThat((double) got).isCloseTo(expected, within(1e-6));
    }
  }

  /** §9 item 17: zero logits give ln C whatever the smoothing. */
  @Test
  void zeroLogitsGiveLnC() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.zeros(new Shape(4, 10));
      float got =
          ClassificationLoss.softTargetCrossEntropy(
                  logits, ClassificationLoss.smoothedTargets(new int[] {0, 3, 9, 9}, 10, 0.1))
              .getFloat();
      assertThat((double) got).isCloseTo(Math.log(10), within(1e-6));
    }
  }

  @Test
  void targetsSumToOneAndMixupKeepsThat() {
    float[] t = ClassificationLoss.smoothedTargets(new int[] {1, 0, 2, 2}, 3, 0.1);
    assertThat(t[1]).isCloseTo(0.9f + 0.1f / 3, within(1e-7f));
    FinetuneConfig.Augment a = new FinetuneConfig.Augment();
    a.mixup = 0.8;
    a.cutmix = 1.0;
    float[] x = new float[4 * 8 * 8];
    for (int seed = 0; seed < 5; seed++) {
      float[] mixed = MixUp.apply(a, x, t, 4, 1, 8, 3, new SplittableRandom(seed));
      for (int b = 0; b < 4; b++) {
        assertThat(mixed[3 * b] + mixed[3 * b + 1] + mixed[3 * b + 2]).isCloseTo(1f, within(1e-6f));
      }
    }
  }

  @Test
  void argMaxPicksTheHighestScore() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(new float[] {0, 5, 1, 7, 2, 3}, new Shape(2, 3));
      assertThat(ClassificationLoss.argMax(logits)).containsExactly(1, 0);
    }
  }
}
