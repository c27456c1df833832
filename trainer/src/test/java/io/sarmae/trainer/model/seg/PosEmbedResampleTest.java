package io.sarmae.trainer.model.seg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sarmae.trainer.model.PosEmbed;
import io.sarmae.trainer.model.VitClassifier;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link PosEmbed#resample} against PyTorch 1.13's {@code F.interpolate(mode='bicubic',
 * align_corners=False)} on a random 4x4 table (fixture {@code pos_embed_bicubic.npz}), square and
 * non-square, up and down; and the same values as the classifier's float[] path.
 */
class PosEmbedResampleTest {

  @Test
  void matchesPytorchBicubicOnSquareAndNonSquareGrids() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> io = SegParityTest.npz(m, "pos_embed_bicubic.npz");
      NDArray table = io.get("table"); // (1, 17, 8)
      int[][] sizes = {{7, 7}, {6, 10}, {2, 3}, {4, 4}};
      for (int[] hw : sizes) {
        NDArray got = PosEmbed.resample(m, table, 4, 4, hw[0], hw[1]);
        NDArray want = io.get("resized_" + hw[0] + "x" + hw[1]);
        assertThat(SegParityTest.maxAbsDiff(got, want)).as("%dx%d", hw[0], hw[1]).isLessThan(1e-5f);
      }
      float[] classifierPath = VitClassifier.interpolatePosEmbed(table.toFloatArray(), 8, 7);
      assertThat(
              SegParityTest.maxAbsDiff(
                  m.create(classifierPath, io.get("resized_7x7").getShape()),
                  io.get("resized_7x7")))
          .isLessThan(1e-5f);
    }
  }
}
