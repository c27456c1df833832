package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWLrScaleTest {

  /**
   * A per-parameter lr multiplier scales the step and the decoupled decay exactly like a PyTorch
   * param group with {@code lr * lr_scale} (layer-wise decay).
   */
  @Test
  void lrScaleActsLikeAParamGroupLearningRate() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {1f});
      NDArray b = m.create(new float[] {1f});
      AdamW scaled = new AdamW(0.9, 0.999, 1e-8, Map.of("a", 0.05f), Map.of("a", 0.25f), m);
      AdamW plain = new AdamW(0.9, 0.999, 1e-8, Map.of("b", 0.05f), m);
      scaled.beginStep(1, 0.1, 1.0);
      scaled.update("a", a, m.create(new float[] {2f}));
      plain.beginStep(1, 0.025, 1.0);
      plain.update("b", b, m.create(new float[] {2f}));
      assertThat(a.getFloat(0)).isCloseTo(b.getFloat(0), within(1e-7f));
      // first Adam step moves by ~lr: 1 * (1 - 0.025 * 0.05) - 0.025
      assertThat((double) a.getFloat(0)).isCloseTo(1 - 0.025 * 0.05 - 0.025, within(1e-6));
    }
  }
}
