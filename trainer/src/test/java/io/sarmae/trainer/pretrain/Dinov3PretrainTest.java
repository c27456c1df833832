package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.Dinov3Spec;
import io.sarmae.trainer.model.Dinov3Vit;
import io.sarmae.trainer.train.StopSignal;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pretraining with the full DINOv3 teacher runs, checkpoints the teacher and resumes from it. */
class Dinov3PretrainTest {

  @TempDir static Path shared;

  @BeforeAll
  static void data() throws Exception {
    PretrainerTest.shared = shared; // reuse its synthetic SAR-1M data and tiny config
    PretrainerTest.generateData();
  }

  /** A random DINOv3 (patch 8 like the tiny SAR model, width 32) under Meta's names. */
  private static Path teacher(Path dir) throws Exception {
    Path file = dir.resolve("dinov3_p8.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(11);
      Dinov3Vit vit = new Dinov3Vit(new Dinov3Spec(8, 32, 2, 2, 128, 4, true, 1e-5f));
      vit.initialize(m);
      NDList named = new NDList();
      vit.referenceStateDict()
          .forEach(
              (k, p) -> {
                NDArray a = p.getArray().duplicate();
                a.setName(k);
                named.add(a);
              });
      try (OutputStream os = Files.newOutputStream(file)) {
        named.encode(os, NDList.Encoding.SAFETENSORS);
      }
    }
    return file;
  }

  @Test
  void trainsAndResumesWithTheDinov3Teacher(@TempDir Path dir) throws Exception {
    Path weights = teacher(dir);
    TrainerConfig c =
        PretrainerTest.config(
            dir,
            "alignment.opticalEncoder=dinov3",
            "alignment.opticalWeights=" + weights,
            "optim.epochs=1");
    Pretrainer.Result r = PretrainerTest.train(c, StopSignal.manual());
    assertThat(r.steps()).isPositive();
    assertThat(r.lastLoss()).isFinite();
    try (WeightsFile ckpt = WeightsFile.open(r.finalCheckpoint());
        WeightsFile teacher = WeightsFile.open(weights)) {
      assertThat(ckpt.tensors().get("optical_encoder.blocks.1.ls2.gamma").readFloats())
          .containsExactly(teacher.tensors().get("blocks.1.ls2.gamma").readFloats());
    }
    TrainerConfig more =
        PretrainerTest.config(
            dir,
            "alignment.opticalEncoder=dinov3",
            "alignment.opticalWeights=" + weights,
            "optim.epochs=2");
    Pretrainer.Result resumed = PretrainerTest.train(more, StopSignal.manual());
    assertThat(resumed.steps()).isEqualTo(2 * r.steps());
  }
}
