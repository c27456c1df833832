package io.sarmae.trainer.model.seg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.VitSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PyramidShapesTest {

  /** Every ViT size at patch 16 on a 64x64 input: levels at strides 4, 8, 16, 32, D channels. */
  @ParameterizedTest
  @CsvSource({
    "tiny,192,'3,5,7,11'",
    "small,384,'3,5,7,11'",
    "base,768,'3,5,7,11'",
    "large,1024,'5,11,17,23'"
  })
  void everyVitSizeGivesFourLevelsAtStrides4To32(String size, int dim, String taps) {
    VitSpec spec = VitSpec.of(size, 64, 16, 1, 16, 1, 1);
    try (NDManager m = NDManager.newBaseManager()) {
      UperNetSegmenter seg =
          UperNetSegmenter.builder()
              .setSpec(spec)
              .setNumClasses(6)
              .optChannels(8)
              .optAuxChannels(4)
              .build();
      assertThat(seg.backbone().taps())
          .containsExactly(
              java.util.Arrays.stream(taps.split(",")).mapToInt(Integer::parseInt).toArray());
      // values do not matter here: zero weights allocate ViT-L's 300M parameters in well under a
      // second where the random initializers take tens of seconds on a busy core
      for (Parameter.Type t : Parameter.Type.values()) {
        seg.setInitializer(ai.djl.training.initializer.Initializer.ZEROS, t);
      }
      seg.initialize(m);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray img = m.randomNormal(new Shape(1, 1, 64, 64));
      List<NDArray> levels = seg.pyramid(ps, img, false, null);
      assertThat(levels.stream().map(NDArray::getShape))
          .containsExactly(
              new Shape(1, dim, 16, 16),
              new Shape(1, dim, 8, 8),
              new Shape(1, dim, 4, 4),
              new Shape(1, dim, 2, 2));
      if (dim > 192) {
        return; // the heads' training forward once is enough (tiny)
      }
      // training needs 2 samples: the 1x1 pyramid-pooling branch's BatchNorm has one value per
      // channel otherwise (PyTorch refuses that too)
      UperNetSegmenter.Output out =
          seg.forward(ps, m.randomNormal(new Shape(2, 1, 64, 64)), true, new Random(1));
      assertThat(out.logits().getShape()).isEqualTo(new Shape(2, 6, 16, 16));
      assertThat(out.auxLogits().getShape()).isEqualTo(new Shape(2, 6, 4, 4));
    }
  }

  @Test
  void rescalesKeepStrides4To32ForPowerOfTwoPatches() {
    assertThat(FeaturePyramid.rescales(16)).containsExactly(4, 2, 1, 0.5);
    assertThat(FeaturePyramid.rescales(8)).containsExactly(2, 1, 0.5, 0.25);
    assertThat(FeaturePyramid.rescales(32)).containsExactly(8, 4, 2, 1);
    assertThat(FeaturePyramid.rescales(14)).containsExactly(4, 2, 1, 0.5);
  }

  @Test
  void patch8AndPatch32PyramidsAndNonSquareInputs() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int patch : new int[] {8, 32}) {
        VitSpec spec = new VitSpec("t", 64, patch, 1, 16, 2, 2, 4, 16, 1, 2);
        UperNetSegmenter seg = UperNetSegmenter.builder().setSpec(spec).setNumClasses(3).build();
        seg.initialize(m);
        // 64 x 96: the pos-embed grid is resampled to the non-square input in the forward
        List<NDArray> levels =
            seg.pyramid(new ParameterStore(m, false), m.ones(new Shape(2, 1, 64, 96)), false, null);
        assertThat(levels.stream().map(NDArray::getShape))
            .as("patch %d", patch)
            .containsExactly(
                new Shape(2, 16, 16, 24),
                new Shape(2, 16, 8, 12),
                new Shape(2, 16, 4, 6),
                new Shape(2, 16, 2, 3));
      }
    }
  }

  @Test
  void tapRuleAndValidation() {
    assertThat(VitBackbone.defaultTaps(12)).containsExactly(3, 5, 7, 11);
    assertThat(VitBackbone.defaultTaps(24)).containsExactly(5, 11, 17, 23);
    assertThat(VitBackbone.defaultTaps(32)).containsExactly(7, 15, 23, 31);
    assertThat(VitBackbone.defaultTaps(4)).containsExactly(0, 1, 2, 3);
    assertThat(VitBackbone.defaultTaps(2)).containsExactly(0, 0, 1, 1);
    VitSpec spec = new VitSpec("t", 32, 8, 1, 16, 2, 2, 4, 16, 1, 2);
    assertThatThrownBy(() -> new VitBackbone(spec, new int[] {0, 1, 2, 3}, 0))
        .hasMessageContaining("below depth 2");
  }

  /** The backbone's encoder names and shapes are the classifier's, so its init path fills both. */
  @Test
  void encoderNamesAndShapesAreTheClassifiers() {
    VitSpec spec = new VitSpec("t", 32, 8, 1, 16, 2, 2, 4, 16, 1, 2);
    try (NDManager m = NDManager.newBaseManager()) {
      VitClassifier cls = VitClassifier.create(spec, 3, VitClassifier.Pool.AVG, 0);
      cls.initialize(m);
      UperNetSegmenter seg = UperNetSegmenter.builder().setSpec(spec).setNumClasses(3).build();
      seg.initialize(m);
      Map<String, Parameter> enc = seg.backbone().encoderStateDict();
      Map<String, Parameter> ref = cls.referenceStateDict();
      assertThat(ref.keySet()).containsAll(enc.keySet());
      assertThat(enc).hasSize(ref.size() - 4); // classifier extra: fc_norm.{w,b}, head.{w,b}
      enc.forEach(
          (k, p) ->
              assertThat(p.getArray().getShape())
                  .as(k)
                  .isEqualTo(ref.get(k).getArray().getShape()));
    }
  }
}
