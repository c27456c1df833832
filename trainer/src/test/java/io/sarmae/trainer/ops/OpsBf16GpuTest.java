package io.sarmae.trainer.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.sarmae.trainer.config.TrainerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bf16 Linear and attention on a GPU (bf16 tensor cores, compute capability >= 8.0): fp32 out,
 * bf16-rounded values, within two bf16 roundings of the fp32 ops, gradients recorded. Runs only
 * where PyTorch sees a GPU ({@code bench/gpu/checks.sh} runs it); skipped in CI.
 */
class OpsBf16GpuTest {

  @AfterEach
  void fp32Again() {
    Precision.reset();
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
  }

  @Test
  void bf16LinearAndAttentionOnTheGpuStayWithinBf16RoundingOfFp32() {
    assumeTrue(Engine.getInstance().getGpuCount() > 0, "no GPU visible to PyTorch");
    Attention.use(TrainerConfig.AttentionKernel.FUSED);
    try (NDManager m = NDManager.newBaseManager(Device.gpu())) {
      m.getEngine().setRandomSeed(6);
      NDArray x = m.randomNormal(new Shape(256, 768)); // (M, K)
      NDArray w = m.randomNormal(new Shape(3072, 768)).mul(0.03f); // (N, K)
      NDArray b = m.randomNormal(new Shape(3072)); // (N)
      NDArray q = m.randomNormal(new Shape(2, 12, 197, 64)); // (B, h, N, hd)
      float[] linear32 = Precision.linear(x, w, b).toFloatArray(); // (M, N)
      float[] attn32 = Attention.fusedAttention(q, q, q, 0.125).toFloatArray(); // (B, h, N, hd)
      Precision.use(TrainerConfig.Precision.BF16, Device.gpu());
      w.setRequiresGradient(true);
      float[] linear16;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = Precision.linear(x, w, b); // (M, N)
        assertThat(y.getDataType()).isEqualTo(DataType.FLOAT32);
        linear16 = y.toFloatArray();
        gc.backward(y.sum());
      }
      assertThat(w.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
      float[] attn16 = Attention.fusedAttention(q, q, q, 0.125).toFloatArray();
      // relative to the largest entry: 2^-8 per rounding, a few roundings, 768-term sums
      assertThat(relDiff(linear16, linear32)).as("linear").isLessThanOrEqualTo(2e-2);
      assertThat(relDiff(attn16, attn32)).as("attention").isLessThanOrEqualTo(2e-2);
      for (float f : linear16) {
        assertThat(Float.floatToRawIntBits(f) & 0xffff).isZero();
      }
    }
  }

  private static double relDiff(float[] a, float[] b) {
    double d = 0;
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
      s = Math.max(s, Math.abs(b[i]));
    }
    return d / s;
  }
}
