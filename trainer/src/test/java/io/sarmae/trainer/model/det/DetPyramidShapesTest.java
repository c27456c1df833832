package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.VitSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simple pyramid's level shapes and parameter shapes for several ViT widths and patches. */
class DetPyramidShapesTest {

  static Map<String, Shape> shapes(SimplePyramid p) {
    Map<String, Parameter> named = new LinkedHashMap<>();
    p.collectReferenceParameters("", named);
    Map<String, Shape> out = new LinkedHashMap<>();
    named.forEach((k, v) -> out.put(k, v.getShape()));
    return out;
  }

  @Test
  void vitDetParameterShapesForBaseLargeAndHuge() {
    // ViT-B/16, strides 4..64: ConvT 768->384, LN, ConvT 384->192 | ConvT 768->384 | id | pool
    Map<String, Shape> b = shapes(new SimplePyramid(768, 16, new int[] {4, 8, 16, 32, 64}, 256));
    assertThat(b.get("level0.up.0.weight")).isEqualTo(new Shape(768, 384, 2, 2));
    assertThat(b.get("level0.up_norm.0.weight")).isEqualTo(new Shape(384));
    assertThat(b.get("level0.up.1.weight")).isEqualTo(new Shape(384, 192, 2, 2));
    assertThat(b.get("level0.lateral.weight")).isEqualTo(new Shape(256, 192, 1, 1));
    assertThat(b.get("level1.up.0.weight")).isEqualTo(new Shape(768, 384, 2, 2));
    assertThat(b.get("level1.lateral.weight")).isEqualTo(new Shape(256, 384, 1, 1));
    assertThat(b.get("level2.lateral.weight")).isEqualTo(new Shape(256, 768, 1, 1));
    assertThat(b.get("level3.lateral.weight")).isEqualTo(new Shape(256, 768, 1, 1));
    assertThat(b.get("level3.output.weight")).isEqualTo(new Shape(256, 256, 3, 3));
    assertThat(b.keySet()).noneMatch(k -> k.startsWith("level4")); // P6 is a subsample
    assertThat(b.keySet()).noneMatch(k -> k.startsWith("level2.up") || k.startsWith("level3.up"));
    // ViT-L/16 and ViT-H/16, the default strides 8..64
    Map<String, Shape> l = shapes(new SimplePyramid(1024, 16, new int[] {8, 16, 32, 64}, 256));
    assertThat(l.get("level0.up.0.weight")).isEqualTo(new Shape(1024, 512, 2, 2));
    assertThat(l.get("level0.lateral.weight")).isEqualTo(new Shape(256, 512, 1, 1));
    Map<String, Shape> h = shapes(new SimplePyramid(1280, 16, new int[] {8, 16, 32, 64}, 256));
    assertThat(h.get("level1.lateral.weight")).isEqualTo(new Shape(256, 1280, 1, 1));
    // patch 8: stride 4 needs one ConvT, stride 8 none
    Map<String, Shape> p8 = shapes(new SimplePyramid(384, 8, new int[] {4, 8, 16, 32}, 128));
    assertThat(p8.get("level0.up.0.weight")).isEqualTo(new Shape(384, 192, 2, 2));
    assertThat(p8.get("level1.lateral.weight")).isEqualTo(new Shape(128, 384, 1, 1));
  }

  @Test
  void levelShapesOnNonSquareInputs() {
    int[][] cases = { // dim, patch, strides...
      {32, 16, 4, 8, 16, 32, 64}, {32, 8, 4, 8, 16, 32}, {32, 32, 8, 16, 32, 64}, {16, 4, 4, 8, 16}
    };
    try (NDManager m = NDManager.newBaseManager()) {
      for (int[] c : cases) {
        int dim = c[0];
        int patch = c[1];
        int[] strides = java.util.Arrays.copyOfRange(c, 2, c.length);
        SimplePyramid p = new SimplePyramid(dim, patch, strides, 8);
        p.initialize(m);
        int div = p.sizeDivisor();
        int hh = 2 * div;
        int ww = 3 * div;
        NDArray map = m.randomNormal(new Shape(2, dim, hh / patch, ww / patch));
        List<NDArray> levels = p.apply(new ParameterStore(m, false), map, false);
        assertThat(levels).hasSize(strides.length);
        for (int i = 0; i < strides.length; i++) {
          assertThat(levels.get(i).getShape())
              .as("patch %d stride %d", patch, strides[i])
              .isEqualTo(new Shape(2, 8, hh / strides[i], ww / strides[i]));
        }
      }
    }
  }

  @Test
  void detectorOutputsAndInputChecks() {
    VitSpec spec = new VitSpec("t", 32, 16, 2, 16, 1, 2, 4, 16, 1, 2);
    DetectorSpec ds = DetectorSpec.defaults(4, true);
    FcosDetector model =
        new FcosDetector(
            spec,
            new DetectorSpec(
                4,
                true,
                new int[] {8, 16, 32, 64},
                8,
                1,
                true,
                true,
                1.5,
                0.25,
                2,
                1,
                1,
                0.05,
                10,
                0.1,
                5),
            0);
    assertThat(model.sizeDivisor()).isEqualTo(64);
    assertThat(model.oriented()).isTrue();
    assertThat(model.depth()).isEqualTo(1);
    assertThat(model.named().keySet())
        .contains(
            "backbone.pos_embed",
            "neck.level0.up.0.weight",
            "head.conv_angle.weight",
            "head.scales.3.scale")
        .allMatch(k -> k.startsWith("backbone.") || k.startsWith("neck.") || k.startsWith("head."));
    assertThat(model.encoderStateDict().keySet()).contains("pos_embed", "blocks.0.attn.qkv.weight");
    try (NDManager m = NDManager.newBaseManager()) {
      model.initialize(m);
      // FCOS init: classification prior p = 0.01, per-level scales 1, GN affine 1 / 0
      float[] prior = model.named().get("head.conv_cls.bias").getArray().toFloatArray();
      assertThat(prior).hasSize(4);
      for (float b : prior) {
        assertThat(b).isCloseTo((float) -Math.log(99), within(1e-6f));
      }
      assertThat(model.named().get("head.scales.2.scale").getArray().getFloat()).isEqualTo(1f);
      assertThat(model.named().get("head.conv_reg.bias").getArray().toFloatArray())
          .containsOnly(0f);
      assertThat(model.named().get("head.cls_convs.0.gn.weight").getArray().toFloatArray())
          .containsOnly(1f);
      ParameterStore ps = new ParameterStore(m, false);
      FcosHead.Output out =
          model.forward(ps, m.randomNormal(new Shape(1, 2, 64, 128)), false, null);
      assertThat(out.cls().get(0).getShape()).isEqualTo(new Shape(1, 4, 8, 16));
      assertThat(out.reg().get(3).getShape()).isEqualTo(new Shape(1, 4, 1, 2));
      assertThat(out.angle().get(1).getShape()).isEqualTo(new Shape(1, 1, 4, 8));
      assertThatThrownBy(() -> model.detect(ps, m.randomNormal(new Shape(1, 2, 64, 96))))
          .hasMessageContaining("multiples of 64");
    }
    assertThat(ds.strides()).containsExactly(8, 16, 32, 64);
    assertThatThrownBy(() -> new SimplePyramid(1280, 14, new int[] {8, 16, 32, 64}, 256))
        .hasMessageContaining("detection.strides")
        .hasMessageContaining("patch size 14");
    assertThatThrownBy(() -> new SimplePyramid(768, 16, new int[] {8, 16, 64}, 256))
        .hasMessageContaining("must then be 32");
    assertThatThrownBy(() -> new SimplePyramid(768, 16, new int[] {16, 8}, 256))
        .hasMessageContaining("ascending");
  }
}
