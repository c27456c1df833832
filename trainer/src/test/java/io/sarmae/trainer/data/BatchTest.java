package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sarmae.trainer.noise.SpeckleNoise;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchTest {
  private static final int C = 3;
  private static final int S = 4;
  private static final int L = 4;

  private static PretrainSample sample(int i, boolean paired) {
    float[] sar = new float[C * S * S];
    Arrays.fill(sar, -0.5f + i * 0.1f);
    float[] target = new float[C * S * S];
    Arrays.fill(target, 0.25f);
    float[] optical = null;
    if (paired) {
      optical = new float[3 * S * S];
      Arrays.fill(optical, 1.5f);
    }
    float[] mask = {0.1f * i, 0.2f, 0.3f, 0.4f};
    return new PretrainSample(
        i, "s" + i, sar, target, optical, mask, SpeckleNoise.Branch.NONE, 0, i == 2);
  }

  private static Batch batch() {
    return Batch.collate(
        3, 7, List.of(sample(0, true), sample(1, false), sample(2, true)), C, S, L);
  }

  @Test
  void collateStacksAndZeroesUnpairedOptical() {
    Batch b = batch();
    assertThat(b.size()).isEqualTo(3);
    assertThat(b.epoch()).isEqualTo(3);
    assertThat(b.step()).isEqualTo(7);
    assertThat(b.sar()).hasSize(3 * C * S * S);
    assertThat(b.optical()).hasSize(3 * 3 * S * S);
    assertThat(b.maskNoise()).hasSize(3 * L);
    assertThat(b.paired()).containsExactly(true, false, true);
    assertThat(b.pairedCount()).isEqualTo(2);
    assertThat(b.ids()).containsExactly("s0", "s1", "s2");
    assertThat(b.replacedSamples()).isEqualTo(1);
    int opt = 3 * S * S;
    assertThat(Arrays.copyOfRange(b.optical(), opt, 2 * opt)).containsOnly(0f);
    assertThat(Arrays.copyOfRange(b.optical(), 0, opt)).containsOnly(1.5f);
    assertThat(b.sar()[C * S * S]).isEqualTo(-0.4f);
    assertThat(b.maskNoise()[2 * L]).isEqualTo(0.2f);
  }

  @Test
  void toNdListHasTheTrainingShapes() {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDList list = batch().toNDList(manager);
      assertThat(list).hasSize(5);
      assertThat(list.get(0).getShape()).isEqualTo(new Shape(3, C, S, S));
      assertThat(list.get(0).getName()).isEqualTo("sar");
      assertThat(list.get(1).getShape()).isEqualTo(new Shape(3, C, S, S));
      assertThat(list.get(2).getShape()).isEqualTo(new Shape(3, 3, S, S));
      assertThat(list.get(3).getDataType()).isEqualTo(DataType.BOOLEAN);
      assertThat(list.get(3).toBooleanArray()).containsExactly(true, false, true);
      assertThat(list.get(4).getShape()).isEqualTo(new Shape(3, L));
      assertThat(list.get(2).get(1).sum().getFloat()).isZero();
    }
  }
}
