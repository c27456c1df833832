package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MAE of {@code mae_tiny.pth} (written by PyTorch with timm/MAE names) loaded by our reader
 * gives PyTorch's encoder output, reconstruction and loss for the same masking noise.
 */
class MaeParityTest {

  /** image 16, patch 4, width 16, 2 blocks x 2 heads; decoder 8 wide, 1 block x 2 heads. */
  static final VitSpec SPEC = new VitSpec("tiny-test", 16, 4, 3, 16, 2, 2, 4, 8, 1, 2);

  static float maxAbsDiff(NDArray a, NDArray b) {
    assertThat(a.getShape()).isEqualTo(b.getShape());
    return a.toType(DataType.FLOAT32, false)
        .sub(b.toType(DataType.FLOAT32, false))
        .abs()
        .max()
        .getFloat();
  }

  static MaskedAutoencoderViT loadedMae(NDManager m, String file) {
    MaskedAutoencoderViT mae = MaskedAutoencoderViT.builder().setSpec(SPEC).build();
    mae.initialize(m);
    try (WeightsFile f = WeightsFile.open(Fixtures.path(file))) {
      KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
      WeightLoader.Report r =
          WeightLoader.load(
              mae.referenceStateDict(), f, k -> KeyMapping.map(k, layout, KeyMapping.Target.MAE));
      assertThat(r.missing()).isEmpty();
      assertThat(r.loaded()).hasSize(mae.referenceStateDict().size());
    }
    return mae;
  }

  @Test
  void encoderDecoderAndLossMatchPyTorch() {
    try (NDManager m = NDManager.newBaseManager()) {
      MaskedAutoencoderViT mae = loadedMae(m, "mae_tiny.pth");
      Map<String, NDArray> io = Fixtures.npz(m, "mae_tiny_io.npz");
      ParameterStore ps = new ParameterStore(m, false);
      MaskedAutoencoderViT.EncoderOutput enc =
          mae.forwardEncoder(ps, io.get("imgs"), io.get("noise"), false);
      assertThat(maxAbsDiff(enc.latent(), io.get("latent"))).isLessThan(1e-4f);
      assertThat(maxAbsDiff(enc.mask(), io.get("mask"))).isZero();
      NDArray pred = mae.forwardDecoder(ps, enc.latent(), enc.idsRestore(), false);
      assertThat(maxAbsDiff(pred, io.get("pred"))).isLessThan(1e-4f);
      NDArray loss = mae.forwardLoss(io.get("target"), pred, enc.mask());
      assertThat(Math.abs(loss.getFloat() - io.get("loss").getFloat(0))).isLessThan(1e-4f);
      NDArray features = mae.forwardFeatures(ps, io.get("imgs"), false);
      assertThat(maxAbsDiff(features, io.get("features"))).isLessThan(1e-4f);
    }
  }

  @Test
  void sarmaeWrapperCheckpointLoadsTheSameEncoder() {
    try (NDManager m = NDManager.newBaseManager()) {
      MaskedAutoencoderViT mae = loadedMae(m, "sarmae_wrapper.pth");
      Map<String, NDArray> io = Fixtures.npz(m, "mae_tiny_io.npz");
      NDArray features = mae.forwardFeatures(new ParameterStore(m, false), io.get("imgs"), false);
      assertThat(maxAbsDiff(features, io.get("features"))).isLessThan(1e-4f);
    }
  }

  @Test
  void wrapperLoadsIntoThePretrainingModelStrictly() {
    try (NDManager m = NDManager.newBaseManager();
        WeightsFile f = WeightsFile.open(Fixtures.path("sarmae_wrapper.pth"))) {
      SarmaePretrainModel model =
          SarmaePretrainModel.builder()
              .setMae(MaskedAutoencoderViT.builder().setSpec(SPEC).build())
              .optOpticalEncoder(new io.sarmae.trainer.model.PatchStemOpticalEncoder(16, 4))
              .build();
      model.initialize(m);
      KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
      assertThat(layout).isEqualTo(KeyMapping.Layout.SARMAE);
      WeightLoader.Report r =
          WeightLoader.load(
              model.referenceStateDict(),
              f,
              k -> KeyMapping.map(k, layout, KeyMapping.Target.SARMAE));
      assertThat(r.missing()).isEmpty();
      assertThat(r.unused()).isEmpty();
      float[] w =
          model.referenceStateDict().get("sar_alignment_ffn.2.weight").getArray().toFloatArray();
      assertThat(w).containsExactly(f.tensors().get("sar_alignment_ffn.2.weight").readFloats());
    }
  }
}
