package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The wrapper's forward contract and SARC behaviour with paired and unpaired samples. */
class SarmaePretrainModelTest {

  private static final VitSpec SPEC = new VitSpec("test", 32, 8, 3, 32, 2, 2, 4, 32, 1, 2);
  private static final int B = 3;
  private static final int L = 16;
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static SarmaePretrainModel model(NDManager m, boolean alignment) {
    Engine.getInstance().setRandomSeed(3);
    SarmaePretrainModel model =
        SarmaePretrainModel.builder()
            .setMae(MaskedAutoencoderViT.builder().setSpec(SPEC).build())
            .optOpticalEncoder(alignment ? new PatchStemOpticalEncoder(24, 8) : null)
            .build();
    model.initialize(m);
    return model;
  }

  private static NDList batch(NDManager m, float... paired) {
    NDArray target = m.randomUniform(-1f, 1f, new Shape(B, 3, 32, 32));
    NDArray sar =
        target.add(m.randomNormal(0f, 0.1f, new Shape(B, 3, 32, 32), target.getDataType()));
    NDArray optical = m.randomNormal(new Shape(B, 3, 32, 32));
    return new NDList(
        sar, target, optical, m.create(paired), m.randomUniform(0f, 1f, new Shape(B, L)));
  }

  private static Map<String, Parameter> head(SarmaePretrainModel model) {
    Map<String, Parameter> out = new HashMap<>();
    model
        .referenceStateDict()
        .forEach(
            (k, v) -> {
              if (k.startsWith("sar_alignment_ffn.")) {
                out.put(k, v);
              }
            });
    return out;
  }

  @Test
  void forwardContract() {
    try (NDManager m = manager.newSubManager()) {
      SarmaePretrainModel model = model(m, true);
      NDList out = model.forward(new ParameterStore(m, false), batch(m, 1, 0, 1), false);
      assertThat(out).hasSize(4);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape());
      assertThat(out.get(1).getShape()).isEqualTo(new Shape());
      assertThat(out.get(2).getShape()).isEqualTo(new Shape(B, L, 192));
      assertThat(out.get(3).getShape()).isEqualTo(new Shape(B, L));
      float align = out.get(1).getFloat();
      assertThat(align).isBetween(0f, 2f).isNotZero();
      assertThat(
              model
                  .getOutputShapes(
                      new Shape[] {
                        new Shape(B, 3, 32, 32),
                        new Shape(B, 3, 32, 32),
                        new Shape(B, 3, 32, 32),
                        new Shape(B),
                        new Shape(B, L)
                      })[2])
          .isEqualTo(new Shape(B, L, 192));
    }
  }

  @Test
  void aTrainingStepLeavesNothingInTheModelsManager() {
    try (NDManager modelManager = manager.newSubManager()) {
      SarmaePretrainModel model = model(modelManager, true);
      int before = modelManager.getManagedArrays().size();
      for (int step = 0; step < 2; step++) {
        try (NDManager stepManager = manager.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDList out =
              model.forward(
                  new ParameterStore(stepManager, false), batch(stepManager, 1, 0, 1), true);
          gc.backward(out.get(0).add(out.get(1)));
        }
      }
      assertThat(modelManager.getManagedArrays()).hasSize(before);
    }
  }

  @Test
  void disabledAlignmentIsAnExactZeroAndNoParameters() {
    try (NDManager m = manager.newSubManager()) {
      SarmaePretrainModel model = model(m, false);
      assertThat(model.opticalEncoder()).isEmpty();
      assertThat(model.alignmentHead()).isEmpty();
      NDList out = model.forward(new ParameterStore(m, false), batch(m, 1, 1, 1), false);
      assertThat(out.get(1).getFloat()).isEqualTo(0f);
      assertThat(out.get(1).getShape()).isEqualTo(new Shape());
    }
  }

  @Test
  void unpairedOnlyBatchGivesZeroLossAndZeroHeadGradient() {
    try (NDManager m = manager.newSubManager()) {
      SarmaePretrainModel model = model(m, true);
      NDList inputs = batch(m, 0, 0, 0);
      // the reference zeroes unpaired optical images
      inputs.set(2, m.zeros(new Shape(B, 3, 32, 32)));
      float align;
      float mae;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDList out = model.forward(new ParameterStore(m, false), inputs, true);
        mae = out.get(0).getFloat();
        align = out.get(1).getFloat();
        gc.backward(out.get(0).add(out.get(1)));
      }
      assertThat(align).isEqualTo(0f);
      assertThat(mae).isPositive();
      for (Map.Entry<String, Parameter> e : head(model).entrySet()) {
        float[] grad = e.getValue().getArray().getGradient().toFloatArray();
        for (float g : grad) {
          assertThat(g).as(e.getKey()).isEqualTo(0f);
        }
      }
      NDArray qkvGrad =
          model
              .referenceStateDict()
              .get("sar_encoder.blocks.0.attn.qkv.weight")
              .getArray()
              .getGradient();
      assertThat(qkvGrad.abs().sum().getFloat()).isPositive();
    }
  }

  @Test
  void pairedSamplesTrainTheHeadAndTheEncoderButNotTheOpticalBranch() {
    try (NDManager m = manager.newSubManager()) {
      SarmaePretrainModel model = model(m, true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDList out = model.forward(new ParameterStore(m, false), batch(m, 1, 0, 1), true);
        gc.backward(out.get(1)); // alignment alone
      }
      Map<String, Parameter> dict = model.referenceStateDict();
      assertThat(
              dict.get("sar_alignment_ffn.2.weight")
                  .getArray()
                  .getGradient()
                  .abs()
                  .sum()
                  .getFloat())
          .isPositive();
      assertThat(
              dict.get("sar_encoder.blocks.1.mlp.fc2.weight")
                  .getArray()
                  .getGradient()
                  .abs()
                  .sum()
                  .getFloat())
          .isPositive();
      assertThat(dict.get("optical_encoder.patch_embed.weight").getArray().hasGradient()).isFalse();
    }
  }

  @Test
  void alignmentMatchesAPerSampleComputation() {
    // the vectorised paired mean equals averaging the per-sample losses of paired samples
    try (NDManager m = manager.newSubManager()) {
      SarmaePretrainModel model = model(m, true);
      NDList inputs = batch(m, 1, 0, 1);
      float all = model.forward(new ParameterStore(m, false), inputs, false).get(1).getFloat();
      float[] single = new float[B];
      for (int b = 0; b < B; b++) {
        NDList one = new NDList();
        for (NDArray a : inputs) {
          one.add(a.get(b + ":" + (b + 1)));
        }
        one.set(3, m.ones(new Shape(1)));
        single[b] = model.forward(new ParameterStore(m, false), one, false).get(1).getFloat();
      }
      assertThat(all).isCloseTo((single[0] + single[2]) / 2, within(1e-5f));
    }
  }

  @Test
  void theSarcBranchRunsOnPairedRowsOnly() {
    // an unpaired row's optical image never reaches the teacher or the head: NaN there (the old
    // every-row path gave NaN * 0 = NaN) leaves the loss equal to the paired rows' own
    try (NDManager m = manager.newSubManager()) {
      SarmaePretrainModel model = model(m, true);
      NDList inputs = batch(m, 1, 0, 1);
      float clean = model.forward(new ParameterStore(m, false), inputs, false).get(1).getFloat();
      NDList poisoned = new NDList(inputs);
      NDArray optical = inputs.get(2).duplicate();
      optical.set(new NDIndex("1"), Float.NaN);
      poisoned.set(2, optical);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDList out = model.forward(new ParameterStore(m, false), poisoned, true);
        assertThat(out.get(1).getFloat()).isEqualTo(clean);
        gc.backward(out.get(0).add(out.get(1)));
      }
      for (Map.Entry<String, Parameter> e : head(model).entrySet()) {
        NDArray grad = e.getValue().getArray().getGradient();
        assertThat(grad.isNaN().any().getBoolean()).as(e.getKey()).isFalse();
        assertThat(grad.abs().sum().getFloat()).as(e.getKey()).isPositive();
      }
    }
  }

  @Test
  void opticalWeightsLoadByDinoV3NamesWithShapeChecks() {
    try (NDManager m = manager.newSubManager()) {
      PatchStemOpticalEncoder stem = new PatchStemOpticalEncoder(24, 8);
      stem.initialize(m);
      Map<String, NDArray> weights = new HashMap<>();
      weights.put("patch_embed.proj.weight", m.ones(new Shape(24, 3, 8, 8)));
      weights.put("patch_embed.proj.bias", m.zeros(new Shape(24)));
      weights.put("norm.weight", m.full(new Shape(24), 2f));
      weights.put("norm.bias", m.full(new Shape(24), 0.5f));
      weights.put("blocks.0.attn.qkv.weight", m.zeros(new Shape(72, 24))); // ignored
      stem.loadWeights(weights);
      NDArray features = stem.patchFeatures(m.ones(new Shape(1, 3, 32, 32)));
      assertThat(features.getShape()).isEqualTo(new Shape(1, 16, 24));
      // constant tokens normalise to 0, then the affine gives the bias
      assertThat(features.toFloatArray()).containsOnly(0.5f);
      assertThat(features.hasGradient()).isFalse();

      weights.put("norm.weight", m.ones(new Shape(25)));
      assertThatThrownBy(() -> stem.loadWeights(weights))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("norm.weight")
          .hasMessageContaining("(25)");
      weights.remove("norm.weight");
      assertThatThrownBy(() -> stem.loadWeights(weights)).hasMessageContaining("lack norm.weight");
    }
  }
}
