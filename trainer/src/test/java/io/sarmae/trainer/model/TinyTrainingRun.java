package io.sarmae.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;

/**
 * A tiny SARMAE (patch 8, 32x32, D=32, 2 blocks, decoder 32/1 block, optical width 16) trained with
 * Adam on one fixed batch. Used in-process and in a forked small-heap JVM ({@link #main}).
 */
final class TinyTrainingRun {

  static final VitSpec SPEC = new VitSpec("test", 32, 8, 3, 32, 2, 2, 4, 32, 1, 2);
  private static final int B = 4;

  private TinyTrainingRun() {}

  /** Returns {@code [mae_0, align_0, mae_1, align_1, ...]} for each step. */
  static float[] run(int steps, boolean gcEveryStep) {
    float[] losses = new float[2 * steps];
    try (NDManager root = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(1234);
      SarmaePretrainModel model =
          SarmaePretrainModel.builder()
              .setMae(MaskedAutoencoderViT.builder().setSpec(SPEC).build())
              .optOpticalEncoder(new PatchStemOpticalEncoder(16, 8))
              .build();
      model.initialize(root);
      NDArray target = blockyImages(root, new Random(5));
      NDArray optical = root.randomNormal(new Shape(B, 3, 32, 32));
      NDArray paired = root.create(new float[] {1, 1, 0, 1});
      NDArray noise = root.randomUniform(0f, 1f, new Shape(B, 16));
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build();
      for (int step = 0; step < steps; step++) {
        try (NDManager stepManager = root.newSubManager()) {
          NDList inputs = new NDList();
          for (NDArray a : new NDArray[] {target, target, optical, paired, noise}) {
            inputs.add(a.duplicate());
          }
          inputs.attach(stepManager);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList out = model.forward(new ParameterStore(stepManager, false), inputs, true);
            NDArray total = out.get(0).add(out.get(1).mul(stepManager.create(0.8f)));
            if (gcEveryStep) {
              System.gc(); // free every unreachable temporary before backward runs
            }
            gc.backward(total);
            losses[2 * step] = out.get(0).getFloat();
            losses[2 * step + 1] = out.get(1).getFloat();
          }
          for (Parameter p : model.getParameters().values()) {
            if (p.requiresGradient()) {
              try (NDArray grad = p.getArray().getGradient()) {
                adam.update(p.getId(), p.getArray(), grad);
              }
            }
          }
        }
      }
    }
    return losses;
  }

  /** One random colour per 8x8 patch: memorisable, yet every masked patch must be recalled. */
  private static NDArray blockyImages(NDManager m, Random random) {
    float[] data = new float[B * 3 * 32 * 32];
    for (int b = 0; b < B; b++) {
      for (int c = 0; c < 3; c++) {
        for (int gy = 0; gy < 4; gy++) {
          for (int gx = 0; gx < 4; gx++) {
            float value = random.nextFloat() * 2f - 1f;
            for (int y = 0; y < 8; y++) {
              for (int x = 0; x < 8; x++) {
                data[((b * 3 + c) * 32 + gy * 8 + y) * 32 + gx * 8 + x] = value;
              }
            }
          }
        }
      }
    }
    return m.create(data, new Shape(B, 3, 32, 32));
  }

  /** Prints one {@code LOSS} line per step; used by the small-heap test in a child JVM. */
  public static void main(String[] args) {
    float[] losses = run(Integer.parseInt(args[0]), true);
    StringBuilder sb = new StringBuilder();
    for (float loss : losses) {
      sb.append(Float.floatToRawIntBits(loss)).append(' ');
    }
    System.out.println("LOSSES " + sb.toString().trim());
  }
}
