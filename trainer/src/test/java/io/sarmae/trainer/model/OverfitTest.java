package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

/**
 * A tiny SARMAE (patch 8, 32x32, D=32, 2 blocks, decoder 32/1) memorises one fixed batch: the
 * gradients of the whole model (masking, gather, attention, both losses) are wired correctly.
 */
class OverfitTest {

  private static final VitSpec SPEC = new VitSpec("test", 32, 8, 3, 32, 2, 2, 4, 32, 1, 2);

  /** One random colour per 8x8 patch: memorisable, yet every masked patch must be recalled. */
  private static NDArray blockyImages(NDManager m, java.util.Random random) {
    float[] data = new float[4 * 3 * 32 * 32];
    for (int b = 0; b < 4; b++) {
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
    return m.create(data, new Shape(4, 3, 32, 32));
  }

  @Test
  void tinyModelOverfitsOneBatch() {
    try (NDManager root = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(1234);
      SarmaePretrainModel model =
          SarmaePretrainModel.builder()
              .setMae(MaskedAutoencoderViT.builder().setSpec(SPEC).build())
              .optOpticalEncoder(new PatchStemOpticalEncoder(16, 8))
              .build();
      model.initialize(root);
      NDArray target = blockyImages(root, new java.util.Random(5));
      NDArray optical = root.randomNormal(new Shape(4, 3, 32, 32));
      NDArray paired = root.create(new float[] {1, 1, 0, 1});
      NDArray noise = root.randomUniform(0f, 1f, new Shape(4, 16));
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build();

      float first = Float.NaN;
      float firstAlign = Float.NaN;
      float last = Float.NaN;
      float lastAlign = Float.NaN;
      for (int step = 0; step < 100; step++) {
        try (NDManager stepManager = root.newSubManager()) {
          NDList inputs =
              new NDList(target, target, optical, paired, noise)
                  .stream()
                      .map(a -> a.duplicate())
                      .collect(NDList::new, NDList::add, NDList::addAll);
          inputs.attach(stepManager);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList out = model.forward(new ParameterStore(stepManager, false), inputs, true);
            NDArray mae = out.get(0);
            NDArray align = out.get(1);
            NDArray total = mae.add(align.mul(stepManager.create(0.8f)));
            gc.backward(total);
            if (step == 0) {
              first = mae.getFloat();
              firstAlign = align.getFloat();
            }
            last = mae.getFloat();
            lastAlign = align.getFloat();
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
      assertThat(last).isFinite().isLessThan(first / 5f);
      assertThat(lastAlign).isFinite().isLessThan(firstAlign / 2f);
    }
  }
}
