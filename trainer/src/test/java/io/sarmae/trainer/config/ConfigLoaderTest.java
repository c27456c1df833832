package io.sarmae.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.exit.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @Test
  void defaultsAreTheReferenceValues() {
    // the defaults align to a random teacher, which needs consent (see the next test)
    TrainerConfig c = ConfigLoader.load(null, List.of("alignment.randomTeacher=true"));
    assertThat(c.model.size).isEqualTo(TrainerConfig.ModelSize.BASE);
    assertThat(c.model.maskRatio).isEqualTo(0.75);
    assertThat(c.noise.sigmaMax).isEqualTo(0.7);
    assertThat(c.optim.beta2).isEqualTo(0.95);
    assertThat(c.optim.epochs).isEqualTo(800);
    assertThat(c.alignment.alignWeight).isEqualTo(0.8);
    // lr = blr * eff_batch / 256 with blr 1e-3, batch 64: 2.5e-4
    assertThat(c.peakLr(1)).isEqualTo(1e-3 * 64 / 256);
  }

  @Test
  void aRandomTeacherIsRefusedUnlessWeightsOrConsentAreGiven() {
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("alignment.opticalWeights: not set")
        .hasMessageContaining("alignment.randomTeacher: true")
        .hasMessageContaining("alignment.enabled: false")
        .hasMessageContaining("seeded random patch projection");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("alignment.opticalEncoder=dinov3")))
        .hasMessageContaining("seeded random ViT-B/16");
    // each way out is accepted
    assertThat(ConfigLoader.load(null, List.of("alignment.randomTeacher=true")).alignment)
        .extracting(a -> a.randomTeacher)
        .isEqualTo(true);
    ConfigLoader.load(null, List.of("alignment.opticalWeights=/weights/dinov3.pth"));
    ConfigLoader.load(null, List.of("alignment.enabled=false"));
    // a zero alignment weight never uses the teacher
    ConfigLoader.load(null, List.of("alignment.alignWeight=0"));
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("alignment.opticalWeights= ")))
        .hasMessageContaining("alignment.opticalWeights: not set");
  }

  @Test
  void readsYamlAndAppliesOverrides(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(
        file,
        """
        model:
          size: tiny
          imageSize: 64
          patchSize: 8
        noise:
          speckle: gamma
          looks: 2
        optim:
          epochs: 3
          lr: 1.0e-4
        alignment:
          randomTeacher: true # no teacher weights in a unit test
        """);
    TrainerConfig c =
        ConfigLoader.load(
            file, List.of("optim.epochs=5", "alignment.schedule=cosine", "run.seed=7"));
    assertThat(c.model.size).isEqualTo(TrainerConfig.ModelSize.TINY);
    assertThat(c.model.imageSize).isEqualTo(64);
    assertThat(c.noise.speckle).isEqualTo(TrainerConfig.Speckle.GAMMA);
    assertThat(c.optim.epochs).isEqualTo(5);
    assertThat(c.optim.lr).isEqualTo(1e-4);
    assertThat(c.peakLr(1)).isEqualTo(1e-4);
    assertThat(c.alignment.schedule).isEqualTo(TrainerConfig.WeightSchedule.COSINE);
    assertThat(c.run.seed).isEqualTo(7);
  }

  @Test
  void aFractionForAnIntegerKeyIsAnErrorNotTruncated(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ConfigLoader.parse("optim:\n  batchSize: 1.7\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.batchSize: '1.7' is not a valid integer");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("optim.batchSize=1.7")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.batchSize: '1.7' is not a valid integer");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("data.maxImagePixels=2.5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.maxImagePixels: '2.5' is not a valid integer");
    assertThatThrownBy(() -> ConfigLoader.parseFinetune("optim:\n  epochs: 2.5\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.epochs: '2.5' is not a valid integer");
    // Fractions stay fine where a number is expected.
    assertThat(
            ConfigLoader.parse("optim:\n  warmupEpochs: 1.5\nalignment:\n  randomTeacher: true\n")
                .optim
                .warmupEpochs)
        .isEqualTo(1.5);
  }

  @Test
  void aKeyGivenTwiceIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dup.yaml");
    Files.writeString(file, "optim:\n  batchSize: 8\n  epochs: 2\n  batchSize: 16\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.batchSize: given twice in " + file)
        .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(ExitCodes.CONFIG));
    Files.writeString(file, "run:\n  seed: 1\nrun:\n  seed: 2\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("run: given twice");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("optim={epochs: 1, epochs: 2}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("epochs: given twice in --set optim");
    // Repeating --set for one key is how overrides layer (the last one wins), not a duplicate.
    assertThat(
            ConfigLoader.load(
                    null,
                    List.of("optim.epochs=1", "optim.epochs=2", "alignment.randomTeacher=true"))
                .optim
                .epochs)
        .isEqualTo(2);
  }

  @Test
  void aResumePathThatDoesNotExistIsAConfigError(@TempDir Path dir) throws Exception {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null,
                    List.of(
                        "checkpoint.resume=" + dir.resolve("chekpoint-7"),
                        "alignment.randomTeacher=true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.resume: " + dir.resolve("chekpoint-7"))
        .hasMessageContaining("not an existing folder");
    assertThat(
            ConfigLoader.load(
                    null, List.of("checkpoint.resume=" + dir, "alignment.randomTeacher=true"))
                .checkpoint
                .resume)
        .isEqualTo(dir.toString());
    assertThat(
            io.sarmae.trainer.Main.run(
                "pretrain",
                "--resume",
                dir.resolve("missing").toString(),
                "--set",
                "run.outputDir=" + dir,
                "--set",
                "alignment.randomTeacher=true"))
        .isEqualTo(ExitCodes.CONFIG);
  }

  @Test
  void unknownKeyNamesTheKeyAndTheKnownOnes() {
    assertThatThrownBy(() -> ConfigLoader.parse("model:\n  maskRatioo: 0.5\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.maskRatioo: unknown key")
        .hasMessageContaining("maskRatio");
    assertThatThrownBy(() -> ConfigLoader.parse("modle:\n  size: base\n"))
        .hasMessageContaining("modle: unknown key; sections are");
  }

  @Test
  void outOfRangeValuesNameKeyAndRange() {
    assertThatThrownBy(() -> ConfigLoader.parse("model:\n  maskRatio: 1.5\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.maskRatio: 1.5 is out of range, allowed (0, 1)");
    assertThatThrownBy(() -> ConfigLoader.parse("noise:\n  sigmaMin: 0.5\n  sigmaMax: 0.2\n"))
        .hasMessageContaining("noise.sigmaMin: 0.5 must be smaller than noise.sigmaMax 0.2");
    assertThatThrownBy(() -> ConfigLoader.parse("model:\n  imageSize: 100\n"))
        .hasMessageContaining("model.imageSize: 100 is not divisible by model.patchSize 16");
    assertThatThrownBy(() -> ConfigLoader.parse("optim:\n  batchSize: 0\n  epochs: -1\n"))
        .hasMessageContaining("optim.batchSize: 0 is out of range, allowed 1..65536")
        .hasMessageContaining("optim.epochs: -1 is out of range");
  }

  @Test
  void badEnumAndTypeAreExplained() {
    assertThatThrownBy(() -> ConfigLoader.parse("model:\n  size: giant\n"))
        .hasMessageContaining(
            "model.size: 'giant' is not allowed; use one of tiny, small, base, large, huge");
    assertThatThrownBy(() -> ConfigLoader.parse("optim:\n  epochs: many\n"))
        .hasMessageContaining("optim.epochs")
        .hasMessageContaining("integer");
  }

  /**
   * YAML 1.1 reads a plain on/off (and yes/no, true/false) as a boolean: for optim.fused, whose
   * documented values are auto/on/off, the boolean means that value, in a file and in --set, for
   * pretraining and fine-tuning; settings without on/off values still refuse a boolean.
   */
  @Test
  void onAndOffAreReadAsTheValuesOfAnOnOffSettingNotAsBooleans() {
    assertThat(
            ConfigLoader.parse("alignment:\n  randomTeacher: true\noptim:\n  fused: off\n")
                .optim
                .fused)
        .isEqualTo(TrainerConfig.OptimKernel.OFF);
    assertThat(
            ConfigLoader.parse("alignment:\n  randomTeacher: true\noptim:\n  fused: on\n")
                .optim
                .fused)
        .isEqualTo(TrainerConfig.OptimKernel.ON);
    assertThat(
            ConfigLoader.parse("alignment:\n  randomTeacher: true\noptim:\n  fused: \"off\"\n")
                .optim
                .fused)
        .isEqualTo(TrainerConfig.OptimKernel.OFF);
    assertThat(
            ConfigLoader.load(null, List.of("optim.fused=off", "alignment.randomTeacher=true"))
                .optim
                .fused)
        .isEqualTo(TrainerConfig.OptimKernel.OFF);
    assertThat(
            ConfigLoader.load(null, List.of("optim.fused=yes", "alignment.randomTeacher=true"))
                .optim
                .fused)
        .isEqualTo(TrainerConfig.OptimKernel.ON);
    assertThat(ConfigLoader.loadFinetune(null, List.of("optim.fused=off")).optim.fused)
        .isEqualTo(TrainerConfig.OptimKernel.OFF);
    assertThatThrownBy(() -> ConfigLoader.parse("optim:\n  precision: off\n"))
        .hasMessageContaining("optim.precision");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("model.attention=on")))
        .hasMessageContaining("model.attention");
  }

  @Test
  void configErrorsMapToExitCode2() {
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(Path.of("/nonexistent.yaml"), List.of()));
    assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG);
    assertThat(e.getMessage()).contains("--config").contains("does not exist");
  }

  @Test
  void badOverrideSyntax() {
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("optim.epochs")))
        .hasMessageContaining("expected key=value");
  }

  @Test
  void resolvedConfigRoundTripsThroughYaml() {
    TrainerConfig c =
        ConfigLoader.load(
            null, List.of("model.size=small", "optim.lr=0.001", "alignment.randomTeacher=true"));
    String yaml = ConfigLoader.toYaml(c);
    assertThat(yaml).contains("size: small");
    TrainerConfig back = ConfigLoader.parse(yaml);
    assertThat(ConfigLoader.toYaml(back)).isEqualTo(yaml);
  }
}
