package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.PatchStemOpticalEncoder;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reference §5.1 / §9 item 4: the optimizer groups of the ViT-B pretraining wrapper. */
class WeightDecayGroupsTest {

  private static long[] groups(boolean decayTokens) {
    SarmaePretrainModel model =
        SarmaePretrainModel.builder()
            .setMae(
                MaskedAutoencoderViT.builder()
                    .setSpec(VitSpec.of("base", 224, 16, 3, 512, 8, 16))
                    .build())
            .optOpticalEncoder(new PatchStemOpticalEncoder(768, 16))
            .build();
    long decay = 0;
    long noDecay = 0;
    long frozen = 0;
    for (Map.Entry<String, Parameter> e : model.referenceStateDict().entrySet()) {
      Parameter p = e.getValue();
      if (!p.requiresGradient()) {
        frozen++;
      } else if (TrainStep.decays(e.getKey(), p.getShape().dimension(), decayTokens)) {
        decay++;
      } else {
        noDecay++;
      }
    }
    return new long[] {decay, noDecay, frozen};
  }

  @Test
  void referenceModeGives87DecayAnd171NoDecayTensors() {
    // 2 pos-embeds + 5 optical tensors are frozen and excluded
    assertThat(groups(true)).containsExactly(87, 171, 7);
  }

  @Test
  void defaultModeAlsoExemptsTheTwoTokens() {
    assertThat(groups(false)).containsExactly(85, 173, 7);
    TrainerConfig.Optim defaults = new TrainerConfig().optim;
    assertThat(defaults.decayTokens).isFalse();
  }
}
