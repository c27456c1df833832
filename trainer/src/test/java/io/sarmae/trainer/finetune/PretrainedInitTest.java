package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.seg.UperNetSegmenter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PretrainedInitTest {

  static VitClassifier classifier(int imageSize, VitClassifier.Pool pool) {
    return VitClassifier.create(VitSpec.of("tiny", imageSize, 8, 3, 16, 1, 1), 5, pool, 0.1);
  }

  /** A pretraining state dict (sar_encoder.* keys, decoder included) of a tiny MAE. */
  static Map<String, NDArray> pretrainingTensors(NDManager m, int imageSize) {
    MaskedAutoencoderViT mae =
        MaskedAutoencoderViT.builder()
            .setSpec(VitSpec.of("tiny", imageSize, 8, 3, 32, 1, 4))
            .build();
    mae.initialize(m);
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : mae.referenceStateDict().entrySet()) {
      out.put("sar_encoder." + e.getKey(), e.getValue().getArray());
    }
    NDArray stem = m.zeros(new Shape(4));
    out.put("optical_encoder.norm.weight", stem);
    return out;
  }

  @Test
  void reportsLoadedMissingAndIgnoredKeys() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> src = pretrainingTensors(m, 32);
      VitClassifier avg = classifier(32, VitClassifier.Pool.AVG);
      avg.initialize(m);
      PretrainedInit.Report r = PretrainedInit.apply(avg, src, "mem");
      assertThat(r.loaded()).hasSize(4 + 12 * 12).contains("blocks.11.mlp.fc2.bias");
      assertThat(r.missing())
          .containsExactly("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias");
      assertThat(r.ignored())
          .contains(
              "sar_encoder.mask_token",
              "sar_encoder.decoder_pred.weight",
              "sar_encoder.norm.weight",
              "optical_encoder.norm.weight");
      assertThat(r.posEmbedResampled()).isNull();
      assertThat(avg.referenceStateDict().get("blocks.3.attn.qkv.weight").getArray().toFloatArray())
          .isEqualTo(src.get("sar_encoder.blocks.3.attn.qkv.weight").toFloatArray());

      VitClassifier token = classifier(32, VitClassifier.Pool.TOKEN);
      token.initialize(m);
      PretrainedInit.Report t = PretrainedInit.apply(token, src, "mem");
      assertThat(t.loaded()).contains("norm.weight", "norm.bias");
      assertThat(t.missing()).containsExactly("head.weight", "head.bias");
    }
  }

  @Test
  void resamplesThePositionEmbeddingForAnotherGrid() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> src = pretrainingTensors(m, 32); // grid 4
      VitClassifier big = classifier(64, VitClassifier.Pool.AVG); // grid 8
      big.initialize(m);
      PretrainedInit.Report r = PretrainedInit.apply(big, src, "mem");
      assertThat(r.posEmbedResampled()).isEqualTo("4x4 -> 8x8");
      float[] pe = big.referenceStateDict().get("pos_embed").getArray().toFloatArray();
      assertThat(pe).hasSize(65 * 192);
      // the cls row is copied
      float[] old = src.get("sar_encoder.pos_embed").toFloatArray();
      for (int e = 0; e < 192; e++) {
        assertThat(pe[e]).isEqualTo(old[e]);
      }
    }
  }

  /** PyTorch bicubic (A = -0.75, align_corners=False) of the 1-D ramp [0, 1] to 4 samples. */
  @Test
  void bicubicMatchesPytorchOnARamp() {
    // 2x2 grid, width 1: value = column index; cls row = 7
    float[] table = {7f, 0f, 1f, 0f, 1f};
    float[] out = VitClassifier.interpolatePosEmbed(table, 1, 4);
    assertThat(out[0]).isEqualTo(7f);
    double[] expected = {-0.10546875, 0.2265625, 0.7734375, 1.10546875};
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 4; c++) {
        assertThat((double) out[1 + r * 4 + c]).isCloseTo(expected[c], within(1e-6));
      }
    }
    // same grid: identity
    float[] same = VitClassifier.interpolatePosEmbed(table, 1, 2);
    assertThat(same).containsExactly(table);
  }

  @Test
  void noEncoderTensorIsAnErrorAndWrongShapesNameTheKey() {
    try (NDManager m = NDManager.newBaseManager()) {
      VitClassifier model = classifier(32, VitClassifier.Pool.AVG);
      model.initialize(m);
      Map<String, NDArray> junk = Map.of("decoder_embed.weight", m.zeros(new Shape(2, 2)));
      assertThatThrownBy(() -> PretrainedInit.apply(model, junk, "junk.safetensors"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.init")
          .hasMessageContaining("refusing to fine-tune from scratch");
      Map<String, NDArray> wrong = Map.of("blocks.0.attn.qkv.weight", m.zeros(new Shape(3, 3)));
      assertThatThrownBy(() -> PretrainedInit.apply(model, wrong, "w"))
          .hasMessageContaining("blocks.0.attn.qkv.weight")
          .hasMessageContaining("(576, 192)");
    }
  }

  @Test
  void aPartialCheckpointFailsWithASummaryUnlessTheGapIsAllowed() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> src = pretrainingTensors(m, 32);
      src.keySet().removeIf(k -> k.startsWith("sar_encoder.blocks.11."));
      VitClassifier model = classifier(32, VitClassifier.Pool.AVG);
      model.initialize(m);
      assertThatThrownBy(() -> PretrainedInit.apply(model, src, "depth11.safetensors"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("file depth 11, width 192 vs model depth 12, width 192")
          .hasMessageContaining("12 of 148 needed tensors missing (blocks.11.*)")
          .hasMessageContaining("model.allowMissing");
      PretrainedInit.Report r =
          PretrainedInit.apply(model, src, "depth11.safetensors", List.of("blocks.11.*"));
      assertThat(r.missing()).contains("blocks.11.attn.qkv.weight", "head.weight");
    }
  }

  /** The segmenter's encoder goes through the same path: names, resampling, coverage check. */
  @Test
  void theSegmentersEncoderLoadsThroughItsParameterMap() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> src = pretrainingTensors(m, 32);
      UperNetSegmenter seg =
          UperNetSegmenter.builder()
              .setSpec(VitSpec.of("tiny", 64, 8, 3, 16, 1, 1))
              .setNumClasses(6)
              .optChannels(8)
              .optAuxChannels(4)
              .build();
      seg.initialize(m);
      Map<String, Parameter> encoder = seg.backbone().encoderStateDict();
      PretrainedInit.Report r = PretrainedInit.apply(encoder, src, "mem", List.of());
      assertThat(r.loaded()).hasSize(4 + 12 * 12);
      assertThat(r.missing()).isEmpty();
      assertThat(r.posEmbedResampled()).isEqualTo("4x4 -> 8x8");
      assertThat(
              seg.referenceStateDict()
                  .get("backbone.blocks.5.mlp.fc1.weight")
                  .getArray()
                  .toFloatArray())
          .isEqualTo(src.get("sar_encoder.blocks.5.mlp.fc1.weight").toFloatArray());

      src.keySet().removeIf(k -> k.startsWith("sar_encoder.blocks.11."));
      assertThatThrownBy(() -> PretrainedInit.apply(encoder, src, "d11", List.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.allowMissing");
      assertThat(PretrainedInit.apply(encoder, src, "d11", List.of("blocks.11.*")).missing())
          .contains("blocks.11.attn.qkv.weight");
    }
  }
}
