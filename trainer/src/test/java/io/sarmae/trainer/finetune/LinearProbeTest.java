package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.Main;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.SynthClassificationData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.model.LinearProbeHead;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.ModelFactory;
import io.sarmae.trainer.train.StopSignal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model.mode: linprobe}: a frozen encoder, a non-affine BatchNorm and a trained Linear. */
class LinearProbeTest {
  @TempDir static Path shared;
  static Path data;
  static Path pretrained;

  private static final VitSpec TINY = VitSpec.of("tiny", 32, 8, 3, 16, 1, 1);
  private static final int WIDTH = 192;

  @BeforeAll
  static void setUp() throws Exception {
    data = shared.resolve("data");
    SynthClassificationData.generate(data, 6, 3, 32, 1);
    pretrained = FinetunerTest.writePretrainingCheckpoint(shared.resolve("pre"), 32);
  }

  /** A 2-epoch, 3-steps-per-epoch probe of a pretrained ViT-Tiny (patch 8) at 32 pixels. */
  static FinetuneConfig config(Path work, String... extra) {
    List<String> sets =
        new ArrayList<>(
            List.of(
                "model.mode=linprobe",
                "model.size=tiny",
                "model.imageSize=32",
                "model.patchSize=8",
                "model.init=" + pretrained,
                "data.path=" + data,
                "data.protocol=kshot",
                "data.shots=4",
                "data.testSplits=[Test]",
                "optim.epochs=2",
                "optim.batchSize=8",
                "optim.lr=1e-2",
                "optim.warmupEpochs=0.5",
                "augment.speckle=true",
                "repeats.count=1",
                "run.outputDir=" + work.resolve("out"),
                "checkpoint.dir=" + work.resolve("ckpt"),
                "observability.logEverySteps=1"));
    sets.addAll(Arrays.asList(extra));
    return ConfigLoader.loadFinetune(null, sets);
  }

  @Test
  void probeHeadIsANonAffineBatchNormAndALinearAndNothingElseTrains() {
    VitClassifier probe = VitClassifier.linearProbe(TINY, 6, VitClassifier.Pool.AVG);
    Map<String, Parameter> named = probe.referenceStateDict();
    assertThat(named.keySet().stream().filter(k -> k.startsWith("head.")))
        .containsExactly(
            "head.0.running_mean", "head.0.running_var", "head.1.weight", "head.1.bias");
    assertThat(named.entrySet().stream().filter(e -> e.getValue().requiresGradient()))
        .extracting(Map.Entry::getKey)
        .containsExactly("head.1.weight", "head.1.bias");
    assertThat(probe.trainableParameterCount()).isEqualTo(WIDTH * 6 + 6);
    // the same encoder as the fine-tuning classifier; BatchNorm adds 2 x D statistics, no weights
    VitClassifier ft = VitClassifier.create(TINY, 6, VitClassifier.Pool.AVG, 0.1);
    assertThat(probe.parameterCount()).isEqualTo(ft.parameterCount() + 2 * WIDTH);

    try (NDManager m = NDManager.newBaseManager()) {
      probe.initialize(m);
      assertThat(named.get("head.0.running_mean").getArray().toFloatArray()).containsOnly(0f);
      assertThat(named.get("head.0.running_var").getArray().toFloatArray()).containsOnly(1f);
      assertThat(named.get("head.1.bias").getArray().toFloatArray()).containsOnly(0f);
      float[] w = named.get("head.1.weight").getArray().toFloatArray();
      double sq = 0;
      for (float v : w) {
        sq += v * v;
      }
      assertThat(Math.sqrt(sq / w.length)).isCloseTo(0.01, within(0.001));
    }
  }

  @Test
  void runningStatisticsFollowPyTorchsBatchNormUpdate() {
    LinearProbeHead head = new LinearProbeHead(3, 2);
    try (NDManager m = NDManager.newBaseManager()) {
      head.initialize(m);
      ParameterStore ps = new ParameterStore(m, false);
      float[] x = {1, 2, 3, 3, 6, 9, 5, 4, 0, 7, 0, 4};
      NDArray in = m.create(x, new Shape(4, 3));
      LinearProbeHead.Normalized n = head.normalizeBatch(in);
      double[] mean = new double[3];
      double[] var = new double[3];
      for (int d = 0; d < 3; d++) {
        for (int i = 0; i < 4; i++) {
          mean[d] += x[i * 3 + d] / 4.0;
        }
        for (int i = 0; i < 4; i++) {
          var[d] += Math.pow(x[i * 3 + d] - mean[d], 2) / 4.0;
        }
      }
      float[] y = n.features().toFloatArray();
      for (int i = 0; i < 4; i++) {
        for (int d = 0; d < 3; d++) {
          double want = (x[i * 3 + d] - mean[d]) / Math.sqrt(var[d] + 1e-6);
          assertThat((double) y[i * 3 + d]).isCloseTo(want, within(1e-5));
        }
      }
      // normalising does not move the running statistics; tracking does, once
      assertThat(head.runningMean().getArray().toFloatArray()).containsOnly(0f);
      head.track(ps, n);
      float[] rm = head.runningMean().getArray().toFloatArray();
      float[] rv = head.runningVar().getArray().toFloatArray();
      for (int d = 0; d < 3; d++) {
        assertThat((double) rm[d]).isCloseTo(0.1 * mean[d], within(1e-6));
        // the running variance tracks the unbiased batch variance (n / (n - 1))
        assertThat((double) rv[d]).isCloseTo(0.9 + 0.1 * var[d] * 4 / 3, within(1e-5));
      }
      assertThatThrownBy(
              () -> head.normalizeBatch(m.create(new float[] {1, 2, 3}, new Shape(1, 3))))
          .hasMessageContaining("more than one sample");
    }
  }

  @Test
  void evaluationUsesTheRunningStatisticsSoAnImageScoresTheSameAloneOrInABatch() {
    VitClassifier probe = VitClassifier.linearProbe(TINY, 4, VitClassifier.Pool.TOKEN);
    try (NDManager m = NDManager.newBaseManager()) {
      probe.initialize(m);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray imgs = m.randomUniform(-1f, 1f, new Shape(6, 3, 32, 32));
      // running statistics far from the batch's: a shifted, scaled batch
      NDArray other = imgs.mul(3f).add(0.5f);
      probe.probe().track(ps, probe.probe().normalizeBatch(probe.features(ps, other, false, null)));

      // evaluation leaves nothing behind in the model's manager
      int owned = m.getManagedArrays().size();
      try (NDManager step = m.newSubManager()) {
        NDArray x = step.create(imgs.toFloatArray(), imgs.getShape());
        probe.logits(ps, x, false, null);
      }
      assertThat(m.getManagedArrays().size()).isEqualTo(owned);

      float[] batch = probe.logits(ps, imgs, false, null).toFloatArray(); // (6, 4)
      float[] trainMode = probe.logits(ps, imgs, true, new SplittableRandom(1)).toFloatArray();
      for (int i = 0; i < 6; i++) {
        NDArray one = imgs.get(i).expandDims(0);
        float[] alone = probe.logits(ps, one, false, null).toFloatArray(); // (1, 4)
        float[] again = probe.logits(ps, one, false, null).toFloatArray();
        assertThat(again).containsExactly(alone);
        for (int c = 0; c < 4; c++) {
          assertThat(alone[c]).isCloseTo(batch[i * 4 + c], within(1e-5f));
        }
      }
      // the batch's own statistics (training mode) give other scores than the running ones
      double diff = 0;
      for (int j = 0; j < batch.length; j++) {
        diff = Math.max(diff, Math.abs(batch[j] - trainMode[j]));
      }
      assertThat(diff).isGreaterThan(1e-2);
    }
  }

  @Test
  void trainingLeavesTheEncoderByteIdenticalAndMovesOnlyTheHead(@TempDir Path dir) {
    FinetuneConfig c = config(dir, "checkpoint.keepLast=5");
    FinetuneResults r = FinetunerTest.finetune(c, StopSignal.manual());
    assertThat(r.mode()).isEqualTo("linprobe");

    try (NDManager m = NDManager.newBaseManager()) {
      List<Path> cks = new Checkpointer(dir.resolve("ckpt/repeat-0"), 5).list();
      assertThat(cks).hasSize(2); // epochs 2 and 1, newest first
      Checkpointer.Loaded last = new Checkpointer(cks.get(0).getParent(), 5).load(cks.get(0), m);
      Checkpointer.Loaded first = new Checkpointer(cks.get(1).getParent(), 5).load(cks.get(1), m);
      Map<String, NDArray> source =
          ModelFactory.readTensors(pretrained, m, "model.init", k -> true);

      List<String> changed = new ArrayList<>();
      for (NDArray a : last.model()) {
        String key = a.getName();
        NDArray before = first.model().get(key);
        if (!bytes(a).equals(bytes(before))) {
          changed.add(key);
        }
        NDArray pre = source.get("sar_encoder." + key);
        if (pre != null) {
          assertThat(bytes(a)).as(key).isEqualTo(bytes(pre));
        }
      }
      assertThat(changed)
          .containsExactlyInAnyOrder(
              "head.0.running_mean", "head.0.running_var", "head.1.weight", "head.1.bias");
      // fc_norm is frozen at its initial identity, as in MAE where only head.* trains
      assertThat(last.model().get("fc_norm.weight").toFloatArray()).containsOnly(1f);
      assertThat(last.model().get("fc_norm.bias").toFloatArray()).containsOnly(0f);
      // the running statistics moved away from their initial 0 / 1
      assertThat(last.model().get("head.0.running_mean").abs().max().getFloat()).isPositive();
      // optimizer state exists for the Linear only
      assertThat(names(last.optimizer()))
          .containsExactlyInAnyOrder(
              "exp_avg.head.1.weight",
              "exp_avg_sq.head.1.weight",
              "exp_avg.head.1.bias",
              "exp_avg_sq.head.1.bias");
    }
  }

  @Test
  void interruptedProbeResumesBitIdentically(@TempDir Path dir) {
    FinetuneResults full = FinetunerTest.finetune(config(dir.resolve("a")), StopSignal.manual());
    FinetuneConfig c2 = config(dir.resolve("b"));
    assertThatThrownBy(() -> FinetunerTest.finetune(c2, StopSignal.manual().afterStep(4)))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.RESUMABLE));
    FinetuneResults resumed = FinetunerTest.finetune(c2, StopSignal.manual());

    RepeatResult a = full.repeats().get(0);
    RepeatResult b = resumed.repeats().get(0);
    assertThat(b.history()).isEqualTo(a.history());
    assertThat(b.last().confusion()).isEqualTo(a.last().confusion());
    try (NDManager m = NDManager.newBaseManager()) {
      NDList ma = latest(dir.resolve("a/ckpt/repeat-0"), m);
      NDList mb = latest(dir.resolve("b/ckpt/repeat-0"), m);
      assertThat(names(mb)).isEqualTo(names(ma));
      for (NDArray x : ma) {
        assertThat(bytes(mb.get(x.getName()))).as(x.getName()).isEqualTo(bytes(x));
      }
    }
  }

  @Test
  void probeOnTheSyntheticBenchmarkLearnsAndEvaluateReadsItsStatistics(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");
    SynthClassificationData.generate(data, 20, 10, 32, 3);
    FinetuneConfig c =
        config(
            dir,
            "data.path=" + data,
            "data.protocol=all",
            "data.testSplits=[]",
            "augment.speckle=false",
            "optim.epochs=12",
            "optim.batchSize=20",
            "optim.lr=1e-2",
            "optim.warmupEpochs=1",
            "data.evalEveryEpochs=4");
    FinetuneResults r = FinetunerTest.finetune(c, StopSignal.manual());
    RepeatResult rep = r.repeats().get(0);
    List<RepeatResult.EpochRecord> h = rep.history();
    double firstLoss = h.get(0).trainLoss();
    double lastLoss = h.get(h.size() - 1).trainLoss();
    assertThat(firstLoss).isCloseTo(Math.log(6), within(0.35));
    assertThat(lastLoss).isLessThan(0.8 * firstLoss);
    // 6 classes, 60 Val images: chance is 16.7 %
    assertThat(rep.top1Best()).isGreaterThan(30.0);

    // evaluate rebuilds the probe from the stored config and scores with the saved statistics:
    // the best checkpoint reproduces its epoch's Val accuracy exactly
    Path best = Path.of(rep.bestCheckpoint());
    Path out = dir.resolve("eval.json");
    assertThat(Main.run("evaluate", "--checkpoint", best.toString(), "--out", out.toString()))
        .isZero();
    JsonNode ev = new ObjectMapper().readTree(out.toFile());
    assertThat(ev.get("mode").asText()).isEqualTo("linprobe");
    assertThat(ev.get("evaluation").get("top1").asDouble()).isEqualTo(rep.top1Best());
    JsonNode results = new ObjectMapper().readTree(dir.resolve("out/results.json").toFile());
    assertThat(results.get("mode").asText()).isEqualTo("linprobe");
  }

  private static NDList latest(Path dir, NDManager m) {
    Checkpointer ck = new Checkpointer(dir, 5);
    return ck.load(ck.list().get(0), m).model();
  }

  private static List<String> names(NDList list) {
    return list.stream().map(NDArray::getName).toList();
  }

  private static ByteBuffer bytes(NDArray a) {
    return a.toByteBuffer();
  }
}
