package io.sarmae.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The trainer side of the operator contract: every config under {@code docs/contract/} (the
 * operator's golden rendering among them) parses strictly, and {@code pretrain-full.yaml} lists
 * exactly the defaults. Regenerate it with {@code -Dsarmae.updateGolden=true}.
 */
class ContractConfigTest {
  private static final Path CONTRACT = Path.of("..", "docs", "contract");

  @Test
  void everyContractConfigParsesStrictly() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(CONTRACT)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("pretrain-full.yaml");
    for (Path f : files) {
      if (f.getFileName().toString().startsWith("finetune")) {
        assertThat(ConfigLoader.loadFinetune(f, List.of())).as(f.toString()).isNotNull();
        continue;
      }
      if (!f.getFileName().toString().equals("pretrain-full.yaml")) {
        // The operator's renderings (pretrain-operator.yaml) load as they are: the operator
        // renders alignment.randomTeacher and refuses the same specs the trainer would.
        assertThat(ConfigLoader.load(f, List.of())).as(f.toString()).isNotNull();
        continue;
      }
      try {
        TrainerConfig c = ConfigLoader.load(f, List.of());
        assertThat(c).as(f.toString()).isNotNull();
      } catch (ConfigException e) {
        // Keys, types and ranges must all be right. The one refusal tolerated is the random
        // teacher rule: pretrain-full.yaml lists the defaults, which align to a random teacher.
        assertThat(e.getMessage().lines())
            .as(f + ": " + e.getMessage())
            .allMatch(l -> l.startsWith("alignment.opticalWeights: not set"));
        TrainerConfig consented = ConfigLoader.load(f, List.of("alignment.randomTeacher=true"));
        assertThat(consented).as(f.toString()).isNotNull();
      }
    }
  }

  @Test
  void fullConfigListsTheDefaults() throws Exception {
    String expected =
        "# Every trainer config key with its default (generated; see docs/trainer-contract.md).\n"
            + ConfigLoader.toYaml(new TrainerConfig());
    Path golden = CONTRACT.resolve("pretrain-full.yaml");
    if (Boolean.getBoolean("sarmae.updateGolden")) {
      Files.writeString(golden, expected);
    }
    assertThat(Files.readString(golden)).isEqualTo(expected);
  }

  @Test
  void finetuneFullConfigListsTheDefaults() throws Exception {
    String expected =
        "# Every fine-tuning config key with its default (generated; see"
            + " docs/trainer-contract.md).\n"
            + ConfigLoader.toYaml(new FinetuneConfig());
    Path golden = CONTRACT.resolve("finetune-full.yaml");
    if (Boolean.getBoolean("sarmae.updateGolden")) {
      Files.writeString(golden, expected);
    }
    assertThat(Files.readString(golden)).isEqualTo(expected);
  }

  /**
   * The fine-tune defaults the operator must render the same (docs/trainer-contract.md, "One value
   * per default"): the reference's CLI defaults (SARMAE-REFERENCE §6.9), pinned in the generated
   * file so that a change is a decision, not a drift.
   */
  @Test
  void finetuneDefaultsAreTheReferenceCliDefaults() {
    FinetuneConfig c = ConfigLoader.loadFinetune(CONTRACT.resolve("finetune-full.yaml"), List.of());
    assertThat(c.task).isEqualTo(FinetuneConfig.Task.CLASSIFICATION);
    assertThat(c.optim.epochs).isEqualTo(50);
    assertThat(c.optim.blr).isEqualTo(1e-3);
    assertThat(c.optim.lr).isNull();
    assertThat(c.repeats.count).isEqualTo(1);
    assertThat(c.data.protocol).isEqualTo(FinetuneConfig.Protocol.ALL);
    assertThat(c.data.protocol.yamlName()).isEqualTo("all");
    assertThat(FinetuneConfig.Protocol.KSHOT.yamlName()).isEqualTo("kshot");
    assertThat(c.optim.batchSize).isEqualTo(64);
    assertThat(c.optim.warmupEpochs).isEqualTo(5);
    assertThat(c.optim.minLr).isEqualTo(1e-6);
    assertThat(c.optim.weightDecay).isEqualTo(0.05);
    assertThat(c.optim.layerDecay).isEqualTo(0.75);
    assertThat(c.optim.smoothing).isEqualTo(0.1);
    assertThat(c.optim.clipGrad).isZero();
    assertThat(c.optim.maxSkippedSteps).isEqualTo(20);
    assertThat(c.optim.maxSkippedFraction).isEqualTo(0.25);
    assertThat(c.model.dropPath).isEqualTo(0.1);
    assertThat(c.model.mode).isEqualTo(FinetuneConfig.Mode.FINETUNE);
    assertThat(c.data.shots).isEqualTo(10);
    // segmentation: mmseg's ViT UperNet configs (docs/segmentation.md)
    assertThat(c.segmentation.channels).isEqualTo(512);
    assertThat(c.segmentation.auxChannels).isEqualTo(256);
    assertThat(c.segmentation.auxWeight).isEqualTo(0.4);
    assertThat(c.segmentation.dropout).isEqualTo(0.1);
    assertThat(c.segmentation.lossNorm).isEqualTo(FinetuneConfig.LossNorm.ALL_PIXELS);
    assertThat(c.segmentation.ratioRange).containsExactly(0.5, 2.0);
    assertThat(c.segmentation.catMaxRatio).isEqualTo(0.75);
    assertThat(c.segmentation.inference).isEqualTo(FinetuneConfig.Inference.WHOLE);
    assertThat(c.segmentation.binaryClass).isNull();
  }

  @Test
  void unknownTasksAreRefusedNamingTheKey() {
    assertThat(
            ConfigLoader.loadFinetune(null, List.of("task=detection", "model.imageSize=256")).task)
        .isEqualTo(FinetuneConfig.Task.DETECTION);
    // the padded input must hold whole cells of the coarsest pyramid level
    assertThatThrownBy(() -> ConfigLoader.loadFinetune(null, List.of("task=detection")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.imageSize: 224 is not a multiple of the largest detection")
        .hasMessageContaining("use e.g. 256");
    assertThat(ConfigLoader.loadFinetune(null, List.of("task=segmentation")).task)
        .isEqualTo(FinetuneConfig.Task.SEGMENTATION);
    assertThatThrownBy(() -> ConfigLoader.loadFinetune(null, List.of("task=depth")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("task");
  }

  @Test
  void operatorsFinetuneRenderingParsesStrictly() {
    Path golden =
        Path.of("..", "operator", "src", "test", "resources", "golden", "finetune-config.yaml");
    FinetuneConfig c = ConfigLoader.loadFinetune(golden, List.of());
    assertThat(c.model.init).isEqualTo("/weights/pretrained/sarmae-vit-b/final");
    assertThat(c.data.protocol).isEqualTo(FinetuneConfig.Protocol.KSHOT);
    assertThat(c.data.shots).isEqualTo(40);
    assertThat(c.repeats.count).isEqualTo(5);
  }

  @Test
  void operatorsRecipeRenderingResolvesToTheRecipe() {
    // spec.recipe: the operator names the recipe and leaves its defaulted keys out of the file.
    Path golden =
        Path.of(
            "..", "operator", "src", "test", "resources", "golden", "finetune-recipe-config.yaml");
    FinetuneConfig c = ConfigLoader.loadFinetune(golden, List.of());
    assertThat(c.optim.batchSize).isEqualTo(8);
    assertThat(c.optim.epochs).isEqualTo(30);
    assertThat(c.repeats.count).isEqualTo(5);
    assertThat(c.augment.hflip).isFalse();
    assertThat(c.augment.cropScaleMin).isEqualTo(1.0);
    assertThat(c.data.resplit).isEqualTo(FinetuneConfig.Resplit.FIXED);
    assertThat(c.data.normalization).isEqualTo(FinetuneConfig.InputNormalization.REFERENCE);
    assertThat(c.data.trainSplit).isEqualTo("Train");
    assertThat(c.model.size).isEqualTo(TrainerConfig.ModelSize.BASE);
    assertThat(c.model.init).isEqualTo("/w/b");
    assertThat(c.data.shots).isEqualTo(40);
  }
}
