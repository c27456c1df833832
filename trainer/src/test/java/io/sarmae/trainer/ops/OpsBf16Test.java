package io.sarmae.trainer.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bf16 ops of the bridge ({@code optim.precision: bf16}): fp32 in, fp32 out, bf16 compute
 * inside, recorded by autograd. Each is checked against a float64 reference of the bf16-rounded
 * computation: inputs rounded to bf16, products summed exactly, the result rounded to bf16 once
 * (libtorch's bf16 kernels accumulate in fp32 and round the output), so the op must lie within one
 * bf16 rounding (2^-8 relative) of the reference, plus the fp32 accumulation error.
 */
class OpsBf16Test {
  /** Half a bf16 unit in the last place, relative: bf16 keeps 8 significant bits. */
  private static final double BF16_HALF_ULP = Math.pow(2, -8);

  @AfterEach
  void fp32Again() {
    Precision.reset();
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
  }

  private static void bf16() {
    Attention.use(TrainerConfig.AttentionKernel.FUSED);
    Precision.use(TrainerConfig.Precision.BF16, Device.cpu());
  }

  @Test
  void theBf16LinearEqualsAFloat64ReferenceOfTheBf16RoundedComputationForwardAndBackward() {
    bf16();
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(3);
      int rows = 37;
      int in = 48;
      int out = 20;
      NDArray x = m.randomNormal(new Shape(rows, in)); // (M, K)
      NDArray w = m.randomNormal(new Shape(out, in)); // (N, K)
      NDArray b = m.randomNormal(new Shape(out)); // (N)
      NDArray g = m.randomNormal(new Shape(rows, out)); // (M, N) upstream gradient
      x.setRequiresGradient(true);
      w.setRequiresGradient(true);
      b.setRequiresGradient(true);
      float[] y;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray yy = Precision.linear(x, w, b); // (M, N)
        assertThat(yy.getDataType()).isEqualTo(DataType.FLOAT32);
        y = yy.toFloatArray();
        gc.backward(yy.mul(g).sum());
      }
      double[] xr = rounded(x);
      double[] wr = rounded(w);
      double[] br = rounded(b);
      double[] gr = rounded(g);
      // forward: y = round(round(x) round(w)^T + round(b))
      double[] yRef = new double[rows * out];
      double[] yAbs = new double[rows * out];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < out; j++) {
          double s = br[j];
          double a = Math.abs(br[j]);
          for (int k = 0; k < in; k++) {
            s += xr[i * in + k] * wr[j * in + k];
            a += Math.abs(xr[i * in + k] * wr[j * in + k]);
          }
          yRef[i * out + j] = s;
          yAbs[i * out + j] = a;
        }
      }
      assertWithinOneBf16Rounding("y", y, yRef, yAbs);
      assertBf16Representable("y", y);
      // backward: dx = round(g) round(w), dw = round(g)^T round(x), db = sum_rows round(g)
      double[] dxRef = new double[rows * in];
      double[] dxAbs = new double[rows * in];
      for (int i = 0; i < rows; i++) {
        for (int k = 0; k < in; k++) {
          for (int j = 0; j < out; j++) {
            dxRef[i * in + k] += gr[i * out + j] * wr[j * in + k];
            dxAbs[i * in + k] += Math.abs(gr[i * out + j] * wr[j * in + k]);
          }
        }
      }
      double[] dwRef = new double[out * in];
      double[] dwAbs = new double[out * in];
      double[] dbRef = new double[out];
      double[] dbAbs = new double[out];
      for (int j = 0; j < out; j++) {
        for (int i = 0; i < rows; i++) {
          dbRef[j] += gr[i * out + j];
          dbAbs[j] += Math.abs(gr[i * out + j]);
          for (int k = 0; k < in; k++) {
            dwRef[j * in + k] += gr[i * out + j] * xr[i * in + k];
            dwAbs[j * in + k] += Math.abs(gr[i * out + j] * xr[i * in + k]);
          }
        }
      }
      assertThat(x.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
      assertWithinOneBf16Rounding("dx", x.getGradient().toFloatArray(), dxRef, dxAbs);
      assertWithinOneBf16Rounding("dw", w.getGradient().toFloatArray(), dwRef, dwAbs);
      assertWithinOneBf16Rounding("db", b.getGradient().toFloatArray(), dbRef, dbAbs);
      assertBf16Representable("dw", w.getGradient().toFloatArray());
    }
  }

  @Test
  void theFp32LinearIsUntouchedByTheSwitch() {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(4);
      NDArray x = m.randomNormal(new Shape(5, 64)); // (M, K)
      NDArray w = m.randomNormal(new Shape(7, 64)); // (N, K)
      float[] fp32 = Precision.linear(x, w, null).toFloatArray(); // (M, N)
      bf16();
      float[] bf16 = Precision.linear(x, w, null).toFloatArray(); // (M, N)
      Precision.reset();
      assertThat(Precision.linear(x, w, null).toFloatArray()).containsExactly(fp32);
      assertThat(bf16).isNotEqualTo(fp32); // bf16 rounding is visible at 64 products
    }
  }

  /**
   * On the CPU bf16 leaves attention on libtorch's fp32 flash kernel (its bf16 one measured
   * slower): output and gradient bit-identical to fp32's, while the Linear does compute in bf16.
   */
  @Test
  void onTheCpuBf16LeavesAttentionOnTheFp32KernelBitForBit() {
    Attention.use(TrainerConfig.AttentionKernel.FUSED);
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(13);
      NDArray q = m.randomNormal(new Shape(2, 3, 30, 16)); // (B, h, N, hd)
      NDArray k = m.randomNormal(new Shape(2, 3, 30, 16)); // (B, h, N, hd)
      NDArray v = m.randomNormal(new Shape(2, 3, 30, 16)); // (B, h, N, hd)
      float[][] fp32 = attentionAndGradient(q, k, v);
      bf16();
      assertThat(Precision.bf16()).isTrue();
      assertThat(Precision.bf16Attention()).isFalse();
      float[][] cpuBf16 = attentionAndGradient(q, k, v);
      assertThat(cpuBf16[0]).containsExactly(fp32[0]);
      assertThat(cpuBf16[1]).containsExactly(fp32[1]);
      Precision.bf16Attention(true); // the GPU's choice, on the CPU kernel
      float[][] bf16 = attentionAndGradient(q, k, v);
      assertThat(bf16[0]).isNotEqualTo(fp32[0]);
      assertBf16Representable("bf16 attention", bf16[0]);
    }
  }

  /** The attention of a fresh copy of q, and the gradient of sum(a^2) with respect to it. */
  private static float[][] attentionAndGradient(NDArray q, NDArray k, NDArray v) {
    NDArray leaf = q.duplicate(); // (B, h, N, hd)
    leaf.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray a = Attention.fusedAttention(leaf, k, v, 0.25); // (B, h, N, hd)
      float[] out = a.toFloatArray();
      gc.backward(a.mul(a).sum());
      return new float[][] {out, leaf.getGradient().toFloatArray()};
    }
  }

  @Test
  void theBf16AttentionEqualsAFloat64SoftmaxAttentionOfTheBf16RoundedInputs() {
    bf16();
    Precision.bf16Attention(true); // the kernel a GPU runs under bf16; checked here on the CPU's
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(12);
      int heads = 2;
      int n = 40;
      int hd = 16;
      NDArray q = m.randomNormal(new Shape(1, heads, n, hd)); // (B, h, N, hd)
      NDArray k = m.randomNormal(new Shape(1, heads, n, hd)); // (B, h, N, hd)
      NDArray v = m.randomNormal(new Shape(1, heads, n, hd)); // (B, h, N, hd)
      q.setRequiresGradient(true);
      double scale = 0.25;
      float[] out;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray a = Attention.fusedAttention(q, k, v, scale); // (B, h, N, hd)
        assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
        out = a.toFloatArray();
        gc.backward(a.sum());
      }
      assertThat(q.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(maxAbs(q.getGradient().toFloatArray())).isGreaterThan(1e-3);
      double[] qr = rounded(q);
      double[] kr = rounded(k);
      double[] vr = rounded(v);
      double[] ref = new double[heads * n * hd];
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < n; i++) {
          double[] logits = new double[n];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int d = 0; d < hd; d++) {
              s += qr[(h * n + i) * hd + d] * kr[(h * n + j) * hd + d];
            }
            logits[j] = s * scale;
            max = Math.max(max, logits[j]);
          }
          double z = 0;
          for (int j = 0; j < n; j++) {
            logits[j] = Math.exp(logits[j] - max);
            z += logits[j];
          }
          for (int d = 0; d < hd; d++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
              s += logits[j] / z * vr[(h * n + j) * hd + d];
            }
            ref[(h * n + i) * hd + d] = s;
          }
        }
      }
      // The kernel rounds the probabilities to bf16 before the product with v and the output once
      // more: two bf16 roundings of values bounded by max |v|.
      double worst = 0;
      for (int i = 0; i < ref.length; i++) {
        worst = Math.max(worst, Math.abs(out[i] - ref[i]));
      }
      double bound = 3 * BF16_HALF_ULP * maxAbs(vr);
      assertThat(worst).as("max |bf16 attention - float64 reference|").isLessThanOrEqualTo(bound);
      assertBf16Representable("attention", out);
    }
  }

  @Test
  void aConvolutionUnderBf16IsLibtorchsOwnFp32KernelBitForBit() {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(8);
      // 3x3 conv, 24 input and 4 output channels: where oneDNN's kernels are wrong (ConvKernels)
      NDArray x = m.randomNormal(new Shape(2, 24, 9, 9)); // (B, C, H, W)
      NDArray w = m.randomNormal(new Shape(4, 24, 3, 3)); // (O, C, 3, 3)
      NDArray b = m.randomNormal(new Shape(4)); // (O)
      Map<String, float[]> fp32 = conv(x, w, b);
      bf16();
      assertThat(ConvKernels.onednnEnabled()).as("bf16 turns oneDNN on for its GEMMs").isTrue();
      Map<String, float[]> bf16 = conv(x, w, b);
      for (String key : fp32.keySet()) {
        assertThat(bf16.get(key)).as(key).containsExactly(fp32.get(key));
      }
      Precision.reset();
      assertThat(ConvKernels.onednnEnabled()).as("fp32 again: oneDNN off").isFalse();
    }
  }

  /**
   * A feature map that is a permuted view, as a ViT's tokens become one ({@code (B, H, W, C)} to
   * {@code (B, C, H, W)}: channels-last strides), as the segmentation and detection necks feed
   * their convolutions; and the 1x1 map of such a view (a detection pyramid's coarsest level),
   * which is contiguous and still reads as channels-last. libtorch's im2col kernel then picks its
   * channels-last variant, whose backward failed ("slow_conv2d: grad_weight must be contiguous")
   * when called directly with a contiguous weight; the bridge hands it a plain contiguous input.
   * Forward and gradients agree with the fp32 path (which reaches the kernel through {@code
   * aten::convolution}) within 1e-5.
   */
  @Test
  void aConvolutionOfAPermutedFeatureMapUnderBf16TrainsAndMatchesFp32() {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(9);
      NDArray w = m.randomNormal(new Shape(4, 24, 3, 3)); // (O, C, 3, 3)
      NDArray b = m.randomNormal(new Shape(4)); // (O)
      for (Shape bhwc : new Shape[] {new Shape(2, 9, 9, 24), new Shape(2, 1, 1, 24)}) {
        NDArray x = m.randomNormal(bhwc); // (B, H, W, C)
        Precision.reset();
        Map<String, float[]> fp32 = conv(x, w, b, true);
        bf16();
        Map<String, float[]> bf16 = conv(x, w, b, true);
        for (String key : fp32.keySet()) {
          OpsAttentionTest.assertClose(bhwc + " " + key, bf16.get(key), fp32.get(key), 1e-5);
        }
      }
    }
  }

  @Test
  void bf16WithThePlainAttentionKernelIsAConfigurationErrorNamingBothKeys() {
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
    assertThatThrownBy(() -> Precision.use(TrainerConfig.Precision.BF16, Device.cpu()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.precision")
        .hasMessageContaining("model.attention");
    assertThat(Precision.bf16()).isFalse();
  }

  private static Map<String, float[]> conv(NDArray x0, NDArray w0, NDArray b0) {
    return conv(x0, w0, b0, false);
  }

  /**
   * One convolution forward and backward of {@code sum(y^2)}; {@code permuted}: x0 is {@code (B, H,
   * W, C)} and the convolution sees its {@code (B, C, H, W)} view (dx in x0's layout).
   */
  private static Map<String, float[]> conv(NDArray x0, NDArray w0, NDArray b0, boolean permuted) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NDManager m = x0.getManager().newSubManager()) {
      NDArray x = x0.duplicate();
      NDArray w = w0.duplicate();
      NDArray b = b0.duplicate();
      x.attach(m);
      w.attach(m);
      b.attach(m);
      x.setRequiresGradient(true);
      w.setRequiresGradient(true);
      b.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray in = permuted ? x.transpose(0, 3, 1, 2) : x; // (B, C, H, W)
        NDArray y = ConvKernels.conv2d(in, w, b, 1, 1); // (B, O, H, W)
        out.put("y", y.toFloatArray());
        gc.backward(y.mul(y).sum());
      }
      out.put("dx", x.getGradient().toFloatArray());
      out.put("dw", w.getGradient().toFloatArray());
      out.put("db", b.getGradient().toFloatArray());
    }
    return out;
  }

  /** The array rounded to bf16 by libtorch (round to nearest even), as doubles. */
  private static double[] rounded(NDArray a) {
    float[] f = Precision.roundToBf16(a).toFloatArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static void assertWithinOneBf16Rounding(
      String what, float[] actual, double[] ref, double[] absSum) {
    assertThat(actual).as(what).hasSize(ref.length);
    for (int i = 0; i < ref.length; i++) {
      // one output rounding, plus fp32 accumulation (K terms, 2^-24 each) of the summed magnitudes
      double bound = BF16_HALF_ULP * Math.abs(ref[i]) + 1e-6 * absSum[i];
      assertThat(Math.abs(actual[i] - ref[i]))
          .as("%s[%d]: %s vs float64 reference %s", what, i, actual[i], ref[i])
          .isLessThanOrEqualTo(bound);
    }
  }

  /** Every value has at most 8 significant bits: it came out of a bf16 tensor. */
  private static void assertBf16Representable(String what, float[] a) {
    for (int i = 0; i < a.length; i++) {
      assertThat(Float.floatToRawIntBits(a[i]) & 0xffff).as("%s[%d] = %s", what, i, a[i]).isZero();
    }
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float f : a) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double f : a) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }
}
