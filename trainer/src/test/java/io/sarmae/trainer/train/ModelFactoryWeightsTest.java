package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.Dinov3Vit;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.PatchStemOpticalEncoder;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.weights.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Config wiring of .pth files: checkpoint.initWeights, alignment.opticalEncoder=dinov3. */
class ModelFactoryWeightsTest {

  private static TrainerConfig tinyConfig() {
    TrainerConfig c = new TrainerConfig();
    c.model.size = TrainerConfig.ModelSize.TINY;
    c.model.imageSize = 16;
    c.model.patchSize = 4;
    c.model.decoderDim = 8;
    c.model.decoderDepth = 1;
    c.model.decoderHeads = 2;
    c.alignment.opticalDim = 16;
    return c;
  }

  @Test
  void initWeightsAcceptsAPthAndLoadsTheEncoderOnly() {
    try (NDManager m = NDManager.newBaseManager()) {
      SarmaePretrainModel model =
          SarmaePretrainModel.builder()
              .setMae(
                  MaskedAutoencoderViT.builder()
                      .setSpec(io.sarmae.trainer.weights.MaeParityTestAccess.SPEC)
                      .build())
              .build();
      model.initialize(m);
      float[] decoderBefore =
          model
              .sarEncoder()
              .referenceStateDict()
              .get("decoder_pred.weight")
              .getArray()
              .toFloatArray();
      ModelFactory.loadEncoderInit(model, Fixtures.path("sarmae_wrapper.pth"), m);
      Map<String, NDArray> io = Fixtures.npz(m, "mae_tiny_io.npz");
      NDArray features =
          model.sarEncoder().forwardFeatures(new ParameterStore(m, false), io.get("imgs"), false);
      assertThat(features.sub(io.get("features")).abs().max().getFloat()).isLessThan(1e-4f);
      assertThat(
              model
                  .sarEncoder()
                  .referenceStateDict()
                  .get("decoder_pred.weight")
                  .getArray()
                  .toFloatArray())
          .containsExactly(decoderBefore);
    }
  }

  @Test
  void dinov3TeacherIsBuiltFromItsWeightsFile() {
    TrainerConfig c = tinyConfig();
    c.alignment.opticalEncoder = TrainerConfig.OpticalEncoderKind.DINOV3;
    c.alignment.opticalWeights = Fixtures.path("dinov3_tiny.pth").toString();
    try (NDManager m = NDManager.newBaseManager()) {
      SarmaePretrainModel model = ModelFactory.pretrainModel(c, m);
      assertThat(model.opticalEncoder()).get().isInstanceOf(Dinov3Vit.class);
      Map<String, NDArray> io = Fixtures.npz(m, "dinov3_tiny_io.npz");
      NDArray patches = model.opticalEncoder().get().patchFeatures(io.get("optical"));
      assertThat(patches.sub(io.get("patch")).abs().max().getFloat()).isLessThan(1e-4f);
      assertThat(model.referenceStateDict()).containsKey("optical_encoder.storage_tokens");
    }
  }

  @Test
  void dinov3WidthMustMatchOpticalDim() {
    TrainerConfig c = tinyConfig();
    c.alignment.opticalEncoder = TrainerConfig.OpticalEncoderKind.DINOV3;
    c.alignment.opticalWeights = Fixtures.path("dinov3_tiny.pth").toString();
    c.alignment.opticalDim = 768;
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> ModelFactory.pretrainModel(c, m))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("set alignment.opticalDim=16");
    }
    c.alignment.opticalDim = 16;
    c.alignment.opticalWeights = Fixtures.path("mae_tiny.pth").toString();
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> ModelFactory.pretrainModel(c, m))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("does not hold DINOv3 tensor names");
    }
  }

  @Test
  void stemReadsItsFourTensorsFromADinov3Pth() {
    TrainerConfig c = tinyConfig();
    c.alignment.opticalWeights = Fixtures.path("dinov3_tiny_teacher_ckpt.pth").toString();
    try (NDManager m = NDManager.newBaseManager()) {
      SarmaePretrainModel model = ModelFactory.pretrainModel(c, m);
      assertThat(model.opticalEncoder()).get().isInstanceOf(PatchStemOpticalEncoder.class);
      float[] normWeight =
          model.referenceStateDict().get("optical_encoder.norm.weight").getArray().toFloatArray();
      try (var f = io.sarmae.trainer.weights.WeightsFile.open(Fixtures.path("dinov3_tiny.pth"))) {
        assertThat(normWeight).containsExactly(f.tensors().get("norm.weight").readFloats());
      }
    }
  }

  @Test
  void initWeightsOfAnotherDepthFailWithASummaryUnlessAllowed() {
    io.sarmae.trainer.model.VitSpec f = io.sarmae.trainer.weights.MaeParityTestAccess.SPEC;
    io.sarmae.trainer.model.VitSpec deeper =
        new io.sarmae.trainer.model.VitSpec(
            f.size(),
            f.imageSize(),
            f.patchSize(),
            f.inChannels(),
            f.embedDim(),
            f.depth() + 1,
            f.heads(),
            f.mlpRatio(),
            f.decoderDim(),
            f.decoderDepth(),
            f.decoderHeads());
    try (NDManager m = NDManager.newBaseManager()) {
      SarmaePretrainModel model =
          SarmaePretrainModel.builder()
              .setMae(MaskedAutoencoderViT.builder().setSpec(deeper).build())
              .build();
      model.initialize(m);
      var file = Fixtures.path("sarmae_wrapper.pth");
      assertThatThrownBy(() -> ModelFactory.loadEncoderInit(model, file, m))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("checkpoint.initWeights")
          .hasMessageContaining("file depth 2, width 16 vs model depth 3, width 16")
          .hasMessageContaining("12 of 41 needed tensors missing (blocks.2.*)")
          .hasMessageContaining("model.allowMissing");
      ModelFactory.loadEncoderInit(model, file, m, java.util.List.of("blocks.2.*"));
    }
  }
}
