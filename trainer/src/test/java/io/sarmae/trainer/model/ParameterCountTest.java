package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** §1.10 and §9 items 3, 4, 15: counted from the fixed shapes, nothing is allocated. */
class ParameterCountTest {

  private static MaskedAutoencoderViT mae(String size, int patch) {
    return MaskedAutoencoderViT.builder().setSpec(VitSpec.mae(size, patch)).build();
  }

  private static SarmaePretrainModel wrapperB() {
    return SarmaePretrainModel.builder()
        .setMae(mae("base", 16))
        .optOpticalEncoder(new PatchStemOpticalEncoder(768, 16))
        .build();
  }

  private static long count(Map<String, Parameter> dict, boolean encoder) {
    return dict.entrySet().stream()
        .filter(e -> MaskedAutoencoderViT.isEncoderKey(e.getKey()) == encoder)
        .mapToLong(e -> e.getValue().getShape().size())
        .sum();
  }

  @Test
  void maeVitB() {
    MaskedAutoencoderViT b = mae("base", 16);
    assertThat(b.parameterCount()).isEqualTo(111_907_840L);
    assertThat(b.trainableParameterCount()).isEqualTo(111_655_680L);
    Map<String, Parameter> dict = b.referenceStateDict();
    assertThat(count(dict, true)).isEqualTo(85_798_656L);
    assertThat(count(dict, false)).isEqualTo(26_109_184L);
    assertThat(dict).hasSize(254);
  }

  @Test
  void maeVitLAndH() {
    assertThat(mae("large", 16).parameterCount()).isEqualTo(329_541_888L);
    assertThat(mae("large", 16).trainableParameterCount()).isEqualTo(329_239_296L);
    assertThat(mae("huge", 14).parameterCount()).isEqualTo(657_074_508L);
    assertThat(mae("huge", 14).trainableParameterCount()).isEqualTo(656_613_964L);
  }

  @Test
  void sarcAdditions() {
    assertThat(new AlignmentHead(768, 768).parameterCount()).isEqualTo(1_182_720L);
    assertThat(new AlignmentHead(1024, 768).parameterCount()).isEqualTo(1_838_336L);
    assertThat(new AlignmentHead(1024, 1024).parameterCount()).isEqualTo(2_101_248L);
    PatchStemOpticalEncoder optical = new PatchStemOpticalEncoder(768, 16);
    assertThat(optical.parameterCount()).isEqualTo(592_896L);
    assertThat(optical.trainableParameterCount()).isZero();
    SarmaePretrainModel w = wrapperB();
    assertThat(w.parameterCount()).isEqualTo(113_683_456L);
    assertThat(w.trainableParameterCount()).isEqualTo(112_838_400L);
  }

  @Test
  void withoutAlignmentThereAreNoOpticalOrHeadParameters() {
    SarmaePretrainModel w = SarmaePretrainModel.builder().setMae(mae("base", 16)).build();
    assertThat(w.alignmentEnabled()).isFalse();
    assertThat(w.parameterCount()).isEqualTo(111_907_840L);
    assertThat(w.referenceStateDict())
        .hasSize(254)
        .allSatisfy((k, v) -> assertThat(k).startsWith("sar_encoder."));
  }

  @Test
  void referenceStateDictKeysOrderAndShapes() {
    Map<String, Parameter> dict = wrapperB().referenceStateDict();
    assertThat(dict).hasSize(265);
    List<String> expected = new ArrayList<>();
    for (String k : List.of("cls_token", "pos_embed", "mask_token", "decoder_pos_embed")) {
      expected.add("sar_encoder." + k);
    }
    expected.add("sar_encoder.patch_embed.proj.weight");
    expected.add("sar_encoder.patch_embed.proj.bias");
    addBlocks(expected, "sar_encoder.blocks.", 12);
    expected.add("sar_encoder.norm.weight");
    expected.add("sar_encoder.norm.bias");
    expected.add("sar_encoder.decoder_embed.weight");
    expected.add("sar_encoder.decoder_embed.bias");
    addBlocks(expected, "sar_encoder.decoder_blocks.", 8);
    expected.add("sar_encoder.decoder_norm.weight");
    expected.add("sar_encoder.decoder_norm.bias");
    expected.add("sar_encoder.decoder_pred.weight");
    expected.add("sar_encoder.decoder_pred.bias");
    for (String k :
        List.of(
            "cls_token", "patch_embed.weight", "patch_embed.bias", "norm.weight", "norm.bias")) {
      expected.add("optical_encoder." + k);
    }
    for (String k : List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias")) {
      expected.add("sar_alignment_ffn." + k);
    }
    assertThat(dict.keySet()).containsExactlyElementsOf(expected);

    assertThat(dict.get("sar_encoder.cls_token").getShape()).isEqualTo(new Shape(1, 1, 768));
    assertThat(dict.get("sar_encoder.pos_embed").getShape()).isEqualTo(new Shape(1, 197, 768));
    assertThat(dict.get("sar_encoder.mask_token").getShape()).isEqualTo(new Shape(1, 1, 512));
    assertThat(dict.get("sar_encoder.decoder_pos_embed").getShape())
        .isEqualTo(new Shape(1, 197, 512));
    assertThat(dict.get("sar_encoder.blocks.0.attn.qkv.weight").getShape())
        .isEqualTo(new Shape(2304, 768));
    assertThat(dict.get("sar_encoder.blocks.11.mlp.fc1.weight").getShape())
        .isEqualTo(new Shape(3072, 768));
    assertThat(dict.get("sar_encoder.patch_embed.proj.weight").getShape())
        .isEqualTo(new Shape(768, 3, 16, 16));
    assertThat(dict.get("sar_encoder.decoder_pred.weight").getShape())
        .isEqualTo(new Shape(768, 512));
    assertThat(dict.get("sar_alignment_ffn.2.weight").getShape()).isEqualTo(new Shape(768, 768));
    assertThat(dict.get("optical_encoder.patch_embed.weight").getShape())
        .isEqualTo(new Shape(768, 3, 16, 16));

    List<String> frozen =
        dict.entrySet().stream()
            .filter(e -> !e.getValue().requiresGradient())
            .map(Map.Entry::getKey)
            .toList();
    assertThat(frozen)
        .containsExactly(
            "sar_encoder.pos_embed",
            "sar_encoder.decoder_pos_embed",
            "optical_encoder.cls_token",
            "optical_encoder.patch_embed.weight",
            "optical_encoder.patch_embed.bias",
            "optical_encoder.norm.weight",
            "optical_encoder.norm.bias");
  }

  @Test
  void weightDecayGroupsOfTheReferenceOptimizer() {
    // timm add_weight_decay: trainable tensors with rank > 1 decay, rank-1 ones do not (§9.4)
    Map<String, Parameter> dict = wrapperB().referenceStateDict();
    long decay =
        dict.values().stream()
            .filter(Parameter::requiresGradient)
            .filter(p -> p.getShape().dimension() > 1)
            .count();
    long noDecay =
        dict.values().stream()
            .filter(Parameter::requiresGradient)
            .filter(p -> p.getShape().dimension() <= 1)
            .count();
    assertThat(decay).isEqualTo(87);
    assertThat(noDecay).isEqualTo(171);
  }

  private static void addBlocks(List<String> out, String prefix, int depth) {
    for (int i = 0; i < depth; i++) {
      for (String layer :
          List.of("norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2")) {
        out.add(prefix + i + "." + layer + ".weight");
        out.add(prefix + i + "." + layer + ".bias");
      }
    }
  }
}
