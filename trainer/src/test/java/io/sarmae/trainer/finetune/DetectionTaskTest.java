package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.det.SynthDetectionData;
import io.sarmae.trainer.data.seg.SegManifest;
import io.sarmae.trainer.eval.det.CocoDetection;
import io.sarmae.trainer.eval.export.CocoResultsJson;
import io.sarmae.trainer.eval.export.DotaTask1Files;
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
 * {@code task: detection} through the shared fine-tuning loop with a small test detector ({@link
 * TinyGridDetector}, a stride-8 conv that really trains) on the synthetic ship benchmark (16 train
 * / 4 val / 4 test scenes of 64x64): seeded fraction protocol and manifest, falling training loss,
 * COCO and DOTA evaluation plumbing into {@code results.json} and the termination message; a
 * perfect detector ({@link OracleDetector}) scores 100 through the letterbox and back.
 */
class DetectionTaskTest {

  @TempDir static Path shared;
  static Path data;

  @BeforeAll
  static void setUp() throws Exception {
    data = shared.resolve("data");
    SynthDetectionData.generate(data, 16, 4, 64, 11);
  }

  static FinetuneConfig config(Path work, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "task=detection",
                "model.size=tiny",
                "model.imageSize=64",
                "model.patchSize=8",
                "model.inChannels=1",
                "data.path=" + data,
                "data.trainSplit=train",
                "data.evalSplit=val",
                "data.scaling=range",
                "data.evalBatchSize=4",
                "detection.strides=[8, 16, 32, 64]",
                "optim.epochs=4",
                "optim.batchSize=4",
                "optim.lr=0.02",
                "optim.weightDecay=0",
                "optim.warmupEpochs=0",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt"),
                "observability.logEverySteps=1"));
    sets.addAll(Arrays.asList(extra));
    return ConfigLoader.loadFinetune(null, sets);
  }

  static FinetuneTask.Finished run(FinetuneConfig c) {
    try (TrainingMetrics metrics = new TrainingMetrics("finetune")) {
      RunReporter reporter =
          new RunReporter("finetune", metrics, Path.of(c.run.outputDir), 1, null);
      return new Finetuner(c, Device.cpu(), reporter, StopSignal.manual())
          .runLocked(DetectionTask.open(c, TinyGridDetector::new));
    }
  }

  @Test
  void horizontalFinetuneTrainsAndWritesCocoResults(@TempDir Path dir) {
    FinetuneConfig c =
        config(dir, "data.protocol=fraction", "data.fraction=0.5", "data.testSplits=[test]");
    FinetuneTask.Finished f = run(c);

    DetResults r = DetResults.read(dir.resolve("out/results.json"));
    assertThat(r.task()).isEqualTo("detection");
    assertThat(r.primaryMetric()).isEqualTo("mAP");
    assertThat(r.metric()).isEqualTo("coco");
    assertThat(r.classes()).containsExactly("ship");
    DetRepeatResult rep = r.repeats().get(0);
    assertThat(rep.trainImages()).isEqualTo(8);
    assertThat(SegManifest.read(dir.resolve("out/split-repeat0.json")).stems()).hasSize(8);
    assertThat(rep.history()).hasSize(4);
    // the detector learns: the epoch-mean training loss falls
    assertThat(rep.history().get(3).trainLoss()).isLessThan(rep.history().get(0).trainLoss());
    DetEvaluation last = rep.last();
    assertThat(last.images()).isEqualTo(4);
    assertThat(last.metric()).isEqualTo("coco");
    assertThat(last.mAP()).isBetween(0.0, 100.0).isEqualTo(rep.mAPLast());
    assertThat(last.ar100()).isNotNull();
    assertThat(last.perClass()).hasSize(1);
    assertThat(last.perClass().get(0).objects()).isPositive();
    assertThat(Double.isFinite(last.loss())).isTrue();
    assertThat(rep.tests()).containsKey("test");
    assertThat(r.aggregate().mAPLast().n()).isEqualTo(1);
    assertThat(r.aggregate().perClassAp()).containsOnlyKeys("ship");
    assertThat(f.termination())
        .containsEntry("primaryMetric", "mAP")
        .containsKeys("primaryMean", "primaryStd", "mAPBestMean", "repeats");
    assertThat(dir.resolve("out/results.png")).exists();
  }

  @Test
  void orientedFinetuneScoresDotaStyleAndEvaluateSavesPredictions(@TempDir Path dir)
      throws Exception {
    FinetuneConfig c =
        config(
            dir,
            "detection.format=dota",
            "detection.oriented=true",
            "detection.apMethod=all-point",
            "optim.epochs=1");
    run(c);
    DetResults r = DetResults.read(dir.resolve("out/results.json"));
    assertThat(r.metric()).isEqualTo("dota");
    assertThat(r.apMethod()).isEqualTo("all-point");
    DetEvaluation last = r.repeats().get(0).last();
    assertThat(last.metric()).isEqualTo("dota");
    assertThat(last.ap75()).isNull();
    assertThat(last.mAP()).isBetween(0.0, 100.0);
    assertThat(r.repeats().get(0).trainImages()).isEqualTo(16);

    // evaluate --save-predictions on the best (= last) checkpoint reproduces the eval score and
    // writes the COCO results, the DOTA task-1 files and pictures
    Path preds = dir.resolve("preds");
    int code =
        new picocli.CommandLine(new io.sarmae.trainer.cli.EvaluateCommand(TinyGridDetector::new))
            .execute(
                "--checkpoint",
                r.repeats().get(0).bestCheckpoint(),
                "--save-predictions",
                preds.toString(),
                "--out",
                dir.resolve("eval.json").toString());
    assertThat(code).isZero();
    JsonNode ev = new ObjectMapper().readTree(dir.resolve("eval.json").toFile());
    assertThat(ev.at("/evaluation/metric").asText()).isEqualTo("dota");
    assertThat(ev.at("/evaluation/mAP").asDouble()).isEqualTo(last.mAP());
    List<CocoDetection> coco = CocoResultsJson.read(preds.resolve("coco_results.json"));
    assertThat(coco).isNotEmpty().allMatch(d -> d.categoryId() == 1 && d.imageId() <= 4);
    assertThat(DotaTask1Files.read(preds.resolve("task1"), List.of("ship"))).hasSize(coco.size());
    assertThat(preds.resolve("0000_boxes.png")).exists();
    assertThat(preds.resolve("0003_boxes.png")).exists();
  }

  @Test
  void perfectDetectionsScoreOneHundredInOriginalPixels() {
    for (String[] variant :
        new String[][] {
          {"detection.format=coco"},
          {"detection.format=dota", "detection.oriented=true"},
          {"detection.format=dota", "detection.oriented=true", "detection.apMethod=all-point"}
        }) {
      // 64-pixel images letterboxed to 32: detections must be scaled back by 2
      List<String> sets =
          new ArrayList<>(List.of("model.imageSize=32", "detection.strides=[8, 16, 32]"));
      sets.addAll(Arrays.asList(variant));
      FinetuneConfig c = config(shared.resolve("oracle"), sets.toArray(String[]::new));
      DetectionTask task = DetectionTask.forEvaluation(c, "val", (v, d, p, m) -> null);
      try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
        List<Integer> seen = new ArrayList<>();
        DetEvaluation ev =
            task.evaluate(
                new OracleDetector(c.detection.oriented, 8),
                new ParameterStore(root, false),
                "val",
                (image, dets) -> seen.add(dets.size()));
        assertThat(seen).hasSize(4);
        assertThat(ev.perClass().get(0).objects()).isPositive();
        assertThat(ev.mAP()).as(Arrays.toString(variant)).isCloseTo(100.0, Offset.offset(1e-9));
      }
    }
  }

  @Test
  void unreadableImagesAreSkippedAndCounted(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("data");
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(data)) {
      for (Path f : files.toList()) {
        Path t = copy.resolve(data.relativize(f).toString());
        if (java.nio.file.Files.isDirectory(f)) {
          java.nio.file.Files.createDirectories(t);
        } else {
          java.nio.file.Files.copy(f, t);
        }
      }
    }
    java.nio.file.Files.writeString(copy.resolve("images/val/0002.png"), "broken");
    FinetuneConfig c =
        config(dir, "data.path=" + copy, "model.imageSize=32", "detection.strides=[8, 16, 32]");
    DetectionTask task = DetectionTask.forEvaluation(c, "val", (v, d, p, m) -> null);
    try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
      DetEvaluation ev =
          task.evaluate(new OracleDetector(false, 8), new ParameterStore(root, false), "val", null);
      assertThat(ev.images()).isEqualTo(3);
      assertThat(ev.skipped()).isEqualTo(1);
      assertThat(ev.mAP()).isCloseTo(100.0, Offset.offset(1e-9));
    }
  }

  /**
   * The production path end to end: {@code sarmae-trainer finetune} with {@code task: detection}
   * builds the FCOS detector, loads a ViT-Tiny pretraining checkpoint into its encoder, trains a
   * few steps on the synthetic ships and writes {@code results.json}; {@code evaluate
   * --save-predictions} reads the checkpoint back.
   */
  @Test
  void fcosFinetunesFromPretrainingThroughTheCli(@TempDir Path dir) throws Exception {
    Path pretrained = FinetunerTest.writePretrainingCheckpoint(dir.resolve("pre"), 64);
    List<String> args = new ArrayList<>(List.of("finetune"));
    for (String set :
        List.of(
            "task=detection",
            "model.size=tiny",
            "model.imageSize=64",
            "model.patchSize=8",
            "model.inChannels=3",
            "model.init=" + pretrained,
            "data.path=" + data,
            "data.trainSplit=train",
            "data.evalSplit=val",
            "data.scaling=range",
            "data.evalBatchSize=4",
            "data.protocol=fraction",
            "data.fraction=0.25",
            "detection.strides=[8, 16, 32, 64]",
            "detection.channels=16",
            "detection.headConvs=1",
            "optim.epochs=1",
            "optim.batchSize=4",
            "optim.lr=1e-3",
            "optim.warmupEpochs=0",
            "run.outputDir=" + dir.resolve("out"),
            "checkpoint.dir=" + dir.resolve("ckpt"),
            "observability.port=0")) {
      args.add("--set");
      args.add(set);
    }
    assertThat(io.sarmae.trainer.Main.run(args.toArray(String[]::new))).isZero();
    DetResults r = DetResults.read(dir.resolve("out/results.json"));
    DetRepeatResult rep = r.repeats().get(0);
    assertThat(r.metric()).isEqualTo("coco");
    assertThat(rep.trainImages()).isEqualTo(4);
    assertThat(rep.init().loaded()).isPositive();
    assertThat(rep.history()).hasSize(1);
    assertThat(Double.isFinite(rep.history().get(0).trainLoss())).isTrue();
    assertThat(rep.last().mAP()).isBetween(0.0, 100.0);
    assertThat(rep.last().images()).isEqualTo(4);

    Path preds = dir.resolve("preds");
    assertThat(
            io.sarmae.trainer.Main.run(
                "evaluate",
                "--checkpoint",
                rep.bestCheckpoint(),
                "--save-predictions",
                preds.toString()))
        .isZero();
    JsonNode ev = new ObjectMapper().readTree(dir.resolve("out/evaluation-val.json").toFile());
    assertThat(ev.at("/evaluation/mAP").asDouble()).isEqualTo(rep.last().mAP());
    assertThat(preds.resolve("coco_results.json")).exists();
    assertThat(preds.resolve("0000_boxes.png")).exists();
  }
}
