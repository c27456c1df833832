package io.sarmae.trainer.weights;

import static io.sarmae.trainer.weights.MaeParityTest.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.Dinov3Spec;
import io.sarmae.trainer.model.Dinov3Vit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The DINOv3-style ViT of {@code dinov3_tiny.pth} (Meta's names; RoPE, 4 storage tokens,
 * LayerScale, masked k-bias) gives PyTorch's normalised tokens on a non-square image.
 */
class Dinov3ParityTest {

  static Dinov3Vit load(NDManager m, String fixture) {
    try (WeightsFile f = WeightsFile.open(Fixtures.path(fixture))) {
      KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
      assertThat(layout).isEqualTo(KeyMapping.Layout.DINOV3);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      f.tensors()
          .forEach(
              (k, t) -> shapes.put(KeyMapping.map(k, layout, KeyMapping.Target.DINOV3), t.shape()));
      Dinov3Spec spec = Dinov3Spec.fromShapes(shapes);
      assertThat(spec).isEqualTo(new Dinov3Spec(4, 16, 2, 2, 64, 4, true, 1e-5f));
      Dinov3Vit vit = new Dinov3Vit(spec);
      vit.initialize(m);
      WeightLoader.Report r =
          WeightLoader.load(
              vit.referenceStateDict(),
              f,
              k -> KeyMapping.map(k, layout, KeyMapping.Target.DINOV3));
      assertThat(r.missing()).isEmpty();
      assertThat(r.unused()).isEmpty();
      return vit;
    }
  }

  @Test
  void tokensMatchPyTorch() {
    try (NDManager m = NDManager.newBaseManager()) {
      Dinov3Vit vit = load(m, "dinov3_tiny.pth");
      Map<String, NDArray> io = Fixtures.npz(m, "dinov3_tiny_io.npz");
      NDArray tokens = vit.forwardTokens(new ParameterStore(m, false), io.get("optical"));
      assertThat(maxAbsDiff(tokens, io.get("tokens"))).isLessThan(1e-4f);
      assertThat(maxAbsDiff(vit.patchFeatures(io.get("optical")), io.get("patch")))
          .isLessThan(1e-4f);
      assertThat(maxAbsDiff(tokens.get(new NDIndex(":, 0, :")), io.get("cls"))).isLessThan(1e-4f);
    }
  }

  @Test
  void teacherOfATrainingCheckpointIsTheSameNetwork() {
    try (NDManager m = NDManager.newBaseManager()) {
      Dinov3Vit vit = load(m, "dinov3_tiny_teacher_ckpt.pth");
      Map<String, NDArray> io = Fixtures.npz(m, "dinov3_tiny_io.npz");
      assertThat(maxAbsDiff(vit.patchFeatures(io.get("optical")), io.get("patch")))
          .isLessThan(1e-4f);
    }
  }

  @Test
  void vitb16HasTheReleasedParameterCount() {
    Dinov3Vit vit = new Dinov3Vit(Dinov3Spec.vitb16());
    // patch embed 590,592 + cls 768 + storage 3,072 + mask 768 + 12 blocks x (12d^2 + 13d + 2d
    // LayerScale = 7,089,408) + norm 1,536; bias masks and RoPE periods are buffers
    long trainable =
        vit.referenceStateDict().entrySet().stream()
            .filter(e -> !e.getKey().endsWith("bias_mask") && !e.getKey().endsWith("periods"))
            .mapToLong(e -> e.getValue().getShape().size())
            .sum();
    assertThat(trainable).isEqualTo(85_669_632L);
    assertThat(vit.referenceStateDict()).hasSize(5 + 1 + 12 * 15 + 2);
  }
}
