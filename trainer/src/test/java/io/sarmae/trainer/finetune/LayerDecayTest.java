package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.nn.Parameter;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.VitSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerDecayTest {

  /** Reference §9 item 14: ViT-B scales 0.75^(13 - id). */
  @Test
  void vitBaseScalesMatchTheReference() {
    assertThat(LayerDecay.scale("cls_token", 12, 0.75)).isCloseTo(0.0237573, within(1e-7));
    assertThat(LayerDecay.scale("pos_embed", 12, 0.75)).isCloseTo(0.0237573, within(1e-7));
    assertThat(LayerDecay.scale("patch_embed.proj.weight", 12, 0.75))
        .isCloseTo(0.0237573, within(1e-7));
    assertThat(LayerDecay.scale("blocks.0.attn.qkv.weight", 12, 0.75))
        .isCloseTo(0.0316764, within(1e-7));
    assertThat(LayerDecay.scale("blocks.11.mlp.fc2.bias", 12, 0.75)).isEqualTo(0.75);
    assertThat(LayerDecay.scale("fc_norm.weight", 12, 0.75)).isEqualTo(1.0);
    assertThat(LayerDecay.scale("head.weight", 12, 0.75)).isEqualTo(1.0);
    for (int i = 0; i < 12; i++) {
      assertThat(LayerDecay.layerId("blocks." + i + ".norm1.weight", 12)).isEqualTo(i + 1);
      assertThat(LayerDecay.scale("blocks." + i + ".norm1.weight", 12, 0.75))
          .isCloseTo(Math.pow(0.75, 12 - i), within(1e-12));
    }
    // ViT-L: 0.75^25 for the embeddings
    assertThat(LayerDecay.scale("pos_embed", 24, 0.75)).isCloseTo(7.53e-4, within(1e-6));
  }

  /** The segmenter's names: encoder under backbone., neck and heads are the head group. */
  @Test
  void segmenterNamesDecayLikeTheEncoder() {
    assertThat(LayerDecay.layerId("backbone.cls_token", 12)).isZero();
    assertThat(LayerDecay.layerId("backbone.patch_embed.proj.weight", 12)).isZero();
    assertThat(LayerDecay.layerId("backbone.blocks.4.attn.qkv.weight", 12)).isEqualTo(5);
    assertThat(LayerDecay.layerId("neck.fpn1.0.weight", 12)).isEqualTo(13);
    assertThat(LayerDecay.layerId("decode_head.conv_seg.weight", 12)).isEqualTo(13);
    assertThat(LayerDecay.decays("backbone.pos_embed", 3)).isFalse();
    assertThat(LayerDecay.decays("backbone.blocks.0.attn.qkv.weight", 2)).isTrue();
  }

  @Test
  void everyClassifierParameterGetsItsGroup() {
    VitClassifier model =
        VitClassifier.create(VitSpec.of("tiny", 32, 8, 3, 16, 1, 1), 10, VitClassifier.Pool.AVG, 0);
    Map<String, Parameter> named = model.referenceStateDict();
    Map<String, Float> lr = LayerDecay.lrScales(named, 12, 0.75);
    Map<String, Float> wd = LayerDecay.weightDecays(named, 0.05);
    assertThat(lr).hasSize(named.size());
    assertThat(lr.get(named.get("head.weight").getId())).isEqualTo(1f);
    assertThat(lr.get(named.get("blocks.3.attn.proj.weight").getId()))
        .isCloseTo((float) Math.pow(0.75, 9), within(1e-7f));
    assertThat(wd.get(named.get("blocks.3.attn.proj.weight").getId())).isEqualTo(0.05f);
    assertThat(wd.get(named.get("blocks.3.attn.proj.bias").getId())).isZero();
    assertThat(wd.get(named.get("fc_norm.weight").getId())).isZero();
    assertThat(wd.get(named.get("pos_embed").getId())).isZero();
    assertThat(wd.get(named.get("cls_token").getId())).isZero();
    assertThat(wd.get(named.get("patch_embed.proj.weight").getId())).isEqualTo(0.05f);
    // reference: 12 blocks x 4 decayed matrices + patch embed + head = 50 decay tensors
    assertThat(wd.values().stream().filter(v -> v > 0).count()).isEqualTo(50);
  }
}
