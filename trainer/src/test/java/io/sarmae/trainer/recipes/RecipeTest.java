package io.sarmae.trainer.recipes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.trainer.Main;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.config.Recipe;
import io.sarmae.trainer.exit.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each recipe resolves, key by key, to the reference's values. The tables below are the reference's
 * (../shared/SARMAE-REFERENCE.md, MiliLab/SARMAE @ c657755; section in the third column), written
 * out independently of the recipe files, and compared with the loader's resolved config.
 */
class RecipeTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Fine-tuning keys shared by the three classification recipes. */
  private static final String[][] FINETUNE = {
    {"model.mode", "finetune", "§6.4 main_finetune.py"},
    {"model.size", "base", "§6.9 README --model vit_base_patch16"},
    {"model.patchSize", "16", "§6.4"},
    {"model.imageSize", "224", "§6.4 --input_size 224"},
    {"model.inChannels", "3", "§6.1 converted to RGB"},
    {"model.pool", "avg", "§6.4 --global_pool True"},
    {"model.dropPath", "0.1", "§6.9 --drop_path"},
    {"data.trainSplit", "Train", "§6.1"},
    {"data.evalSplit", "Val", "§6.1"},
    {"data.resplit", "fixed", "§6.3 one split folder, repeats vary the seed"},
    {"data.normalization", "reference", "§6.2 [0, 1], no mean/std"},
    {"data.evalEveryEpochs", "1", "§6.9 --eval_freq"},
    {"augment.hflip", "false", "§6.2 no augmentation"},
    {"augment.vflip", "false", "§6.2"},
    {"augment.cropScaleMin", "1.0", "§6.2 plain Resize"},
    {"augment.speckle", "false", "§6.2"},
    {"augment.mixup", "0.0", "§6.9 --mixup 0"},
    {"augment.cutmix", "0.0", "§6.9 --cutmix 0"},
    {"optim.epochs", "30", "§6.9 README --epochs 30"},
    {"optim.batchSize", "8", "§6.9 README --batch_size 8"},
    {"optim.blr", "0.001", "§6.6 --blr 1e-3 (lr 3.125e-5)"},
    {"optim.minLr", "1.0E-6", "§6.6 --min_lr"},
    {"optim.warmupEpochs", "5.0", "§6.6 --warmup_epochs"},
    {"optim.weightDecay", "0.05", "§6.6"},
    {"optim.beta1", "0.9", "§6.6 AdamW default betas"},
    {"optim.beta2", "0.999", "§6.6"},
    {"optim.layerDecay", "0.75", "§6.6 --layer_decay"},
    {"optim.clipGrad", "0.0", "§6.6 --clip_grad None"},
    {"optim.smoothing", "0.1", "§6.6 --smoothing"},
    {"repeats.count", "5", "§6.8 README --exp_num 5"},
  };

  /** Pretraining keys shared by both paper recipes. */
  private static final String[][] PRETRAIN = {
    {"model.patchSize", "16", "§1.1"},
    {"model.imageSize", "224", "§4.3"},
    {"model.inChannels", "3", "§4.3"},
    {"model.decoderDim", "512", "§1.1 dec512d8b"},
    {"model.decoderDepth", "8", "§1.1"},
    {"model.decoderHeads", "16", "§1.1"},
    {"model.maskRatio", "0.75", "§5.7 --mask_ratio"},
    {"model.normPixLoss", "false", "§1.1 never passed"},
    {"noise.enabled", "true", "§2.1 --enable_sar_noise"},
    {"noise.speckle", "reference", "§2.3"},
    {"noise.domain", "intensity", "§2.3"},
    {"noise.ratio", "0.5", "§2.2 --noise_ratio"},
    {"noise.sigmaMin", "0.0", "§2.2 --noise_min"},
    {"noise.sigmaMax", "0.7", "§2.2 --noise_max"},
    {"alignment.enabled", "true", "§3"},
    {"alignment.opticalEncoder", "stem", "§3.1"},
    {"alignment.opticalDim", "768", "§3.1 DINOv3 ViT-B"},
    {"alignment.maeWeight", "1.0", "§3.7 --mae_loss_weight 1"},
    {"alignment.alignWeight", "0.8", "§3.7 README --alignment_loss_weight 0.8"},
    {"alignment.schedule", "constant", "§3.7 cosine is a no-op"},
    {"alignment.randomTeacher", "false", "§3.1 DINOv3 weights given"},
    {"data.mixing", "reference", "§4.2 70/30"},
    {"data.pairedRatio", "0.7", "§4.2"},
    {"data.sarNormalization", "symmetric", "§2.4 2x-1 with noise on"},
    {"optim.batchSize", "512", "§5.7 README --batch_size 512 per GPU"},
    {"optim.accumIter", "1", "§5.7"},
    {"optim.lr", "1.0E-4", "§5.2 README --lr 1e-4"},
    {"optim.minLr", "0.0", "§5.2"},
    {"optim.warmupEpochs", "1.0", "§5.2 --warmup_epochs 1"},
    {"optim.weightDecay", "0.05", "§5.1"},
    {"optim.beta1", "0.9", "§5.1"},
    {"optim.beta2", "0.95", "§5.1"},
    {"optim.clipGrad", "1.0", "§5.3 --clip_grad 1.0"},
    {"optim.decayTokens", "true", "§5.1 87 / 171 groups"},
    {"run.seed", "0", "§4.5 --seed 0"},
  };

  private static String valueAt(String yaml, String key) throws Exception {
    JsonNode node = YAML.readTree(yaml);
    for (String part : key.split("\\.")) {
      node = node.path(part);
    }
    assertThat(node.isMissingNode()).as(key + " in the resolved config").isFalse();
    return node.asText();
  }

  private static void assertTable(String yaml, String[][] table) throws Exception {
    for (String[] row : table) {
      assertThat(valueAt(yaml, row[0])).as(row[0] + " (" + row[2] + ")").isEqualTo(row[1]);
    }
  }

  private static String finetune(String name) {
    List<String> sets =
        Recipe.named(name).overrides("finetune", null, List.of("model.init=/w/sarmae-b.pth"));
    return ConfigLoader.toYaml(ConfigLoader.loadFinetune(null, sets));
  }

  @Test
  void fusarRecipeIsTheReferenceFortyShotProtocol() throws Exception {
    String yaml = finetune("fusar-40shot-vitb");
    assertTable(yaml, FINETUNE);
    assertThat(valueAt(yaml, "data.protocol")).isEqualTo("kshot"); // §6.1 fusar_40
    assertThat(valueAt(yaml, "data.shots")).isEqualTo("40");
    assertThat(valueAt(yaml, "model.init")).isEqualTo("/w/sarmae-b.pth");
    // lr = blr * 8 / 256 (§6.6, README 3.125e-5)
    FinetuneConfig c = ConfigLoader.parseFinetune(yaml);
    assertThat(c.peakLr()).isEqualTo(3.125e-5);
  }

  @Test
  void mstarRecipeIsTheReferenceFortyShotProtocol() throws Exception {
    String yaml = finetune("mstar-40shot-vitb");
    assertTable(yaml, FINETUNE);
    assertThat(valueAt(yaml, "data.protocol")).isEqualTo("kshot"); // §6.1 mstar_40
    assertThat(valueAt(yaml, "data.shots")).isEqualTo("40");
  }

  @Test
  void saracdRecipeIsTheReferenceThirtyPercentProtocol() throws Exception {
    String yaml = finetune("saracd-30pct-vitb");
    assertTable(yaml, FINETUNE);
    assertThat(valueAt(yaml, "data.protocol")).isEqualTo("fraction"); // §6.1 sar_acd_30
    assertThat(valueAt(yaml, "data.fraction")).isEqualTo("0.3");
  }

  private static String pretrain(String name, String init) {
    List<String> sets =
        Recipe.named(name)
            .overrides(
                "pretrain",
                null,
                List.of(
                    "checkpoint.initWeights=" + init,
                    "alignment.opticalWeights=/w/dinov3_vitb16_pretrain_lvd1689m-73cec8be.pth"));
    return ConfigLoader.toYaml(ConfigLoader.load(null, sets));
  }

  @Test
  void pretrainingRecipesAreTheReadmeCommand() throws Exception {
    String b = pretrain("pretrain-vitb-paper", "/w/mae_pretrain_vit_base.pth");
    assertTable(b, PRETRAIN);
    assertThat(valueAt(b, "model.size")).isEqualTo("base"); // §5.7 --model
    assertThat(valueAt(b, "optim.epochs")).isEqualTo("300"); // §5.7 README --epochs 300
    assertThat(valueAt(b, "checkpoint.initWeights")).isEqualTo("/w/mae_pretrain_vit_base.pth");
    // effective batch 4096 over 8 processes (§5.2)
    assertThat(ConfigLoader.parse(b).effectiveBatch(8)).isEqualTo(4096);

    String l = pretrain("pretrain-vitl-paper", "/w/mae_pretrain_vit_large.pth");
    assertTable(l, PRETRAIN);
    assertThat(valueAt(l, "model.size")).isEqualTo("large"); // §1.1 mae_vit_large_patch16
    assertThat(valueAt(l, "optim.epochs")).isEqualTo("200"); // §7 sar_change_vitL_200
  }

  @Test
  void theRecipeRefusesToRunWithoutItsWeightsFiles() {
    Recipe r = Recipe.named("pretrain-vitb-paper");
    assertThatThrownBy(() -> r.overrides("pretrain", null, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--recipe pretrain-vitb-paper: set checkpoint.initWeights")
        .hasMessageContaining("mae_pretrain_vit_base.pth")
        .hasMessageContaining("alignment.opticalWeights");
    assertThatThrownBy(
            () ->
                r.overrides(
                    "pretrain",
                    null,
                    List.of("checkpoint.initWeights=", "alignment.opticalWeights=/w/d.pth")))
        .hasMessageContaining("checkpoint.initWeights")
        .hasMessageNotContaining("set alignment.opticalWeights");
    assertThatThrownBy(
            () -> Recipe.named("fusar-40shot-vitb").overrides("finetune", null, List.of()))
        .hasMessageContaining("model.init");
    assertThat(
            Main.run(
                "pretrain", "--recipe", "pretrain-vitb-paper", "--set", "observability.port=0"))
        .isEqualTo(ExitCodes.CONFIG);
  }

  @Test
  void configFileAndSetOverrideTheRecipe(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(
        file,
        """
        model:
          init: /w/from-file.pth
        optim:
          epochs: 10
        augment:
          hflip: true
        """);
    List<String> sets =
        Recipe.named("fusar-40shot-vitb")
            .overrides("finetune", file, new ArrayList<>(List.of("optim.batchSize=4")));
    FinetuneConfig c = ConfigLoader.loadFinetune(file, sets);
    assertThat(c.optim.epochs).isEqualTo(10); // file over recipe
    assertThat(c.augment.hflip).isTrue(); // file over recipe
    assertThat(c.optim.batchSize).isEqualTo(4); // --set over recipe
    assertThat(c.model.init).isEqualTo("/w/from-file.pth");
    assertThat(c.repeats.count).isEqualTo(5); // recipe over defaults
    assertThat(c.augment.cropScaleMin).isEqualTo(1.0);
  }

  @Test
  void unknownNamesAndTheWrongCommandAreRefused() {
    assertThatThrownBy(() -> Recipe.named("fusar-40shot"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown recipe 'fusar-40shot'")
        .hasMessageContaining("fusar-40shot-vitb");
    assertThatThrownBy(
            () ->
                Recipe.named("fusar-40shot-vitb")
                    .overrides("pretrain", null, List.of("model.init=/w")))
        .hasMessageContaining("is a finetune recipe; run it with sarmae-trainer finetune");
    // every shipped recipe is listed and readable
    for (String name : Recipe.NAMES) {
      assertThat(Recipe.named(name).settings()).as(name).isNotEmpty();
    }
  }

  @Test
  void aConfigFileCanNameTheRecipeWithTheSamePrecedence(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(
        file,
        """
        recipe: fusar-40shot-vitb
        model:
          init: /w/from-file.pth
        optim:
          epochs: 10
        augment:
          hflip: true
        """);
    FinetuneConfig c = ConfigLoader.loadFinetune(file, List.of("optim.batchSize=4"));
    assertThat(c.optim.epochs).isEqualTo(10); // file over recipe
    assertThat(c.augment.hflip).isTrue(); // file over recipe
    assertThat(c.optim.batchSize).isEqualTo(4); // --set over recipe
    assertThat(c.repeats.count).isEqualTo(5); // recipe over defaults
    assertThat(c.augment.cropScaleMin).isEqualTo(1.0); // recipe over defaults (0.5)
    assertThat(c.data.normalization).isEqualTo(FinetuneConfig.InputNormalization.REFERENCE);
    // the same as --recipe with the file minus its recipe key
    Path plain = dir.resolve("plain.yaml");
    Files.writeString(plain, Files.readString(file).replace("recipe: fusar-40shot-vitb\n", ""));
    FinetuneConfig viaOption =
        ConfigLoader.loadFinetune(
            plain,
            Recipe.named("fusar-40shot-vitb")
                .overrides("finetune", plain, List.of("optim.batchSize=4")));
    assertThat(ConfigLoader.toYaml(c)).isEqualTo(ConfigLoader.toYaml(viaOption));
  }

  @Test
  void aRecipeInTheFileIsCheckedLikeTheOption(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "recipe: fusar-40shot\n");
    assertThatThrownBy(() -> ConfigLoader.loadFinetune(file, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recipe in " + file + ": unknown recipe \"fusar-40shot\"")
        .hasMessageContaining("fusar-40shot-vitb");
    Files.writeString(file, "recipe: pretrain-vitb-paper\n");
    assertThatThrownBy(() -> ConfigLoader.loadFinetune(file, List.of()))
        .hasMessageContaining("is a pretrain recipe; run it with sarmae-trainer pretrain");
    Files.writeString(file, "recipe: fusar-40shot-vitb\n");
    assertThatThrownBy(() -> ConfigLoader.loadFinetune(file, List.of()))
        .hasMessageContaining("recipe: fusar-40shot-vitb: set model.init");
    // the weights file may come from --set, as the operator's rendering does not need it there
    assertThat(ConfigLoader.loadFinetune(file, List.of("model.init=/w/b.pth")).model.init)
        .isEqualTo("/w/b.pth");
    Files.writeString(file, "recipe: pretrain-vitb-paper\n");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    file, List.of("checkpoint.initWeights=/w/m.pth", "alignment.opticalWeights=")))
        .hasMessageContaining("recipe: pretrain-vitb-paper: set alignment.opticalWeights")
        .hasMessageNotContaining("set checkpoint.initWeights");
    assertThatThrownBy(
            () ->
                Recipe.named("pretrain-vitb-paper")
                    .overrides("pretrain", file, List.of("checkpoint.initWeights=/w/m.pth")))
        .hasMessageContaining("give the recipe once");
  }
}
