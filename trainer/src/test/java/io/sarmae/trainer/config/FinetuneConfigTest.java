package io.sarmae.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinetuneConfigTest {

  @Test
  void defaultsAreTheReferenceRecipe() {
    FinetuneConfig c = ConfigLoader.parseFinetune("");
    assertThat(c.optim.beta2).isEqualTo(0.999);
    assertThat(c.optim.layerDecay).isEqualTo(0.75);
    assertThat(c.optim.smoothing).isEqualTo(0.1);
    assertThat(c.model.dropPath).isEqualTo(0.1);
    assertThat(c.model.pool).isEqualTo(FinetuneConfig.Pool.AVG);
    assertThat(c.optim.warmupEpochs).isEqualTo(5);
    assertThat(c.optim.minLr).isEqualTo(1e-6);
    assertThat(c.peakLr()).isEqualTo(1e-3 * 64 / 256);
    assertThat(c.data.evalSplit).isEqualTo("Val");
  }

  @Test
  void linprobeTakesMaesLinearProbingDefaultsUnlessTheConfigSetsThem() {
    FinetuneConfig ft = ConfigLoader.parseFinetune("");
    assertThat(ft.model.mode).isEqualTo(FinetuneConfig.Mode.FINETUNE);
    assertThat(ft.optim.weightDecay).isEqualTo(0.05);
    assertThat(ft.optim.blr).isEqualTo(1e-3);

    FinetuneConfig lp = ConfigLoader.parseFinetune("model:\n  mode: linprobe\n");
    assertThat(lp.model.mode).isEqualTo(FinetuneConfig.Mode.LINPROBE);
    assertThat(lp.optim.weightDecay).isZero();
    assertThat(lp.optim.smoothing).isZero();
    assertThat(lp.optim.blr).isEqualTo(FinetuneConfig.LINPROBE_DEFAULTS.get("optim.blr"));
    assertThat(lp.optim.blr).isNotEqualTo(ft.optim.blr);
    // the resolved config (logged, stored in checkpoints) carries the values in effect
    String yaml = ConfigLoader.toYaml(lp);
    assertThat(yaml).contains("mode: linprobe").contains("weightDecay: 0.0");
    assertThat(ConfigLoader.toYaml(ConfigLoader.parseFinetune(yaml))).isEqualTo(yaml);

    FinetuneConfig set =
        ConfigLoader.loadFinetune(
            null, List.of("model.mode=linprobe", "optim.weightDecay=0.01", "optim.smoothing=0.2"));
    assertThat(set.optim.weightDecay).isEqualTo(0.01);
    assertThat(set.optim.smoothing).isEqualTo(0.2);
  }

  @Test
  void linprobeRejectsMixingAndSingleImageBatches() {
    assertThatThrownBy(
            () ->
                ConfigLoader.loadFinetune(
                    null,
                    List.of(
                        "model.mode=linprobe",
                        "augment.mixup=0.8",
                        "augment.cutmix=1",
                        "optim.batchSize=1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("augment.mixup: 0.8 is not allowed with model.mode linprobe")
        .hasMessageContaining("augment.cutmix: 1.0 is not allowed with model.mode linprobe")
        .hasMessageContaining("optim.batchSize: 1 is too small for model.mode linprobe");
    // the same keys are fine when fine-tuning
    assertThat(
            ConfigLoader.loadFinetune(
                    null, List.of("augment.mixup=0.8", "augment.cutmix=1", "optim.batchSize=1"))
                .augment
                .mixup)
        .isEqualTo(0.8);
    assertThatThrownBy(() -> ConfigLoader.parseFinetune("model:\n  mode: linear\n"))
        .hasMessageContaining("model.mode: 'linear' is not allowed; use one of finetune, linprobe");
  }

  @Test
  void unknownKeysAreRejectedNamingTheKeyAndTheKnownOnes() {
    assertThatThrownBy(() -> ConfigLoader.parseFinetune("optim:\n  layerDecy: 0.6\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.layerDecy: unknown key")
        .hasMessageContaining("layerDecay");
    assertThatThrownBy(() -> ConfigLoader.parseFinetune("noise:\n  enabled: true\n"))
        .hasMessageContaining("noise: unknown key");
  }

  @Test
  void detectionKeysAreDetectorSpecFieldsWithItsDefaultsAndCheckedByKey() {
    FinetuneConfig c = ConfigLoader.parseFinetune("task: detection\nmodel:\n  imageSize: 256\n");
    io.sarmae.trainer.model.det.DetectorSpec d =
        io.sarmae.trainer.finetune.DetectionTask.detectorSpec(c, 3);
    // one source of defaults: the config's keys map field by field onto DetectorSpec's
    assertThat(d).isEqualTo(io.sarmae.trainer.model.det.DetectorSpec.defaults(3, false));
    assertThat(c.detection.format).isEqualTo(FinetuneConfig.DetFormat.COCO);
    FinetuneConfig o =
        ConfigLoader.parseFinetune(
            "task: detection\nmodel:\n  imageSize: 256\ndetection:\n  format: dota\n"
                + "  oriented: true\n");
    assertThat(io.sarmae.trainer.finetune.DetectionTask.detectorSpec(o, 1))
        .isEqualTo(io.sarmae.trainer.model.det.DetectorSpec.defaults(1, true));
    assertThat(io.sarmae.trainer.finetune.DetectionTask.detectorSpec(o, 1).nmsIou()).isEqualTo(0.1);
    assertThatThrownBy(
            () ->
                ConfigLoader.parseFinetune(
                    "task: detection\nmodel:\n  imageSize: 256\ndetection:\n"
                        + "  strides: [16, 8]\n  focalAlpha: 2\n  nmsIou: 0\n  crop: 1.5\n"
                        + "  oriented: true\n  format: voc\n"))
        .hasMessageContaining("detection.strides: [16, 8] is not allowed")
        .hasMessageContaining("detection.focalAlpha: 2.0 is out of range")
        .hasMessageContaining("detection.nmsIou: 0.0 is out of range")
        .hasMessageContaining("detection.crop: 1.5 is out of range")
        .hasMessageContaining("detection.oriented: true needs oriented annotations")
        .hasMessageContaining("use format dota");
    assertThatThrownBy(
            () -> ConfigLoader.parseFinetune("task: detection\ndetection:\n  format: yolo\n"))
        .hasMessageContaining("detection.format")
        .hasMessageContaining("coco, dota, voc");
    // detection keys are not checked for another task
    assertThat(ConfigLoader.parseFinetune("detection:\n  strides: [16, 8]\n").detection.strides)
        .containsExactly(16, 8);
  }

  @Test
  void rangesAndEnumsNameTheKey() {
    assertThatThrownBy(
            () -> ConfigLoader.parseFinetune("optim:\n  layerDecay: 1.5\nrepeats:\n  count: 0\n"))
        .hasMessageContaining("optim.layerDecay: 1.5 is out of range, allowed (0, 1]")
        .hasMessageContaining("repeats.count: 0 is out of range");
    assertThatThrownBy(() -> ConfigLoader.parseFinetune("data:\n  protocol: fewshot\n"))
        .hasMessageContaining(
            "data.protocol: 'fewshot' is not allowed; use one of all, kshot, fraction");
    assertThatThrownBy(() -> ConfigLoader.parseFinetune("model:\n  init: ''\n"))
        .hasMessageContaining("model.init");
  }

  @Test
  void fileAndOverridesBindAndRoundTrip(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("ft.yaml");
    Files.writeString(
        f,
        "model:\n  size: tiny\n  imageSize: 32\n  patchSize: 8\n"
            + "data:\n  protocol: kshot\n  shots: 40\n  testSplits: [Test]\n");
    FinetuneConfig c = ConfigLoader.loadFinetune(f, List.of("repeats.count=5", "model.pool=token"));
    assertThat(c.repeats.count).isEqualTo(5);
    assertThat(c.model.pool).isEqualTo(FinetuneConfig.Pool.TOKEN);
    assertThat(c.data.testSplits).containsExactly("Test");
    FinetuneConfig again = ConfigLoader.parseFinetune(ConfigLoader.toYaml(c));
    assertThat(ConfigLoader.toYaml(again)).isEqualTo(ConfigLoader.toYaml(c));
  }
}
