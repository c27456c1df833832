package io.sarmae.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §9 item 7. */
class MaeLossTest {

  private static NDManager manager;
  private static NDArray target;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
    float[] data = new float[3 * 32 * 32];
    for (int c = 0; c < 3; c++) {
      for (int h = 0; h < 32; h++) {
        for (int w = 0; w < 32; w++) {
          data[(c * 32 + h) * 32 + w] = (1024f * c + 32f * h + w) / 3072f;
        }
      }
    }
    target = MaskedAutoencoderViT.patchify(manager.create(data, new Shape(1, 3, 32, 32)), 16);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static NDArray mask(float... values) {
    return manager.create(values, new Shape(1, values.length));
  }

  @Test
  void onlyMaskedPatchesCount() {
    NDArray pred = manager.zeros(new Shape(1, 4, 768));
    float[] perPatch = pred.sub(target).square().mean(new int[] {-1}).toFloatArray();
    assertThat(perPatch[0]).isCloseTo(0.2476951f, within(1e-6f));
    assertThat(perPatch[1]).isCloseTo(0.2520337f, within(1e-6f));
    assertThat(perPatch[2]).isCloseTo(0.4134395f, within(1e-6f));
    assertThat(perPatch[3]).isCloseTo(0.4195141f, within(1e-6f));
    float loss = MaeLoss.forwardLoss(target, pred, mask(1, 0, 0, 1), false).getFloat();
    assertThat(loss).isCloseTo(0.3336046f, within(1e-6f));
  }

  @Test
  void normPixUsesUnbiasedVariance() {
    NDArray pred = manager.zeros(new Shape(1, 4, 768));
    float loss = MaeLoss.forwardLoss(target, pred, mask(1, 0, 0, 1), true).getFloat();
    assertThat(loss).isCloseTo(0.9986849f, within(1e-6f));
    float all = MaeLoss.forwardLoss(target, pred, mask(1, 1, 1, 1), true).getFloat();
    assertThat(all).isCloseTo(0.9986849f, within(1e-6f));
  }

  @Test
  void constantErrorGivesPointZeroOneRegardlessOfMask() {
    NDArray pred = target.add(manager.create(0.1f));
    for (float[] m : new float[][] {{1, 0, 0, 1}, {0, 1, 0, 0}, {1, 1, 1, 1}}) {
      float loss = MaeLoss.forwardLoss(target, pred, mask(m), false).getFloat();
      assertThat(loss).isCloseTo(0.01f, within(1e-6f));
    }
  }

  @Test
  void meanOverAllMaskedPatchesOfTheBatchNotPerSample() {
    // sample 0: one masked patch with error 1; sample 1: three masked patches with error 0
    NDArray t = manager.zeros(new Shape(2, 4, 2));
    NDArray pred =
        manager.create(
            new float[] {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, new Shape(2, 4, 2));
    NDArray m = manager.create(new float[] {1, 0, 0, 0, 1, 1, 1, 0}, new Shape(2, 4));
    assertThat(MaeLoss.forwardLoss(t, pred, m, false).getFloat()).isCloseTo(0.25f, within(1e-7f));
  }

  @Test
  void allVisibleMaskGivesZeroNotNaN() {
    NDArray pred = manager.ones(new Shape(1, 4, 768));
    assertThat(MaeLoss.forwardLoss(target, pred, mask(0, 0, 0, 0), false).getFloat()).isZero();
  }
}
