package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.Progress;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.ModelFactory;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end pretraining of a tiny model on generated SAR-1M-style data. */
public class PretrainerTest {
  @TempDir static Path shared;
  static Path data;

  @BeforeAll
  static void generateData() throws Exception {
    data = shared.resolve("data");
    SynthData.generate(data, 48, 0.75, 32, 3);
  }

  /**
   * Settings of the test runs: ViT-Tiny encoder on 32x32 images, patch 8 (16 patches), a small
   * decoder, batch 8, 2 epochs; {@code extra} overrides them.
   */
  public static List<String> tinySettings(Path work, Path dataDir, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "model.size=tiny",
                "model.imageSize=32",
                "model.patchSize=8",
                "model.decoderDim=32",
                "model.decoderDepth=1",
                "model.decoderHeads=4",
                "alignment.opticalDim=32",
                // test runs have no DINOv3 file: align to the seeded random stem on purpose
                "alignment.randomTeacher=true",
                "data.path=" + dataDir,
                "data.workers=2",
                "optim.epochs=2",
                "optim.batchSize=8",
                "optim.lr=1e-3",
                "optim.warmupEpochs=0.5",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt"),
                "observability.logEverySteps=1",
                "observability.progressBar=never"));
    sets.addAll(Arrays.asList(extra));
    return sets;
  }

  /** The tiny config on the shared data: 6 steps per epoch. */
  public static TrainerConfig config(Path work, String... extra) {
    return ConfigLoader.load(null, tinySettings(work, data, extra));
  }

  public static Pretrainer.Result train(TrainerConfig c, StopSignal stop) {
    return train(c, stop, PretrainData::open);
  }

  public static Pretrainer.Result train(
      TrainerConfig c, StopSignal stop, Function<TrainerConfig, PretrainData> data) {
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter =
          new RunReporter("pretrain", metrics, Path.of(c.run.outputDir), 1, null);
      return new Pretrainer(c, new Device[] {Device.cpu()}, reporter, stop, data).run();
    }
  }

  public static String modelHash(Path checkpoint) throws Exception {
    return Checkpointer.readState(checkpoint).sha256().get("model-00000.safetensors");
  }

  /**
   * Stops {@code interrupted} after step 5 (exit code RESUMABLE), resumes it to the end and asserts
   * it ends bit-identical to {@code straight}: the same step count, the same weights (sha256) and
   * the same last loss. Returns the resumed run.
   */
  static Pretrainer.Result assertResumesBitIdentical(
      TrainerConfig interrupted, Pretrainer.Result straight) throws Exception {
    TrainerException stopped =
        org.junit.jupiter.api.Assertions.assertThrows(
            TrainerException.class, () -> train(interrupted, StopSignal.manual().afterStep(5)));
    assertThat(stopped.exitCode()).isEqualTo(ExitCodes.RESUMABLE);
    Pretrainer.Result resumed = train(interrupted, StopSignal.manual());
    assertThat(resumed.steps()).isEqualTo(straight.steps());
    assertThat(modelHash(resumed.finalCheckpoint()))
        .isEqualTo(modelHash(straight.finalCheckpoint()));
    assertThat(resumed.lastLoss()).isEqualTo(straight.lastLoss());
    return resumed;
  }

  @Test
  void resumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws Exception {
    Pretrainer.Result straight = train(config(dir.resolve("a")), StopSignal.manual());
    assertThat(straight.steps()).isEqualTo(12);
    assertThat(straight.lastLoss()).isFinite();

    TrainerConfig b = config(dir.resolve("b"), "checkpoint.everyEpochs=0");
    TrainerException stopped =
        org.junit.jupiter.api.Assertions.assertThrows(
            TrainerException.class, () -> train(b, StopSignal.manual().afterStep(5)));
    assertThat(stopped.exitCode()).isEqualTo(ExitCodes.RESUMABLE);
    Path mid = dir.resolve("b/ckpt/checkpoint-000000005");
    assertThat(Checkpointer.readState(mid).batchInEpoch()).isEqualTo(5);

    Pretrainer.Result resumed = train(b, StopSignal.manual());
    assertThat(resumed.steps()).isEqualTo(12);
    assertThat(modelHash(resumed.finalCheckpoint()))
        .isEqualTo(modelHash(straight.finalCheckpoint()));
    assertThat(resumed.lastLoss()).isEqualTo(straight.lastLoss());
  }

  @Test
  void writesCheckpointsProgressAndLogs(@TempDir Path dir) throws Exception {
    TrainerConfig c = config(dir, "checkpoint.keepLast=1");
    train(c, StopSignal.manual());
    assertThat(new Checkpointer(dir.resolve("ckpt"), 1).list())
        .extracting(p -> p.getFileName().toString())
        .containsExactly("checkpoint-000000012");
    assertThat(dir.resolve("ckpt/final/state.json")).exists();
    String progress = Files.readString(dir.resolve("out/progress.json"));
    assertThat(progress).contains("\"step\":12").contains("\"percent\":100.0");
    List<String> log = Files.readAllLines(dir.resolve("out/log.jsonl"));
    assertThat(log).filteredOn(l -> l.contains("\"type\":\"epoch\"")).hasSize(2);
    assertThat(log).filteredOn(l -> l.contains("\"step\":")).hasSizeGreaterThanOrEqualTo(12);
  }

  @Test
  void anotherRunsFinalFolderInitialisesTheEncoderOnly(@TempDir Path dir) throws Exception {
    Pretrainer.Result first =
        train(config(dir.resolve("a"), "optim.epochs=1"), StopSignal.manual());
    TrainerConfig second =
        config(dir.resolve("b"), "checkpoint.initWeights=" + first.finalCheckpoint(), "run.seed=9");
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      var model = ModelFactory.pretrainModel(second, m);
      var loaded = new Checkpointer(dir, 1).load(first.finalCheckpoint(), m);
      var named = model.referenceStateDict();
      String enc = "sar_encoder.blocks.0.attn.qkv.weight";
      String dec = "sar_encoder.decoder_blocks.0.attn.qkv.weight";
      assertThat(named.get(enc).getArray().toFloatArray())
          .containsExactly(loaded.model().get(enc).toFloatArray());
      assertThat(named.get(dec).getArray().toFloatArray())
          .isNotEqualTo(loaded.model().get(dec).toFloatArray());
    }
  }

  @Test
  void nonFiniteLossSkipsTheStepAndIsCounted(@TempDir Path dir) {
    TrainerConfig c = config(dir, "optim.epochs=1");
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir.resolve("out"), 1, null);
      Pretrainer.Result r =
          new Pretrainer(
                  c,
                  new Device[] {Device.cpu()},
                  reporter,
                  StopSignal.manual(),
                  poisoned(batch -> batch == 2))
              .run();
      assertThat(r.steps()).isEqualTo(5);
      Progress p = reporter.progress();
      assertThat(p.skippedSteps()).isEqualTo(1);
      assertThat(metrics.scrape())
          .contains("sarmae_train_skipped_steps_total{mode=\"pretrain\",rank=\"0\"} 1.0");
    }
  }

  @Test
  void divergenceStopsWithExitCode4(@TempDir Path dir) {
    TrainerConfig c = config(dir, "optim.maxSkippedSteps=3");
    assertThatThrownBy(() -> train(c, StopSignal.manual(), poisoned(batch -> true)))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DIVERGED))
        .hasMessageContaining("3 consecutive steps");
  }

  /**
   * Issue 12: 24 steps at a huge lr skip nearly every step, yet never {@code maxSkippedSteps} (100)
   * in a row; such a run must end diverged (exit 4) without publishing {@code final/}.
   */
  @Test
  void aRunThatSkippedMostOfItsStepsIsDivergedAndPublishesNothing(@TempDir Path dir) {
    TrainerConfig c = config(dir, "optim.epochs=4", "optim.lr=1e4", "optim.clipGrad=0");
    assertThatThrownBy(() -> train(c, StopSignal.manual()))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DIVERGED))
        .hasMessageContaining("optim.maxSkippedFraction");
    assertThat(dir.resolve("ckpt/final")).doesNotExist();
  }

  @Test
  void corruptAndMissingImagesAreSkippedAndCounted(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("data");
    SynthData.generate(copy, 16, 1.0, 32, 5);
    List<Path> sars;
    try (var walk = Files.walk(copy.resolve("SAR"))) {
      sars = walk.filter(Files::isRegularFile).sorted().toList();
    }
    Files.write(sars.get(0), new byte[] {1, 2, 3, 4, 5});
    Files.delete(sars.get(1));
    TrainerConfig c = config(dir, "data.path=" + copy, "optim.epochs=1");
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir.resolve("out"), 1, null);
      Pretrainer.Result r =
          new Pretrainer(c, new Device[] {Device.cpu()}, reporter, StopSignal.manual()).run();
      assertThat(r.steps()).isEqualTo(2);
      assertThat(reporter.progress().skippedSamples()).isGreaterThanOrEqualTo(2);
      assertThat(metrics.scrape()).contains("sarmae_train_skipped_samples_total");
      // The loader's waits (#18): the epoch line and the counter tell the same number.
      String epochLine =
          Files.readAllLines(dir.resolve("out/log.jsonl")).stream()
              .filter(l -> l.contains("\"type\":\"epoch\""))
              .findFirst()
              .orElseThrow();
      java.util.regex.Matcher logged =
          java.util.regex.Pattern.compile("\"data_waited_batches\":(\\d+)").matcher(epochLine);
      assertThat(logged.find()).as(epochLine).isTrue();
      assertThat(epochLine).containsPattern("\"data_wait_s\":[0-9.]+");
      assertThat(metrics.scrape())
          .contains(
              "sarmae_train_data_waited_batches_total{mode=\"pretrain\",rank=\"0\"} "
                  + logged.group(1)
                  + ".0")
          .contains("sarmae_train_data_wait_seconds_total{mode=\"pretrain\",rank=\"0\"}");
    }
  }

  @Test
  void tooLittleDataIsADataError(@TempDir Path dir) {
    TrainerConfig c = config(dir, "optim.batchSize=64");
    assertThatThrownBy(() -> train(c, StopSignal.manual()))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DATA))
        .hasMessageContaining("fewer than one batch of 64");
  }

  /** The real data with NaN written into the input of the selected batches (by index in epoch). */
  static Function<TrainerConfig, PretrainData> poisoned(IntPredicate which) {
    return cfg -> {
      PretrainData real = PretrainData.open(cfg);
      return new PretrainData() {
        @Override
        public int batchesPerEpoch() {
          return real.batchesPerEpoch();
        }

        @Override
        public String describe() {
          return real.describe();
        }

        @Override
        public EpochIterator open(int epoch, int firstBatch) {
          EpochIterator it = real.open(epoch, firstBatch);
          int[] index = {firstBatch};
          return new EpochIterator() {
            @Override
            public StepInputs next() {
              StepInputs in = it.next();
              if (which.test(index[0]++)) {
                in.sar()[0] = Float.NaN;
              }
              return in;
            }

            @Override
            public void close() {
              it.close();
            }
          };
        }

        @Override
        public long skippedSamples() {
          return real.skippedSamples();
        }

        @Override
        public void close() {
          real.close();
        }
      };
    };
  }
}
