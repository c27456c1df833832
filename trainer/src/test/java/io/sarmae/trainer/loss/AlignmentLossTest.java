package io.sarmae.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §9 items 8 and 9 (the head is bypassed: tokens are given as already projected). */
class AlignmentLossTest {

  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static NDArray tokens(float[]... rows) {
    float[] data = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, data, i * rows[0].length, rows[0].length);
    }
    return manager.create(data, new Shape(1, rows.length, rows[0].length));
  }

  private static float loss(NDArray s, NDArray o) {
    int k = (int) s.getShape().get(1);
    NDArray identity =
        manager.arange(0, k).toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(1, k);
    return AlignmentLoss.alignmentLoss(s, o, identity, manager.ones(new Shape(1))).getFloat();
  }

  @Test
  void toyCosineDistances() {
    NDArray s = tokens(new float[] {1, 0, 0, 0}, new float[] {0, 1, 0, 0});
    NDArray o = tokens(new float[] {2, 0, 0, 0}, new float[] {0, 0, 1, 0});
    assertThat(loss(s, o)).isCloseTo(0.5f, within(1e-6f));
    assertThat(loss(s, s)).isCloseTo(0f, within(1e-6f));
    assertThat(loss(s, s.neg())).isCloseTo(2f, within(1e-6f));
  }

  @Test
  void scaleInvariantOnBothSides() {
    NDArray s = manager.randomNormal(new Shape(1, 6, 8));
    NDArray o = manager.randomNormal(new Shape(1, 6, 8));
    float base = loss(s, o);
    float scaled = loss(s.mul(manager.create(7.5f)), o.mul(manager.create(0.01f)));
    assertThat(scaled).isCloseTo(base, within(1e-5f));
  }

  @Test
  void opticalTokenJIsThePatchIdsShuffleJ() {
    int b = 2;
    int l = 16;
    int e = 3;
    float[] opt = new float[b * l * e];
    for (int i = 0; i < b; i++) {
      for (int p = 0; p < l; p++) {
        for (int d = 0; d < e; d++) {
          opt[(i * l + p) * e + d] = 100f * i + p + d / 10f;
        }
      }
    }
    NDArray optical = manager.create(opt, new Shape(b, l, e));
    NDArray noise = manager.randomUniform(0f, 1f, new Shape(b, l));
    NDArray idsShuffle = noise.argSort(1);
    NDArray idsRestore = idsShuffle.argSort(1);
    NDArray gathered = AlignmentLoss.gatherVisible(optical, idsRestore, 4);
    assertThat(gathered.getShape()).isEqualTo(new Shape(b, 4, e));
    long[] shuffle = idsShuffle.toLongArray();
    float[] g = gathered.toFloatArray();
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < 4; j++) {
        for (int d = 0; d < e; d++) {
          assertThat(g[(i * 4 + j) * e + d]).isEqualTo(100f * i + shuffle[i * l + j] + d / 10f);
        }
      }
    }
  }

  @Test
  void onlyPairedSamplesAreAveraged() {
    NDArray distances = manager.create(new float[] {0.2f, 1.5f, 0.4f});
    NDArray paired = manager.create(new float[] {1f, 0f, 1f});
    assertThat(AlignmentLoss.pairedMean(distances, paired).getFloat())
        .isCloseTo(0.3f, within(1e-6f));
    assertThat(AlignmentLoss.pairedMean(distances, manager.zeros(new Shape(3))).getFloat())
        .isZero();
  }
}
