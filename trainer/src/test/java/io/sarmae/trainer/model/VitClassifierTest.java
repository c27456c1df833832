package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.loss.ClassificationLoss;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VitClassifierTest {

  /** Reference §6.4 / §9 item 3: ViT-B with 10 classes has 85,806,346 parameters. */
  @Test
  void vitBaseParameterCountMatchesTheReference() {
    VitClassifier b =
        VitClassifier.create(VitSpec.mae("base", 16), 10, VitClassifier.Pool.AVG, 0.1);
    assertThat(b.parameterCount()).isEqualTo(85_806_346L);
    assertThat(b.trainableParameterCount()).isEqualTo(85_806_346L);
    VitClassifier b5 =
        VitClassifier.create(VitSpec.mae("base", 16), 5, VitClassifier.Pool.TOKEN, 0.1);
    assertThat(b5.parameterCount()).isEqualTo(85_802_501L);
  }

  /** §9 item 17: head std 2e-5 makes initial logits ~0, so the loss starts at ~ln C. */
  @Test
  void freshHeadGivesNearZeroLogits() {
    try (NDManager m = NDManager.newBaseManager()) {
      VitClassifier model =
          VitClassifier.create(
              VitSpec.of("tiny", 32, 8, 3, 16, 1, 1), 10, VitClassifier.Pool.AVG, 0.1);
      model.initialize(m);
      float[] w = model.referenceStateDict().get("head.weight").getArray().toFloatArray();
      double sq = 0;
      for (float v : w) {
        sq += v * v;
      }
      assertThat(Math.sqrt(sq / w.length)).isCloseTo(2e-5, within(1e-5));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomUniform(-1f, 1f, new Shape(4, 3, 32, 32));
      NDArray logits = model.logits(ps, x, true, new SplittableRandom(1));
      assertThat(logits.getShape()).isEqualTo(new Shape(4, 10));
      assertThat(logits.abs().max().getFloat()).isLessThan(1e-2f);
      float loss =
          ClassificationLoss.softTargetCrossEntropy(
                  logits, ClassificationLoss.smoothedTargets(new int[] {0, 1, 2, 3}, 10, 0.1))
              .getFloat();
      assertThat((double) loss).isCloseTo(Math.log(10), within(1e-3));
    }
  }

  @Test
  void dropPathKeepsOrDropsWholeSamplesWithTheRightScale() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] s = VitClassifier.dropScaleForTest(m, 2000, 0.25, new SplittableRandom(3));
      long dropped = 0;
      for (float v : s) {
        assertThat(v == 0f || Math.abs(v - 1f / 0.75f) < 1e-6).isTrue();
        dropped += v == 0f ? 1 : 0;
      }
      assertThat(dropped / 2000.0).isCloseTo(0.25, within(0.03));
    }
  }
}
