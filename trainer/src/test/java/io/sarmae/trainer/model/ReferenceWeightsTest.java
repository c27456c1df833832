package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Saving by reference names and loading back gives the same model, and training still works. */
class ReferenceWeightsTest {

  private static SarmaePretrainModel model(NDManager m, int seed) {
    Engine.getInstance().setRandomSeed(seed);
    SarmaePretrainModel model =
        SarmaePretrainModel.builder()
            .setMae(MaskedAutoencoderViT.builder().setSpec(TinyTrainingRun.SPEC).build())
            .optOpticalEncoder(new PatchStemOpticalEncoder(16, 8))
            .build();
    model.initialize(m);
    return model;
  }

  @Test
  void roundTripThroughNamedTensors() {
    try (NDManager m = NDManager.newBaseManager()) {
      SarmaePretrainModel a = model(m, 1);
      SarmaePretrainModel b = model(m, 2);
      Map<String, NDArray> checkpoint = new LinkedHashMap<>();
      a.referenceStateDict().forEach((k, p) -> checkpoint.put(k, p.getArray().duplicate()));

      ReferenceWeights.LoadReport report =
          ReferenceWeights.load(b.referenceStateDict(), checkpoint, true);
      assertThat(report.isComplete()).isTrue();
      for (Map.Entry<String, Parameter> e : b.referenceStateDict().entrySet()) {
        float[] expected = a.referenceStateDict().get(e.getKey()).getArray().toFloatArray();
        assertThat(Arrays.equals(e.getValue().getArray().toFloatArray(), expected))
            .as(e.getKey())
            .isTrue();
        assertThat(e.getValue().getArray().hasGradient())
            .as(e.getKey())
            .isEqualTo(e.getValue().requiresGradient());
      }

      // loaded parameters still train
      NDList inputs =
          new NDList(
              m.randomNormal(new Shape(2, 3, 32, 32)),
              m.randomNormal(new Shape(2, 3, 32, 32)),
              m.randomNormal(new Shape(2, 3, 32, 32)),
              m.ones(new Shape(2)),
              m.randomUniform(0f, 1f, new Shape(2, 16)));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDList out = b.forward(new ParameterStore(m, false), inputs, true);
        gc.backward(out.get(0).add(out.get(1)));
      }
      NDArray grad =
          b.referenceStateDict()
              .get("sar_encoder.blocks.0.attn.qkv.weight")
              .getArray()
              .getGradient();
      assertThat(grad.abs().sum().getFloat()).isPositive();
    }
  }

  @Test
  void reportsMissingAndUnexpectedKeysAndShapeErrors() {
    try (NDManager m = NDManager.newBaseManager()) {
      SarmaePretrainModel model = model(m, 3);
      Map<String, NDArray> partial = new HashMap<>();
      partial.put("sar_encoder.cls_token", m.ones(new Shape(1, 1, 32)));
      partial.put("head.weight", m.ones(new Shape(10, 32)));
      ReferenceWeights.LoadReport report =
          ReferenceWeights.load(model.referenceStateDict(), partial, false);
      assertThat(report.unexpected()).containsExactly("head.weight");
      assertThat(report.missing()).hasSize(model.referenceStateDict().size() - 1);
      assertThat(model.referenceStateDict().get("sar_encoder.cls_token").getArray().toFloatArray())
          .containsOnly(1f);
      assertThatThrownBy(() -> ReferenceWeights.load(model.referenceStateDict(), partial, true))
          .hasMessageContaining("head.weight");
      partial.remove("head.weight");
      partial.put("sar_encoder.cls_token", m.ones(new Shape(1, 1, 33)));
      assertThatThrownBy(() -> ReferenceWeights.load(model.referenceStateDict(), partial, false))
          .hasMessageContaining("sar_encoder.cls_token")
          .hasMessageContaining("(1, 1, 33)");
    }
  }
}
