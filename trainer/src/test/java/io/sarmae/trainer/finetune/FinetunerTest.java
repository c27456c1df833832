package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.Main;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.SynthClassificationData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.train.CheckpointState;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end fine-tuning of a tiny ViT on the synthetic labelled benchmark. */
class FinetunerTest {
  @TempDir static Path shared;
  static Path data;
  static Path pretrained;

  @BeforeAll
  static void setUp() throws Exception {
    data = shared.resolve("data");
    SynthClassificationData.generate(data, 6, 3, 32, 1);
    pretrained = writePretrainingCheckpoint(shared.resolve("pre"), 32);
  }

  /**
   * A pretraining checkpoint as {@code sarmae-trainer pretrain} writes it (keys {@code
   * sar_encoder.*}), of a ViT-Tiny MAE with patch 8 at {@code imageSize}.
   */
  static Path writePretrainingCheckpoint(Path dir, int imageSize) {
    MaskedAutoencoderViT mae =
        MaskedAutoencoderViT.builder()
            .setSpec(VitSpec.of("tiny", imageSize, 8, 3, 32, 1, 4))
            .build();
    try (NDManager m = NDManager.newBaseManager()) {
      mae.initialize(m);
      NDList tensors = new NDList();
      for (Map.Entry<String, Parameter> e : mae.referenceStateDict().entrySet()) {
        NDArray a = e.getValue().getArray();
        a.setName("sar_encoder." + e.getKey());
        tensors.add(a);
      }
      CheckpointState state =
          new CheckpointState(CheckpointState.FORMAT, 1, 0, 1, 0, 0, 0, 0.1, "", Map.of(), "now");
      Checkpointer ck = new Checkpointer(dir, 1);
      // final/ as pretraining publishes it: model shards only, state.json still lists the rest
      return ck.publish(ck.save(state, tensors, new NDList()), "final");
    }
  }

  static FinetuneConfig config(Path work, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "model.size=tiny",
                "model.imageSize=32",
                "model.patchSize=8",
                "data.path=" + data,
                "data.protocol=kshot",
                "data.shots=4",
                "data.testSplits=[Test, TestSpeckle]",
                "optim.epochs=2",
                "optim.batchSize=8",
                "optim.lr=1e-3",
                "optim.warmupEpochs=0.5",
                "augment.speckle=true",
                "augment.mixup=0.8",
                "augment.cutmix=1.0",
                "repeats.count=2",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt"),
                "observability.logEverySteps=1"));
    sets.addAll(Arrays.asList(extra));
    return ConfigLoader.loadFinetune(null, sets);
  }

  static FinetuneResults finetune(FinetuneConfig c, StopSignal stop) {
    try (TrainingMetrics metrics = new TrainingMetrics("finetune")) {
      RunReporter reporter =
          new RunReporter("finetune", metrics, Path.of(c.run.outputDir), 1, null);
      return ClassificationTask.finetune(c, Device.cpu(), reporter, stop);
    }
  }

  @Test
  void fineTunesRepeatsAndWritesResultsManifestsAndPlot(@TempDir Path dir) throws Exception {
    FinetuneResults r =
        finetune(
            config(dir, "model.init=" + pretrained, "data.evalEveryEpochs=2"), StopSignal.manual());

    assertThat(r.classes()).isEqualTo(SynthClassificationData.CLASSES);
    assertThat(r.repeats()).hasSize(2);
    RepeatResult first = r.repeats().get(0);
    assertThat(first.seed()).isEqualTo(0);
    assertThat(r.repeats().get(1).seed()).isEqualTo(1);
    assertThat(first.trainImages()).isEqualTo(6 * 4);
    assertThat(first.history()).hasSize(2);
    assertThat(first.last().images()).isEqualTo(6 * 3);
    assertThat(first.last().confusion()).hasDimensions(6, 6);
    assertThat(Arrays.stream(first.last().confusion()).flatMapToLong(Arrays::stream).sum())
        .isEqualTo(18);
    assertThat(first.tests()).containsOnlyKeys("Test", "TestSpeckle");
    // evaluated every 2 epochs: epoch 1 has no eval, epoch 2 (the last) is best and last
    assertThat(first.history().get(0).evalTop1()).isNull();
    assertThat(first.top1Best()).isEqualTo(first.top1Last());
    assertThat(first.bestEpoch()).isEqualTo(2);
    assertThat(first.init().loaded()).isEqualTo(4 + 12 * 12);
    assertThat(first.init().missing())
        .containsExactly("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias");
    for (RepeatResult rep : r.repeats()) {
      assertThat(rep.history()).allSatisfy(h -> assertThat(h.trainLoss()).isFinite());
    }

    Path out = dir.resolve("out");
    JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(json.get("aggregate").get("top1Last").get("n").asInt()).isEqualTo(2);
    assertThat(json.get("repeats").get(0).get("last").get("perClassAccuracy").size()).isEqualTo(6);
    assertThat(json.get("repeats").get(0).get("history").get(0).get("evalTop1").isNull()).isTrue();
    assertThat(out.resolve("results.png")).isNotEmptyFile();
    Manifest m0 = Manifest.read(out.resolve("split-repeat0.json"));
    Manifest m1 = Manifest.read(out.resolve("split-repeat1.json"));
    assertThat(m0.samples()).hasSize(24);
    assertThat(m0.protocol()).isEqualTo("kshot");
    assertThat(m0.samples()).isNotEqualTo(m1.samples());
    assertThat(dir.resolve("ckpt/repeat-0/best")).isDirectory();
  }

  @Test
  void interruptedRunResumesToTheSameResults(@TempDir Path dir) {
    resumesToTheSameResults(dir);
  }

  /** As above with {@code optim.fused: on} (libtorch's _fused_adamw_ per layer-decay group). */
  @Test
  void interruptedRunResumesToTheSameResultsOnTheFusedOptimizer(@TempDir Path dir) {
    io.sarmae.trainer.ops.FusedOptim.use(io.sarmae.trainer.config.TrainerConfig.OptimKernel.ON);
    try {
      resumesToTheSameResults(dir);
    } finally {
      io.sarmae.trainer.ops.FusedOptim.use(io.sarmae.trainer.config.TrainerConfig.OptimKernel.OFF);
    }
  }

  private void resumesToTheSameResults(Path dir) {
    FinetuneConfig c = config(dir, "repeats.count=1", "model.init=" + pretrained);
    FinetuneResults full = finetune(c, StopSignal.manual());

    FinetuneConfig c2 = config(dir.resolve("b"), "repeats.count=1", "model.init=" + pretrained);
    assertThatThrownBy(() -> finetune(c2, StopSignal.manual().afterStep(4)))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.RESUMABLE));
    FinetuneResults resumed = finetune(c2, StopSignal.manual());

    RepeatResult a = full.repeats().get(0);
    RepeatResult b = resumed.repeats().get(0);
    assertThat(b.history()).hasSameSizeAs(a.history());
    for (int i = 0; i < a.history().size(); i++) {
      assertThat(b.history().get(i).trainLoss()).isEqualTo(a.history().get(i).trainLoss());
      assertThat(b.history().get(i).evalTop1()).isEqualTo(a.history().get(i).evalTop1());
    }
    assertThat(b.last().confusion()).isEqualTo(a.last().confusion());
  }

  @Test
  void initWithoutEncoderTensorsIsAnError(@TempDir Path dir) throws Exception {
    Path bogus = dir.resolve("bogus.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.zeros(new ai.djl.ndarray.types.Shape(3));
      a.setName("decoder_pred.bias");
      Files.write(bogus, new NDList(a).encode(NDList.Encoding.SAFETENSORS));
    }
    assertThatThrownBy(() -> finetune(config(dir, "model.init=" + bogus), StopSignal.manual()))
        .hasMessageContaining("model.init")
        .hasMessageContaining("refusing to fine-tune from scratch");
  }

  @Test
  void cliFinetuneWritesTerminationMessageAndEvaluateScoresTheBestCheckpoint(@TempDir Path dir)
      throws Exception {
    Path term = dir.resolve("termination");
    System.setProperty("sarmae.test.termination", term.toString());
    int code =
        Main.run(
            "finetune",
            "--set",
            "model.size=tiny",
            "--set",
            "model.imageSize=32",
            "--set",
            "model.patchSize=8",
            "--set",
            "data.path=" + data,
            "--set",
            "optim.epochs=1",
            "--set",
            "optim.warmupEpochs=0",
            "--set",
            "optim.batchSize=12",
            "--set",
            "observability.port=0",
            "--set",
            "run.outputDir=" + dir.resolve("out"),
            "--set",
            "checkpoint.dir=" + dir.resolve("ckpt"),
            "--repeats",
            "1");
    assertThat(code).isZero();
    FinetuneResults r = FinetuneResults.read(dir.resolve("out/results.json"));
    assertThat(r.init()).isNull();
    Path best = new Checkpointer(dir.resolve("ckpt/repeat-0/best"), 1).list().get(0);
    int eval =
        Main.run(
            "evaluate",
            "--checkpoint",
            best.toString(),
            "--split",
            "Test",
            "--out",
            dir.resolve("eval.json").toString());
    assertThat(eval).isZero();
    JsonNode ev = new ObjectMapper().readTree(dir.resolve("eval.json").toFile());
    assertThat(ev.get("evaluation").get("images").asInt()).isEqualTo(18);
    assertThat(ev.get("evaluation").get("top1").asDouble()).isBetween(0.0, 100.0);
  }

  @Test
  void tooFewImagesForKShotNamesTheClasses(@TempDir Path dir) {
    assertThatThrownBy(() -> finetune(config(dir, "data.shots=7"), StopSignal.manual()))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DATA))
        .hasMessageContaining("aircraft (6)")
        .hasMessageContaining("vehicle (6)");
  }

  @Test
  void aSecondTrainerOnTheSameCheckpointFolderIsRefusedNamingTheHolder(@TempDir Path dir) {
    FinetuneConfig c = config(dir);
    try (Checkpointer holder = Checkpointer.open(Path.of(c.checkpoint.dir), 3, "uid-other")) {
      assertThatThrownBy(() -> finetune(c, StopSignal.manual()))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
          .hasMessageContaining("run id uid-other");
    }
  }
}
