package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Values of §9 item 5 of the reference. */
class PosEmbedTest {

  private static final int E = 768;
  private static final float[] PE = PosEmbed.sinCos2d(E, 14, true);

  private static float pe(int row, int col) {
    return PE[row * E + col];
  }

  @Test
  void shapeAndClsRow() {
    assertThat(PE).hasSize(197 * 768);
    for (int j = 0; j < E; j++) {
      assertThat(pe(0, j)).isZero();
    }
    assertThat(PosEmbed.sinCos2d(E, 14, false)).hasSize(196 * 768);
  }

  @Test
  void firstPatchIsSinZeroCosOne() {
    for (int j = 0; j < E; j++) {
      float expected = (j / 192) % 2 == 0 ? 0f : 1f;
      assertThat(pe(1, j)).as("pe[1][%d]", j).isEqualTo(expected);
    }
  }

  @Test
  void columnCoordinateFillsTheFirstHalf() {
    // row 2 = grid (row 0, col 1)
    assertThat(pe(2, 0)).isCloseTo(0.841471f, within(1e-6f));
    assertThat(pe(2, 1)).isCloseTo(0.815251f, within(1e-6f));
    assertThat(pe(2, 191)).isCloseTo(1.04914e-4f, within(1e-8f));
    assertThat(pe(2, 192)).isCloseTo(0.540302f, within(1e-6f));
    assertThat(pe(2, 384)).isZero();
    assertThat(pe(2, 576)).isEqualTo(1f);
    // row 15 = grid (row 1, col 0)
    assertThat(pe(15, 0)).isZero();
    assertThat(pe(15, 192)).isEqualTo(1f);
    assertThat(pe(15, 384)).isCloseTo(0.841471f, within(1e-6f));
    assertThat(pe(15, 576)).isCloseTo(0.540302f, within(1e-6f));
    // row 196 = grid (13, 13)
    assertThat(pe(196, 0)).isCloseTo(0.420167f, within(1e-6f));
    assertThat(pe(196, 384)).isCloseTo(0.420167f, within(1e-6f));
    assertThat(pe(196, 192)).isCloseTo(0.907447f, within(1e-6f));
    assertThat(pe(196, 576)).isCloseTo(0.907447f, within(1e-6f));
    assertThat(pe(196, 1)).isCloseTo(-0.174370f, within(1e-6f));
  }

  @Test
  void normsAndSums() {
    double sum = 0;
    double sumSq = 0;
    for (int row = 1; row < 197; row++) {
      double rowSq = 0;
      for (int j = 0; j < E; j++) {
        double v = pe(row, j);
        sum += v;
        rowSq += v * v;
      }
      assertThat(Math.sqrt(rowSq)).isCloseTo(19.59592, within(1e-4));
      sumSq += rowSq;
    }
    assertThat(sum).isCloseTo(69594.494, within(1e-2));
    assertThat(sumSq).isCloseTo(75264.0, within(1e-3));
  }

  @Test
  void decoderTable() {
    float[] pd = PosEmbed.sinCos2d(512, 14, true);
    assertThat(pd[2 * 512]).isCloseTo(0.841471f, within(1e-6f));
    assertThat(pd[2 * 512 + 128]).isCloseTo(0.540302f, within(1e-6f));
    assertThat(pd[15 * 512 + 256]).isCloseTo(0.841471f, within(1e-6f));
    double rowSq = 0;
    for (int j = 0; j < 512; j++) {
      rowSq += pd[100 * 512 + j] * pd[100 * 512 + j];
    }
    assertThat(Math.sqrt(rowSq)).isCloseTo(16.0, within(1e-4));
  }
}
