package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.Main;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.seg.SynthSegmentationData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code task: segmentation} end to end on a tiny synthetic benchmark (12 train / 4 val / 4 test
 * scenes of 32x32, ViT-Tiny patch 8, UperNet with 16 channels): CLI fine-tune from a pretraining
 * checkpoint to {@code results.json} and the termination message, evaluate with prediction PNGs,
 * bit-identical resume (BatchNorm running statistics included) and the config checks.
 */
class SegmentationTaskTest {

  @TempDir static Path shared;
  static Path data;
  static Path pretrained;

  @BeforeAll
  static void setUp() throws Exception {
    data = shared.resolve("data");
    SynthSegmentationData.generate(data, 12, 4, 32, 5);
    pretrained = FinetunerTest.writePretrainingCheckpoint(shared.resolve("pre"), 32);
  }

  static List<String> sets(Path work, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "task=segmentation",
                "model.size=tiny",
                "model.imageSize=32",
                "model.patchSize=8",
                "model.dropPath=0.1",
                "data.path=" + data,
                "data.trainSplit=train",
                "data.evalSplit=val",
                "data.scaling=range",
                "segmentation.channels=16",
                "segmentation.auxChannels=8",
                "segmentation.scaleLong=1.5",
                "segmentation.ratioRange=[1.0, 1.5]",
                "optim.epochs=2",
                "optim.batchSize=4",
                "optim.lr=1e-3",
                "optim.warmupEpochs=0.5",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt"),
                "observability.logEverySteps=1"));
    sets.addAll(Arrays.asList(extra));
    return sets;
  }

  static FinetuneTask.Finished run(FinetuneConfig c, StopSignal stop) {
    try (TrainingMetrics metrics = new TrainingMetrics("finetune")) {
      RunReporter reporter =
          new RunReporter("finetune", metrics, Path.of(c.run.outputDir), 1, null);
      return new Finetuner(c, Device.cpu(), reporter, stop).run();
    }
  }

  static SegResults finetune(FinetuneConfig c, StopSignal stop) {
    return (SegResults) run(c, stop).results();
  }

  @Test
  void cliFinetunesFromPretrainingAndEvaluateWritesPredictions(@TempDir Path dir) throws Exception {
    List<String> args = new ArrayList<>(List.of("finetune"));
    for (String s :
        sets(
            dir,
            "model.init=" + pretrained,
            "data.testSplits=[test]",
            "segmentation.binaryClass=3",
            "data.protocol=fraction",
            "data.fraction=0.75",
            "observability.port=0")) {
      args.add("--set");
      args.add(s);
    }
    assertThat(Main.run(args.toArray(String[]::new))).isZero();

    SegResults r = SegResults.read(dir.resolve("out/results.json"));
    assertThat(r.task()).isEqualTo("segmentation");
    assertThat(r.primaryMetric()).isEqualTo("mIoU");
    assertThat(r.classes()).isEqualTo(SynthSegmentationData.CLASSES);
    SegRepeatResult rep = r.repeats().get(0);
    // ceil(0.75 * 12) whole images, recorded by stem
    assertThat(rep.trainImages()).isEqualTo(9);
    assertThat(
            io.sarmae.trainer.data.seg.SegManifest.read(dir.resolve("out/split-repeat0.json"))
                .stems())
        .hasSize(9);
    assertThat(rep.init().loaded()).isPositive();
    assertThat(rep.history()).hasSize(2);
    SegEvaluation last = rep.last();
    assertThat(last.images()).isEqualTo(4);
    assertThat(last.mIoU()).isBetween(0.0, 100.0).isEqualTo(rep.mIoULast());
    assertThat(last.aAcc()).isBetween(0.0, 100.0);
    assertThat(last.perClass()).hasSize(6);
    assertThat(last.perClass().get(3).name()).isEqualTo(SynthSegmentationData.CLASSES.get(3));
    // mIoU is the mean of the defined per-class IoUs (absent classes excluded)
    double mean =
        last.perClass().stream()
            .filter(c -> c.iou() != null)
            .mapToDouble(SegEvaluation.ClassScore::iou)
            .average()
            .orElseThrow();
    assertThat(last.mIoU()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(last.binaryClass()).isEqualTo(3);
    assertThat(last.binaryIoU()).isNotNull();
    assertThat(rep.tests()).containsKey("test");
    assertThat(r.aggregate().mIoULast().n()).isEqualTo(1);
    assertThat(r.aggregate().perClassIoU()).containsOnlyKeys(SynthSegmentationData.CLASSES);
    assertThat(dir.resolve("out/split-repeat0.json")).exists();
    JsonNode progress = new ObjectMapper().readTree(dir.resolve("out/progress.json").toFile());
    assertThat(progress.get("evalMetric").asText()).isEqualTo("mIoU");
    assertThat(progress.get("evalValue").asDouble()).isEqualTo(rep.mIoULast());
    assertThat(javax.imageio.ImageIO.read(dir.resolve("out/results.png").toFile()).getWidth())
        .isPositive();

    // the checkpoint carries the BatchNorm running statistics, moved by the taken steps
    Path best = new Checkpointer(dir.resolve("ckpt/repeat-0/best"), 1).list().get(0);
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer.Loaded ck = new Checkpointer(best.getParent(), 1).load(best, m);
      NDArray var = ck.model().get("decode_head.fpn_bottleneck.bn.running_var");
      assertThat(var).isNotNull();
      assertThat(var.toFloatArray()).isNotEqualTo(m.ones(var.getShape()).toFloatArray());
    }

    // evaluate needs only the evaluated split and classes.txt
    Files.move(data.resolve("img_dir/train"), dir.resolve("train-away"));
    Path preds = dir.resolve("preds");
    int eval;
    try {
      eval =
          Main.run(
              "evaluate",
              "--checkpoint",
              best.toString(),
              "--split",
              "test",
              "--set",
              "segmentation.inference=slide",
              "--set",
              "segmentation.slideStride=16",
              "--save-predictions",
              preds.toString(),
              "--out",
              dir.resolve("eval.json").toString());
    } finally {
      Files.move(dir.resolve("train-away"), data.resolve("img_dir/train"));
    }
    assertThat(eval).isZero();
    JsonNode ev = new ObjectMapper().readTree(dir.resolve("eval.json").toFile());
    assertThat(ev.get("evaluation").get("images").asInt()).isEqualTo(4);
    assertThat(ev.get("evaluation").get("mIoU").asDouble()).isBetween(0.0, 100.0);
    try (var files = Files.list(data.resolve("img_dir/test"))) {
      for (Path img : files.toList()) {
        String name = img.getFileName().toString();
        String stem = name.substring(0, name.lastIndexOf('.'));
        int[] mask = SegPredictions.readMask(preds.resolve(stem + ".png"));
        assertThat(mask).hasSize(32 * 32);
        assertThat(Arrays.stream(mask).allMatch(v -> v >= 0 && v < 6)).isTrue();
      }
    }
    try (var files = Files.list(preds)) {
      assertThat(files.filter(p -> p.toString().endsWith("_compare.png")).count()).isEqualTo(4);
    }
  }

  @Test
  void interruptedRunResumesBitIdentically(@TempDir Path dir) throws Exception {
    FinetuneConfig c = ConfigLoader.loadFinetune(null, sets(dir.resolve("a")));
    FinetuneTask.Finished done = run(c, StopSignal.manual());
    SegResults full = (SegResults) done.results();
    // the termination message carries the primary metric under task-independent keys
    assertThat(done.termination()).containsEntry("primaryMetric", "mIoU");
    assertThat((double) done.termination().get("primaryMean"))
        .isCloseTo(full.repeats().get(0).mIoULast(), org.assertj.core.data.Offset.offset(1e-3));

    FinetuneConfig c2 = ConfigLoader.loadFinetune(null, sets(dir.resolve("b")));
    // 3 steps per epoch: stop in the middle of the second epoch
    assertThatThrownBy(() -> finetune(c2, StopSignal.manual().afterStep(4)))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.RESUMABLE));
    SegResults resumed = finetune(c2, StopSignal.manual());

    SegRepeatResult a = full.repeats().get(0);
    SegRepeatResult b = resumed.repeats().get(0);
    assertThat(b.history()).hasSameSizeAs(a.history());
    for (int i = 0; i < a.history().size(); i++) {
      assertThat(b.history().get(i).trainLoss()).isEqualTo(a.history().get(i).trainLoss());
      assertThat(b.history().get(i).evalMetric()).isEqualTo(a.history().get(i).evalMetric());
    }
    assertThat(b.last()).isEqualTo(a.last());
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer.Loaded ka =
          new Checkpointer(dir.resolve("a/ckpt/repeat-0"), 10).loadLatestValid(m).orElseThrow();
      Checkpointer.Loaded kb =
          new Checkpointer(dir.resolve("b/ckpt/repeat-0"), 10).loadLatestValid(m).orElseThrow();
      assertThat(kb.model().size()).isEqualTo(ka.model().size());
      int bnStats = 0;
      for (NDArray x : ka.model()) {
        NDArray y = kb.model().get(x.getName());
        assertThat(y).as(x.getName()).isNotNull();
        assertThat(y.toFloatArray()).as(x.getName()).isEqualTo(x.toFloatArray());
        if (x.getName().endsWith("running_mean")) {
          bnStats++;
        }
      }
      assertThat(bnStats).isPositive();
    }
  }

  /**
   * All-zero class weights with the weight-sum normaliser make every loss 0/0 = NaN: every step is
   * skipped by the guard, and the BatchNorm running statistics of those steps are dropped, not
   * folded in (they stay at mean 0, var 1 in the checkpoint).
   */
  @Test
  void skippedStepsLeaveTheBatchNormStatisticsAlone(@TempDir Path dir) {
    FinetuneConfig c =
        ConfigLoader.loadFinetune(
            null,
            sets(
                dir,
                "optim.epochs=1",
                "optim.warmupEpochs=0",
                "segmentation.lossNorm=weight-sum",
                "segmentation.classWeights=[0, 0, 0, 0, 0, 0]",
                "optim.maxSkippedSteps=100",
                "optim.maxSkippedFraction=1"));
    finetune(c, StopSignal.manual());
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer.Loaded ck =
          new Checkpointer(dir.resolve("ckpt/repeat-0"), 10).loadLatestValid(m).orElseThrow();
      assertThat(ck.state().skippedSteps()).isEqualTo(3);
      int checked = 0;
      for (NDArray x : ck.model()) {
        if (x.getName().endsWith("running_var")) {
          assertThat(x.toFloatArray()).as(x.getName()).containsOnly(1f);
          checked++;
        } else if (x.getName().endsWith("running_mean")) {
          assertThat(x.toFloatArray()).as(x.getName()).containsOnly(0f);
        }
      }
      assertThat(checked).isPositive();
    }
  }

  /**
   * {@code data.maxImagePixels} bounds segmentation's decoder like the other tasks' (it was built
   * without the budget): the 32x32 scenes are 1024 pixels, refused from their header under 1000.
   */
  @Test
  void segmentationImagesRespectDataMaxImagePixels(@TempDir Path dir) {
    FinetuneConfig tight =
        ConfigLoader.loadFinetune(null, sets(dir.resolve("a"), "data.maxImagePixels=1000"));
    assertThatThrownBy(() -> SegmentationTask.open(tight))
        .isInstanceOf(io.sarmae.trainer.data.DataException.class)
        .hasMessageContaining("1024 pixels exceeds data.maxImagePixels = 1000");
    FinetuneConfig enough =
        ConfigLoader.loadFinetune(null, sets(dir.resolve("b"), "data.maxImagePixels=1024"));
    assertThat(SegmentationTask.open(enough)).isNotNull();
  }

  @Test
  void segmentationKeysAreValidatedByName() {
    assertThatThrownBy(
            () ->
                ConfigLoader.loadFinetune(
                    null,
                    List.of(
                        "task=segmentation",
                        "optim.batchSize=1",
                        "segmentation.catMaxRatio=0",
                        "segmentation.ratioRange=[2.0, 1.0]",
                        "segmentation.binaryClass=300",
                        "model.mode=linprobe")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optim.batchSize: 1 is too small for task segmentation")
        .hasMessageContaining("segmentation.catMaxRatio: 0.0 is out of range, allowed (0, 1]")
        .hasMessageContaining("segmentation.ratioRange")
        .hasMessageContaining("segmentation.binaryClass: 300")
        .hasMessageContaining("model.mode: 'linprobe' is not available with task segmentation");
    assertThatThrownBy(() -> ConfigLoader.loadFinetune(null, List.of("segmentation.lossNorm=mean")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("segmentation.lossNorm");
    // classification ignores the section: its keys are only checked for segmentation
    assertThat(
            ConfigLoader.loadFinetune(null, List.of("segmentation.catMaxRatio=0"))
                .segmentation
                .catMaxRatio)
        .isZero();
  }
}
