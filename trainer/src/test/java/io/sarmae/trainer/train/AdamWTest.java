package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

  /** Three AdamW steps against PyTorch's update rule computed in double precision. */
  @Test
  void matchesPytorchAdamWWithAndWithoutDecay() {
    float[] w0 = {0.5f, -1.0f, 2.0f};
    float[] x = {1.0f, 3.0f, -2.0f};
    for (float wd : new float[] {0f, 0.05f}) {
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray w = manager.create(w0);
        w.setRequiresGradient(true);
        NDArray input = manager.create(x);
        AdamW opt = new AdamW(0.9, 0.95, 1e-8, Map.of("w", wd), manager);
        double[] ref = {w0[0], w0[1], w0[2]};
        double[] m = new double[3];
        double[] v = new double[3];
        double lr = 0.1;
        for (int t = 1; t <= 3; t++) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            // loss = sum(w^2 * x): grad = 2 w x
            NDArray loss = w.mul(w).mul(input).sum();
            gc.backward(loss);
          }
          opt.beginStep(t, lr, 1.0);
          opt.update("w", w, w.getGradient());
          for (int i = 0; i < 3; i++) {
            double g = 2 * ref[i] * x[i];
            ref[i] *= 1 - lr * wd;
            m[i] = 0.9 * m[i] + 0.1 * g;
            v[i] = 0.95 * v[i] + 0.05 * g * g;
            double mHat = m[i] / (1 - Math.pow(0.9, t));
            double vHat = v[i] / (1 - Math.pow(0.95, t));
            ref[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
          }
          assertThat(w.getGradient().abs().sum().getFloat()).as("gradient zeroed").isZero();
        }
        float[] got = w.toFloatArray();
        for (int i = 0; i < 3; i++) {
          assertThat((double) got[i]).as("wd=%s w[%d]", wd, i).isCloseTo(ref[i], within(1e-5));
        }
      }
    }
  }

  @Test
  void gradientScaleActsLikeClipping() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.create(new float[] {1f});
      NDArray b = manager.create(new float[] {1f});
      AdamW opt = new AdamW(0.9, 0.95, 1e-8, Map.of("a", 0f, "b", 0f), manager);
      opt.beginStep(1, 0.1, 1.0);
      opt.update("a", a, manager.create(new float[] {4f}));
      opt.beginStep(1, 0.1, 0.5);
      opt.update("b", b, manager.create(new float[] {8f}));
      // same effective gradient 4 -> identical updates
      assertThat(a.getFloat(0)).isEqualTo(b.getFloat(0));
      assertThat(opt.moments("a", a.getDevice())[0].getFloat(0)).isCloseTo(0.4f, within(1e-6f));
    }
  }
}
