package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The loss terms on hand-computed cases. */
class FcosLossTest {

  @Test
  void focalLoss() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {0, 0, 2, -1}, new Shape(1, 4));
      NDArray y = m.create(new float[] {1, 0, 1, 0}, new Shape(1, 4));
      float[] got = FcosLoss.sigmoidFocal(x, y, 0.25, 2.0).toFloatArray();
      double ln2 = Math.log(2);
      double p2 = 1 / (1 + Math.exp(-2));
      double pm1 = 1 / (1 + Math.exp(1));
      assertThat(got[0]).isCloseTo((float) (0.25 * 0.25 * ln2), within(1e-6f)); // p = 1/2
      assertThat(got[1]).isCloseTo((float) (0.75 * 0.25 * ln2), within(1e-6f));
      assertThat(got[2])
          .isCloseTo((float) (0.25 * (1 - p2) * (1 - p2) * -Math.log(p2)), within(1e-7f));
      assertThat(got[3]).isCloseTo((float) (0.75 * pm1 * pm1 * -Math.log(1 - pm1)), within(1e-7f));
      // gamma 0, alpha 0.5: half the binary cross-entropy
      float[] ce = FcosLoss.sigmoidFocal(x, y, 0.5, 0).toFloatArray();
      assertThat(ce[2]).isCloseTo((float) (0.5 * -Math.log(p2)), within(1e-6f));
      // a very confident logit stays finite
      NDArray big = m.create(new float[] {-80, 80}, new Shape(1, 2));
      NDArray t = m.create(new float[] {1, 0}, new Shape(1, 2));
      float[] far = FcosLoss.sigmoidFocal(big, t, 0.25, 2.0).toFloatArray();
      assertThat(far[0]).isCloseTo(0.25f * 80f, within(1e-3f));
      assertThat(far[1]).isCloseTo(0.75f * 80f, within(1e-3f));
    }
  }

  @Test
  void giouLoss() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray pred =
          m.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 1, 1, 1, 3, 1}, new Shape(4, 4));
      NDArray target =
          m.create(new float[] {1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 0, 1, 3, 1, 1, 1}, new Shape(4, 4));
      float[] got = FcosLoss.giou(pred, target).toFloatArray();
      assertThat(got[0]).isCloseTo(0f, within(1e-6f)); // identical
      assertThat(got[1]).isCloseTo(0.75f, within(1e-6f)); // nested: IoU 4/16, enclose = union
      assertThat(got[2]).isCloseTo(1f, within(1e-6f)); // touching halves: IoU 0, enclose = union
      // [-1, 3] vs [-3, 1] (height 2): inter 4, union 12, enclose 12: GIoU 1/3
      assertThat(got[3]).isCloseTo(2f / 3, within(1e-6f));
    }
  }

  @Test
  void centernessAndAngleLosses() {
    try (NDManager m = NDManager.newBaseManager()) {
      float bce =
          FcosLoss.bceWithLogits(m.create(new float[] {0f}), m.create(new float[] {0.5f}))
              .getFloat(0);
      assertThat(bce).isCloseTo((float) Math.log(2), within(1e-6f));
      NDArray pred = m.create(new float[] {0.05f, 1f, (float) (0.3 + Math.PI), 1.5f, -1.5f});
      NDArray target = m.create(new float[] {0f, -1f, 0.3f, -1.5f, 1.5f});
      float[] got = FcosLoss.angleSmoothL1(pred, target).toFloatArray();
      assertThat(got[0]).isCloseTo(0.5f * 0.05f * 0.05f / 0.1f, within(1e-6f)); // quadratic part
      assertThat(got[1]).isCloseTo((float) (Math.PI - 2 - 0.05), within(1e-5f)); // 2 wraps to 2-pi
      assertThat(got[2]).isCloseTo(0f, within(1e-5f)); // off by pi: the same rectangle
      // 1.5 vs -1.5 differ by 3 = pi - 0.1416 across the le90 seam
      assertThat(got[3]).isCloseTo((float) (Math.PI - 3 - 0.05), within(1e-5f));
      assertThat(got[4]).isCloseTo(got[3], within(1e-6f));
    }
  }
}
