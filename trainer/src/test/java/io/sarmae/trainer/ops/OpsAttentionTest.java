package io.sarmae.trainer.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.Norm;
import io.sarmae.trainer.model.TransformerBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fused kernel ({@code model.attention: fused}, libtorch's scaled_dot_product_attention through
 * libsarmae_ops.so) computes the plain kernel's function: forward and every gradient within 1e-5 in
 * fp32, for the raw op and for a whole transformer block; and it really is recorded into autograd
 * (a gradient reaches q, k and v).
 */
class OpsAttentionTest {

  @AfterEach
  void plainAgain() {
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
  }

  @Test
  void autoSelectsTheFusedKernelWhereTheBridgeLoadsAndPlainIsAlwaysAvailable() {
    // This build machine has g++ and DJL's verified libtorch, so the bridge is built and loads.
    Attention.use(TrainerConfig.AttentionKernel.AUTO);
    assertThat(Attention.kernel()).isEqualTo(TrainerConfig.AttentionKernel.FUSED);
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
    assertThat(Attention.fused()).isFalse();
  }

  @Test
  void fusedOpEqualsSoftmaxAttentionForwardAndBackward() {
    try (NDManager m = NDManager.newBaseManager()) {
      Attention.use(TrainerConfig.AttentionKernel.FUSED);
      double scale = Math.pow(16, -0.5);
      Map<String, float[]> plain = attentionAndGrads(m, false, scale);
      Map<String, float[]> fused = attentionAndGrads(m, true, scale);
      for (String key : plain.keySet()) {
        assertClose(key, fused.get(key), plain.get(key), 1e-5);
      }
      assertThat(maxAbs(fused.get("dq"))).as("a gradient reaches q").isGreaterThan(1e-3);
    }
  }

  @Test
  void aTransformerBlockHasTheSameOutputAndGradientsWithEitherKernel() {
    try (NDManager m = NDManager.newBaseManager()) {
      TransformerBlock block = new TransformerBlock(32, 4, 4, Norm.MAE_EPS);
      block.initialize(m);
      Map<String, Parameter> params = new LinkedHashMap<>();
      block.collectReferenceParameters("", params);
      m.getEngine().setRandomSeed(5);
      NDArray x = m.randomNormal(new Shape(2, 17, 32)); // (B, N, d)
      Supplier<Map<String, float[]>> run =
          () -> {
            Map<String, float[]> out = new LinkedHashMap<>();
            try (NDManager step = m.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              ParameterStore ps = new ParameterStore(step, false);
              NDArray y = block.apply(ps, x, true); // (B, N, d)
              out.put("y", y.toFloatArray());
              gc.backward(y.mul(y).sum());
              for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray g = e.getValue().getArray().getGradient();
                out.put(e.getKey(), g.toFloatArray());
                g.subi(g); // zero for the next run
              }
            }
            return out;
          };
      Attention.use(TrainerConfig.AttentionKernel.PLAIN);
      Map<String, float[]> plain = run.get();
      Attention.use(TrainerConfig.AttentionKernel.FUSED);
      Map<String, float[]> fused = run.get();
      assertThat(fused.keySet()).containsExactlyElementsOf(plain.keySet());
      for (String key : plain.keySet()) {
        assertClose(key, fused.get(key), plain.get(key), 1e-5);
      }
    }
  }

  @Test
  void aTransformerBlockReachesLibtorchsFlashKernelNotItsMathFallback(@TempDir Path dir)
      throws Exception {
    // libtorch runs scaled_dot_product_attention's CPU flash kernel on 4-D inputs only; 3-D ones
    // silently take its math path (a materialised softmax), which the block once passed
    Attention.use(TrainerConfig.AttentionKernel.FUSED);
    Path trace = dir.resolve("trace.json");
    try (NDManager m = NDManager.newBaseManager()) {
      TransformerBlock block = new TransformerBlock(32, 4, 4, Norm.MAE_EPS);
      block.initialize(m);
      NDArray x = m.randomNormal(new Shape(2, 17, 32)); // (B, N, d)
      JniUtils.startProfile(false, false, false);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = block.apply(new ParameterStore(m, false), x, true); // (B, N, d)
        gc.backward(y.sum());
      } finally {
        JniUtils.stopProfile(trace.toString());
      }
    }
    String events = Files.readString(trace);
    assertThat(events)
        .contains("_scaled_dot_product_flash_attention_for_cpu")
        .contains("_scaled_dot_product_flash_attention_for_cpu_backward")
        .doesNotContain("_scaled_dot_product_attention_math");
    // q, k and v come from one split of the qkv projection: its backward is one concatenation,
    // where three selects each zero-filled a full (3, B, h, N, hd) gradient (docs/performance.md)
    assertThat(events).contains("aten::split").doesNotContain("aten::select_backward");
  }

  /** Output and input gradients of {@code sum(attention(q, k, v) * w)}. */
  private static Map<String, float[]> attentionAndGrads(NDManager root, boolean fused, double s) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NDManager m = root.newSubManager()) {
      m.getEngine().setRandomSeed(11);
      NDArray q = m.randomNormal(new Shape(3, 2, 50, 16)); // (B, h, N, hd)
      NDArray k = m.randomNormal(new Shape(3, 2, 50, 16)); // (B, h, N, hd)
      NDArray v = m.randomNormal(new Shape(3, 2, 50, 16)); // (B, h, N, hd)
      NDArray w = m.randomNormal(new Shape(3, 2, 50, 16)); // (B, h, N, hd)
      q.setRequiresGradient(true);
      k.setRequiresGradient(true);
      v.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray a;
        if (fused) {
          a = Attention.fusedAttention(q, k, v, s); // (B, h, N, hd)
        } else {
          NDArray scale = m.create((float) s);
          a = q.mul(scale).matMul(k.transpose(0, 1, 3, 2)).softmax(-1).matMul(v);
        }
        out.put("out", a.toFloatArray());
        gc.backward(a.mul(w).sum());
      }
      out.put("dq", q.getGradient().toFloatArray());
      out.put("dk", k.getGradient().toFloatArray());
      out.put("dv", v.getGradient().toFloatArray());
    }
    return out;
  }

  /** Max |actual - expected| within {@code tol} of the larger of 1 and expected's largest entry. */
  static void assertClose(String what, float[] actual, float[] expected, double tol) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    // Relative to the array's largest entry (at least 1): fp32 sums of a few thousand terms in a
    // different order differ by ~1e-7 of their magnitude.
    double scale = Math.max(1, maxAbs(expected));
    assertThat(worst / scale)
        .as(
            "%s: max |actual - expected| / max(1, max |expected|) (max |expected| = %s)",
            what, scale)
        .isLessThanOrEqualTo(tol);
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float f : a) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }
}
