package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forward shapes (§9 item 1) and the fixed position embeddings of a real ViT-B/16. */
class MaskedAutoencoderViTTest {

  private static NDManager manager;
  private static MaskedAutoencoderViT vitB;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
    vitB = MaskedAutoencoderViT.builder().setSpec(VitSpec.mae("base", 16)).build();
    vitB.initialize(manager);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  @Test
  void vitB16ForwardShapes() {
    try (NDManager step = manager.newSubManager()) {
      NDArray imgs = step.randomNormal(new Shape(1, 3, 224, 224));
      NDArray noise = step.randomUniform(0f, 1f, new Shape(1, 196));
      NDList out = vitB.forward(new ParameterStore(step, false), new NDList(imgs, noise), false);
      assertThat(out).hasSize(4);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(1, 50, 768));
      assertThat(out.get(1).getShape()).isEqualTo(new Shape(1, 196, 768));
      assertThat(out.get(2).getShape()).isEqualTo(new Shape(1, 196));
      assertThat(out.get(3).getShape()).isEqualTo(new Shape(1, 196));
      assertThat(out.get(2).sum().getFloat()).isEqualTo(147f);
      assertThat(out.get(1).isNaN().any().getBoolean()).isFalse();
      // nothing computed in the forward pass may land in the model's manager
      assertThat(out.get(1).getManager()).isSameAs(step);
    }
  }

  @Test
  void forwardFeaturesKeepsAllPatches() {
    try (NDManager step = manager.newSubManager()) {
      NDArray imgs = step.randomNormal(new Shape(1, 3, 224, 224));
      NDArray features = vitB.forwardFeatures(new ParameterStore(step, false), imgs, false);
      assertThat(features.getShape()).isEqualTo(new Shape(1, 197, 768));
    }
  }

  @Test
  void withoutMaskingTheEncoderEqualsForwardFeatures() {
    MaskedAutoencoderViT mae =
        MaskedAutoencoderViT.builder().setSpec(TinyTrainingRun.SPEC).optMaskRatio(0f).build();
    try (NDManager m = manager.newSubManager()) {
      mae.initialize(m);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray imgs = m.randomNormal(new Shape(2, 3, 32, 32));
      // increasing noise keeps the patches in their own order
      NDArray noise = m.arange(0f, 16f).reshape(1, 16).repeat(0, 2);
      NDArray latent = mae.forwardEncoder(ps, imgs, noise, false).latent();
      NDArray features = mae.forwardFeatures(ps, imgs, false);
      assertThat(latent.getShape()).isEqualTo(new Shape(2, 17, 32));
      assertThat(features.sub(latent).abs().max().getFloat()).isLessThan(1e-5f);
      NDArray raw = mae.forwardFeatures(ps, imgs, false, false);
      // at init the final norm is the plain standardisation of each token
      NDArray mean = raw.mean(new int[] {2}, true);
      NDArray std = raw.sub(mean).square().mean(new int[] {2}, true).add(m.create(1e-6f)).sqrt();
      assertThat(raw.sub(mean).div(std).sub(features).abs().max().getFloat()).isLessThan(1e-4f);
    }
  }

  @Test
  void posEmbedsAreFrozenSinCosTables() {
    var dict = vitB.referenceStateDict();
    NDArray pos = dict.get("pos_embed").getArray();
    NDArray dec = dict.get("decoder_pos_embed").getArray();
    assertThat(pos.getShape()).isEqualTo(new Shape(1, 197, 768));
    assertThat(dec.getShape()).isEqualTo(new Shape(1, 197, 512));
    assertThat(pos.hasGradient()).isFalse();
    assertThat(dict.get("pos_embed").requiresGradient()).isFalse();
    assertThat(dict.get("cls_token").getArray().hasGradient()).isTrue();
    float[] p = pos.toFloatArray();
    assertThat(Arrays.equals(p, PosEmbed.sinCos2d(768, 14, true))).isTrue();
    assertThat(Arrays.equals(dec.toFloatArray(), PosEmbed.sinCos2d(512, 14, true))).isTrue();
    assertThat(p[2 * 768 + 1]).isCloseTo(0.815251f, within(1e-6f));
  }

  @Test
  void largeAndHugeShapesWithoutAllocating() {
    Shape[] in = {new Shape(2, 3, 224, 224), new Shape(2, 196)};
    MaskedAutoencoderViT large =
        MaskedAutoencoderViT.builder().setSpec(VitSpec.mae("large", 16)).build();
    assertThat(large.getOutputShapes(in)[0]).isEqualTo(new Shape(2, 50, 1024));
    MaskedAutoencoderViT huge =
        MaskedAutoencoderViT.builder().setSpec(VitSpec.mae("huge", 14)).build();
    Shape[] out = huge.getOutputShapes(new Shape[] {new Shape(2, 3, 224, 224), new Shape(2, 256)});
    assertThat(out[0]).isEqualTo(new Shape(2, 65, 1280));
    assertThat(out[1]).isEqualTo(new Shape(2, 256, 588));
    assertThat(out[2]).isEqualTo(new Shape(2, 256));
  }

  @Test
  void tinyHuge14StyleGeometryRunsForReal() {
    // ViT-H/14 geometry (L=256, K=64, pred 588) on a narrow model so the test stays fast.
    VitSpec spec = new VitSpec("h14-narrow", 224, 14, 3, 64, 1, 4, 4, 32, 1, 4);
    MaskedAutoencoderViT mae = MaskedAutoencoderViT.builder().setSpec(spec).build();
    try (NDManager m = manager.newSubManager()) {
      mae.initialize(m);
      NDList out =
          mae.forward(
              new ParameterStore(m, false),
              new NDList(
                  m.randomNormal(new Shape(2, 3, 224, 224)),
                  m.randomUniform(0f, 1f, new Shape(2, 256))),
              false);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 65, 64));
      assertThat(out.get(1).getShape()).isEqualTo(new Shape(2, 256, 588));
      assertThat(out.get(2).sum().getFloat()).isEqualTo(2f * 192);
    }
  }
}
