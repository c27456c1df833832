package io.sarmae.trainer.model.seg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.sarmae.trainer.ops.ConvKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Conv}'s forward output and all its gradients (input, weight, bias) equal a float64
 * reference written as plain loops, for channel counts on which libtorch 2.7.1's oneDNN kernels
 * were wrong on the CI machine (AMD EPYC, AVX-512; docs/detection-model.md, "oneDNN convolution"):
 * with oneDNN, 256 -> 4 and 16 -> 1 gave input gradients off by up to 60% of their range (every
 * call, deterministic), 24 -> 16 a wrong forward output, and 12 -> 4 both under AVX2. The upstream
 * gradient is random, so each input-gradient element checks a different weighted sum.
 */
class ConvExactnessTest {

  @ParameterizedTest(name = "{0} -> {1} channels, {2}x{3}, kernel {4}")
  @CsvSource({
    "256, 4, 16, 16, 3", // FCOS conv_reg on a 256-channel tower
    "256, 1, 8, 8, 3", // conv_centerness / one class
    "24, 16, 16, 16, 3", // forward wrong with AVX-512 (24 inputs)
    "12, 4, 8, 16, 3", // forward and input gradient wrong with AVX2
    "16, 1, 32, 32, 3",
    "256, 4, 16, 16, 1"
  })
  void forwardAndGradientsMatchAFloat64Reference(int in, int out, int h, int w, int k) {
    Engine.getInstance().setRandomSeed(7);
    try (NDManager m = NDManager.newBaseManager()) {
      Conv conv = new Conv(in, out, k, new NormalInitializer(0.1f), true);
      conv.initialize(m);
      conv.getParameters()
          .get("bias")
          .getArray()
          .set(m.randomNormal(new Shape(out)).toFloatArray());
      float[] wt = conv.getParameters().get("weight").getArray().toFloatArray();
      float[] bias = conv.getParameters().get("bias").getArray().toFloatArray();
      int b = 2;
      NDArray x = m.randomNormal(new Shape(b, in, h, w)); // (B, in, H, W)
      NDArray up = m.randomNormal(new Shape(b, out, h, w)); // (B, out, H, W)
      x.setRequiresGradient(true);
      float[] y;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray out4 = conv.apply(new ParameterStore(m, false), x, true); // (B, out, H, W)
        y = out4.toFloatArray();
        gc.backward(out4.mul(up).sum());
      }
      Reference ref =
          Reference.of(x.toFloatArray(), wt, bias, up.toFloatArray(), b, in, out, h, w, k);
      assertClose("output", y, ref.y);
      assertClose("input gradient", x.getGradient().toFloatArray(), ref.dx);
      assertClose(
          "weight gradient",
          conv.getParameters().get("weight").getArray().getGradient().toFloatArray(),
          ref.dw);
      assertClose(
          "bias gradient",
          conv.getParameters().get("bias").getArray().getGradient().toFloatArray(),
          ref.db);
    }
    assertThat(ConvKernels.onednnEnabled()).as("oneDNN off after the first CPU conv").isFalse();
  }

  /** {@code conv2d(x, w, bias, padding k/2)}, then the gradients of {@code sum(y * up)}. */
  private record Reference(double[] y, double[] dx, double[] dw, double[] db) {
    static Reference of(
        float[] x,
        float[] wt,
        float[] bias,
        float[] up,
        int b,
        int in,
        int out,
        int h,
        int w,
        int k) {
      double[] y = new double[b * out * h * w];
      double[] dx = new double[x.length];
      double[] dw = new double[wt.length];
      double[] db = new double[out];
      int p = k / 2;
      for (int n = 0; n < b; n++) {
        for (int o = 0; o < out; o++) {
          for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
              int yi = ((n * out + o) * h + i) * w + j;
              double g = up[yi];
              double s = bias[o];
              db[o] += g;
              for (int c = 0; c < in; c++) {
                for (int a = 0; a < k; a++) {
                  for (int e = 0; e < k; e++) {
                    int ii = i + a - p;
                    int jj = j + e - p;
                    if (ii < 0 || jj < 0 || ii >= h || jj >= w) {
                      continue;
                    }
                    int xi = ((n * in + c) * h + ii) * w + jj;
                    int wi = ((o * in + c) * k + a) * k + e;
                    s += (double) wt[wi] * x[xi];
                    dx[xi] += wt[wi] * g;
                    dw[wi] += x[xi] * g;
                  }
                }
              }
              y[yi] = s;
            }
          }
        }
      }
      return new Reference(y, dx, dw, db);
    }
  }

  /** Within 1e-4 of the reference's largest magnitude (float32 sums of up to 2304 products). */
  private static void assertClose(String what, float[] actual, double[] expected) {
    assertThat(actual).as(what + " size").hasSize(expected.length);
    double scale = 0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    double worst = 0;
    int at = -1;
    for (int i = 0; i < actual.length; i++) {
      double d = Math.abs(actual[i] - expected[i]);
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
    assertThat(worst)
        .as("%s: largest error %s at %d (reference scale %s)", what, worst, at, scale)
        .isLessThanOrEqualTo(1e-4 * Math.max(scale, 1));
  }
}
