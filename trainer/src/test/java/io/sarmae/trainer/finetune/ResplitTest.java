package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.data.SynthClassificationData;
import io.sarmae.trainer.data.seg.SegManifest;
import io.sarmae.trainer.data.seg.SynthSegmentationData;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.resplit} (one labelled subset for every repeat, or one per repeat) for the
 * classification and segmentation protocols, its manifests and {@code results.json}; and the
 * fine-tuning lr scaled with the batch a repeat actually trains with.
 */
class ResplitTest {
  @TempDir static Path shared;
  static Path cls;
  static Path seg;

  @BeforeAll
  static void setUp() throws Exception {
    cls = shared.resolve("cls");
    SynthClassificationData.generate(cls, 6, 3, 32, 1);
    seg = shared.resolve("seg");
    SynthSegmentationData.generate(seg, 12, 4, 32, 5);
  }

  static FinetuneConfig classification(Path work, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "model.size=tiny",
                "model.imageSize=32",
                "model.patchSize=8",
                "data.path=" + cls,
                "data.protocol=kshot",
                "data.shots=2",
                "run.seed=7",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt")));
    sets.addAll(Arrays.asList(extra));
    return ConfigLoader.loadFinetune(null, sets);
  }

  static FinetuneConfig segmentation(Path work, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "task=segmentation",
                "model.size=tiny",
                "model.imageSize=32",
                "model.patchSize=8",
                "data.path=" + seg,
                "data.trainSplit=train",
                "data.evalSplit=val",
                "data.scaling=range",
                "data.protocol=fraction",
                "data.fraction=0.5",
                "run.seed=7",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt")));
    sets.addAll(Arrays.asList(extra));
    return ConfigLoader.loadFinetune(null, sets);
  }

  /** Draws repeats 0..2 as the loop does (training seed run.seed + k) and reads the manifests. */
  static List<Manifest> classificationManifests(FinetuneConfig c) {
    ClassificationTask task = ClassificationTask.open(c);
    List<Manifest> out = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      task.repeat(k, c.run.seed + k);
      out.add(Manifest.read(Path.of(c.run.outputDir).resolve("split-repeat" + k + ".json")));
    }
    return out;
  }

  static List<SegManifest> segmentationManifests(FinetuneConfig c) {
    SegmentationTask task = SegmentationTask.open(c);
    List<SegManifest> out = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      task.repeat(k, c.run.seed + k);
      out.add(SegManifest.read(Path.of(c.run.outputDir).resolve("split-repeat" + k + ".json")));
    }
    return out;
  }

  @Test
  void perRepeatIsTheDefaultAndDrawsEachRepeatWithItsOwnSeed(@TempDir Path dir) {
    FinetuneConfig c = classification(dir);
    assertThat(c.data.resplit).isEqualTo(FinetuneConfig.Resplit.PER_REPEAT);
    List<Manifest> m = classificationManifests(c);
    assertThat(m).extracting(Manifest::seed).containsExactly(7L, 8L, 9L);
    assertThat(m).extracting(Manifest::resplit).containsOnly("perRepeat");
    assertThat(m.get(0).samples()).hasSize(12);
    // three seeds, three different subsets (12 of 18 images each)
    assertThat(m.get(0).samples()).isNotEqualTo(m.get(1).samples());
    assertThat(m.get(1).samples()).isNotEqualTo(m.get(2).samples());
    // repeat k's subset is the one Splits draws with run.seed + k
    ImageFolder train = ImageFolder.scan(Path.of(c.data.path), c.data.trainSplit);
    assertThat(m.get(2).samples()).isEqualTo(Splits.kShot(train, 2, 9));
  }

  @Test
  void fixedDrawsOneSubsetFromRunSeedForEveryRepeat(@TempDir Path dir) {
    FinetuneConfig c = classification(dir, "data.resplit=fixed");
    List<Manifest> m = classificationManifests(c);
    assertThat(m).extracting(Manifest::seed).containsOnly(7L);
    assertThat(m).extracting(Manifest::resplit).containsOnly("fixed");
    assertThat(m.get(1).samples()).isEqualTo(m.get(0).samples());
    assertThat(m.get(2).samples()).isEqualTo(m.get(0).samples());
    // the fixed subset is perRepeat's repeat 0 (both draw it with run.seed)
    List<Manifest> per = classificationManifests(classification(dir.resolve("per")));
    assertThat(m.get(0).samples()).isEqualTo(per.get(0).samples());
  }

  @Test
  void segmentationFractionHonoursResplitToo(@TempDir Path dir) {
    List<SegManifest> per = segmentationManifests(segmentation(dir.resolve("per")));
    assertThat(per).extracting(SegManifest::seed).containsExactly(7L, 8L, 9L);
    assertThat(per).extracting(SegManifest::resplit).containsOnly("perRepeat");
    assertThat(per.get(0).stems()).hasSize(6).isNotEqualTo(per.get(1).stems());

    List<SegManifest> fixed =
        segmentationManifests(segmentation(dir.resolve("fixed"), "data.resplit=fixed"));
    assertThat(fixed).extracting(SegManifest::seed).containsOnly(7L);
    assertThat(fixed).extracting(SegManifest::resplit).containsOnly("fixed");
    assertThat(fixed).extracting(SegManifest::stems).containsOnly(per.get(0).stems());
  }

  @Test
  void anUnknownResplitIsRefusedNamingTheKeyAndTheValues(@TempDir Path dir) {
    assertThatThrownBy(() -> classification(dir, "data.resplit=once"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.resplit")
        .hasMessageContaining("perRepeat")
        .hasMessageContaining("fixed");
  }

  @Test
  void lrScalesWithTheBatchActuallyUsedAndResultsRecordResplit(@TempDir Path dir) throws Exception {
    // 2-shot x 6 classes = 12 images < optim.batchSize 64: one step per epoch with a batch of 12,
    // so the peak lr is blr * 12 / 256, not blr * 64 / 256. No warmup: the first step is the peak.
    FinetuneConfig c =
        classification(
            dir,
            "data.resplit=fixed",
            "optim.batchSize=64",
            "optim.blr=0.0256",
            "optim.warmupEpochs=0",
            "optim.epochs=1",
            "repeats.count=1",
            "run.threads=1",
            "observability.port=0");
    assertThat(c.peakLr()).isEqualTo(0.0256 * 64 / 256);
    FinetuneResults r;
    try (TrainingMetrics metrics = new TrainingMetrics("finetune")) {
      RunReporter reporter =
          new RunReporter("finetune", metrics, Path.of(c.run.outputDir), 1, null);
      r = ClassificationTask.finetune(c, Device.cpu(), reporter, StopSignal.manual());
    }
    RepeatResult rep = r.repeats().get(0);
    assertThat(rep.trainImages()).isEqualTo(12);
    assertThat(rep.history().get(0).lr()).isCloseTo(0.0256 * 12 / 256, within());
    assertThat(r.resplit()).isEqualTo("fixed");
    JsonNode json =
        new ObjectMapper().readTree(dir.resolve("out").resolve("results.json").toFile());
    assertThat(json.get("resplit").asText()).isEqualTo("fixed");

    // an explicit optim.lr is absolute: not scaled by either batch
    FinetuneConfig abs = classification(dir.resolve("abs"), "optim.lr=0.003");
    assertThat(abs.peakLr(12)).isEqualTo(0.003);
  }

  private static Offset<Double> within() {
    return Offset.offset(1e-12);
  }
}
