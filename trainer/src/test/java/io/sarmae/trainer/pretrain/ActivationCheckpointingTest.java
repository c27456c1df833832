package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.PatchStemOpticalEncoder;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.ops.Attention;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code model.activationCheckpointing} changes memory, not results: with the switch on, the
 * pretraining step's losses and every parameter gradient equal the switch-off run on the same
 * batches, and optimizer steps end at the same parameters, with gradient accumulation, with and
 * without the SARC branch, for both attention kernels.
 *
 * <p>Without SARC the results are bit-identical: every parameter's gradient is computed by the same
 * ops on the same values. With SARC the MAE latent feeds both the alignment head and the decoder;
 * one backward sums the two upstream gradients before the encoder's final norm, while the
 * checkpointed backward runs the norm's backward once per consumer and adds the results, so the
 * encoder's gradients may differ in the last float bits (within 1e-5 relative, documented in
 * docs/performance.md).
 */
class ActivationCheckpointingTest {

  /** Tiny MAE: 32x32 images, patch 8 (16 patches), D=32, 2 blocks, decoder 32 wide, 2 blocks. */
  private static final VitSpec SPEC = new VitSpec("test", 32, 8, 3, 32, 2, 2, 4, 32, 2, 2);

  private static final int ROWS = 4;

  @AfterEach
  void plainAgain() {
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
  }

  @Test
  void withoutAlignmentTheStepIsBitIdenticalWithPlainAttentionAndAccumulation() {
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
    Run off = run(false, false, 2, 3);
    Run on = run(true, false, 2, 3);
    assertThat(on.losses).containsExactly(off.losses);
    assertThat(on.firstGradients.keySet()).isEqualTo(off.firstGradients.keySet());
    off.firstGradients.forEach(
        (name, g) -> assertThat(on.firstGradients.get(name)).as(name).containsExactly(g));
    off.finalParameters.forEach(
        (name, w) -> assertThat(on.finalParameters.get(name)).as(name).containsExactly(w));
    assertReachesEveryBlock(on);
  }

  @Test
  void withoutAlignmentTheStepIsBitIdenticalWithTheFusedKernel() {
    Attention.use(TrainerConfig.AttentionKernel.FUSED);
    Run off = run(false, false, 1, 2);
    Run on = run(true, false, 1, 2);
    assertThat(on.losses).containsExactly(off.losses);
    off.firstGradients.forEach(
        (name, g) -> assertThat(on.firstGradients.get(name)).as(name).containsExactly(g));
    off.finalParameters.forEach(
        (name, w) -> assertThat(on.finalParameters.get(name)).as(name).containsExactly(w));
  }

  @Test
  void withAlignmentLossesGradientsAndParametersAgreeWithinTolerance() {
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
    Run off = run(false, true, 2, 3);
    Run on = run(true, true, 2, 3);
    assertThat(on.losses).containsExactly(off.losses); // forward is unchanged
    assertThat(on.firstGradients.keySet()).isEqualTo(off.firstGradients.keySet());
    off.firstGradients.forEach((name, g) -> assertClose(name, on.firstGradients.get(name), g));
    // AdamW turns rounding noise into lr-sized moves where the true gradient is exactly 0: the
    // key bias (softmax ignores a shift of all scores). Elsewhere parameters agree to 1e-5;
    // there within the 3 steps of lr 1e-3 AdamW can move at most.
    off.finalParameters.forEach(
        (name, w) -> {
          float[] a = on.finalParameters.get(name);
          if (name.endsWith("attn.qkv.bias")) {
            int d = w.length / 3;
            assertWithin(name + " key", slice(a, d, 2 * d), slice(w, d, 2 * d), 3e-3);
            a = concat(slice(a, 0, d), slice(a, 2 * d, 3 * d));
            w = concat(slice(w, 0, d), slice(w, 2 * d, 3 * d));
          }
          assertWithin(name, a, w, 1e-5);
        });
    // the decoder and the alignment head lie after the only shared node: exact there
    off.firstGradients.forEach(
        (name, g) -> {
          if (name.contains("decoder") || name.startsWith("sar_alignment_ffn")) {
            assertThat(on.firstGradients.get(name)).as(name).containsExactly(g);
          }
        });
    assertReachesEveryBlock(on);
  }

  /** A gradient is non-zero in every block's first weight: the recompute really ran. */
  private static void assertReachesEveryBlock(Run r) {
    for (String name : r.firstGradients.keySet()) {
      if (name.endsWith("attn.qkv.weight")) {
        assertThat(maxAbs(r.firstGradients.get(name))).as(name).isGreaterThan(1e-6);
      }
    }
  }

  private record Run(
      double[] losses, Map<String, float[]> firstGradients, Map<String, float[]> finalParameters) {}

  /**
   * {@code steps} optimizer steps of the tiny model, each over {@code accum} micro-batches of
   * {@code ROWS} rows; losses of the first step's micro-batches, gradients before the first update
   * and parameters after the last one.
   */
  private static Run run(boolean checkpointing, boolean alignment, int accum, int steps) {
    TrainerConfig.Optim optim = new TrainerConfig.Optim();
    try (NDManager root = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(1234);
      SarmaePretrainModel.Builder b =
          SarmaePretrainModel.builder()
              .setMae(MaskedAutoencoderViT.builder().setSpec(SPEC).build());
      if (alignment) {
        b.optOpticalEncoder(new PatchStemOpticalEncoder(16, 8));
      }
      SarmaePretrainModel model = b.build();
      model.initialize(root);
      TrainStep step =
          new TrainStep(model, new Device[] {Device.cpu()}, root, optim)
              .optActivationCheckpointing(checkpointing);
      SplittableRandom random = new SplittableRandom(7);
      double[] losses = new double[2 * accum];
      Map<String, float[]> grads = new LinkedHashMap<>();
      for (int t = 1; t <= steps; t++) {
        for (int a = 0; a < accum; a++) {
          TrainStep.Losses l = step.forwardBackward(inputs(random), 1.0, 0.8, accum);
          assertThat(l.finite()).isTrue();
          if (t == 1) {
            losses[2 * a] = l.mae();
            losses[2 * a + 1] = l.align();
          }
        }
        if (t == 1) {
          try (NDManager m = root.newSubManager()) {
            NDArray[] g = step.gradients(m);
            int i = 0;
            for (Map.Entry<String, ai.djl.nn.Parameter> e : step.named().entrySet()) {
              if (e.getValue().requiresGradient()) {
                grads.put(e.getKey(), g[i++].toFloatArray());
              }
            }
          }
        }
        step.apply(t, 1e-3, 1.0);
      }
      Map<String, float[]> params = new LinkedHashMap<>();
      step.named().forEach((name, p) -> params.put(name, p.getArray().toFloatArray()));
      return new Run(losses, grads, params);
    }
  }

  private static StepInputs inputs(SplittableRandom random) {
    int img = 3 * 32 * 32;
    float[] paired = new float[ROWS];
    for (int r = 0; r < ROWS; r++) {
      paired[r] = r % 2 == 0 ? 1f : 0f;
    }
    return new StepInputs(
        uniform(random, ROWS * img, -1, 1),
        uniform(random, ROWS * img, -1, 1),
        uniform(random, ROWS * img, -2, 2),
        paired,
        uniform(random, ROWS * SPEC.numPatches(), 0, 1),
        ROWS,
        3,
        32,
        SPEC.numPatches());
  }

  private static float[] uniform(SplittableRandom random, int n, double lo, double hi) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextDouble(lo, hi);
    }
    return out;
  }

  private static void assertClose(String name, float[] actual, float[] expected) {
    assertThat(actual).as(name).hasSameSizeAs(expected);
    double scale = Math.max(maxAbs(expected), 1e-6);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Math.abs(actual[i] - expected[i]) / scale)
          .as("%s[%d]: %s vs %s", name, i, actual[i], expected[i])
          .isLessThanOrEqualTo(1e-5);
    }
  }

  private static void assertWithin(String name, float[] actual, float[] expected, double abs) {
    assertThat(actual).as(name).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) Math.abs(actual[i] - expected[i]))
          .as("%s[%d]: %s vs %s", name, i, actual[i], expected[i])
          .isLessThanOrEqualTo(abs);
    }
  }

  private static float[] slice(float[] a, int from, int to) {
    return java.util.Arrays.copyOfRange(a, from, to);
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
