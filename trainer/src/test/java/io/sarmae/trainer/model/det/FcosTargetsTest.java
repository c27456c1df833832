package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FCOS assignment on hand-built points and boxes. */
class FcosTargetsTest {

  /** Positive points of level {@code lv} as "x,y" grid cells. */
  static List<String> positives(FcosTargets.Assignment a, int[] strides, int size, int lv) {
    int offset = 0;
    for (int i = 0; i < lv; i++) {
      int g = FcosTargets.ceilDiv(size, strides[i]);
      offset += g * g;
    }
    int g = FcosTargets.ceilDiv(size, strides[lv]);
    List<String> out = new ArrayList<>();
    for (int p = 0; p < g * g; p++) {
      if (a.labels()[offset + p] >= 0) {
        out.add((p % g) + "," + (p / g));
      }
    }
    return out;
  }

  static int index(int[] strides, int size, int lv, int x, int y) {
    int offset = 0;
    for (int i = 0; i < lv; i++) {
      int g = FcosTargets.ceilDiv(size, strides[i]);
      offset += g * g;
    }
    return offset + y * FcosTargets.ceilDiv(size, strides[lv]) + x;
  }

  @Test
  void regressRangesAreMmdetsForItsStrides() {
    double[][] r = FcosTargets.regressRanges(new int[] {8, 16, 32, 64, 128});
    assertThat(r[0]).containsExactly(-1, 64);
    assertThat(r[1]).containsExactly(64, 128);
    assertThat(r[2]).containsExactly(128, 256);
    assertThat(r[3]).containsExactly(256, 512);
    assertThat(r[4]).containsExactly(512, Double.POSITIVE_INFINITY);
    assertThat(FcosTargets.regressRanges(new int[] {16})[0])
        .containsExactly(-1, Double.POSITIVE_INFINITY);
  }

  @Test
  void centreSamplingTakesTheCentrePointsOfTheLevelInRange() {
    int[] strides = {8, 16};
    // box 40x40 centred at (20, 20): max distance <= 28 < 64, so level 0 only; radius 1.5 x 8 = 12
    // leaves the points at 12, 20, 28 in x and y
    List<GtBox> boxes = List.of(GtBox.horizontal(1, 0, 0, 40, 40));
    FcosTargets.Assignment a = FcosTargets.assign(boxes, strides, 64, 64, false, true, 1.5);
    assertThat(positives(a, strides, 64, 0))
        .containsExactly("1,1", "2,1", "3,1", "1,2", "2,2", "3,2", "1,3", "2,3", "3,3");
    assertThat(positives(a, strides, 64, 1)).isEmpty();
    assertThat(a.numPositive()).isEqualTo(9);
    int centre = index(strides, 64, 0, 2, 2); // point (20, 20)
    assertThat(a.labels()[centre]).isEqualTo(1);
    assertThat(
            new float[] {
              a.ltrb()[4 * centre],
              a.ltrb()[4 * centre + 1],
              a.ltrb()[4 * centre + 2],
              a.ltrb()[4 * centre + 3]
            })
        .containsExactly(2.5f, 2.5f, 2.5f, 2.5f);
    assertThat(a.centerness()[centre]).isEqualTo(1f);
    int corner = index(strides, 64, 0, 1, 3); // point (12, 28): l=12 t=28 r=28 b=12
    assertThat(a.ltrb()[4 * corner]).isEqualTo(1.5f);
    assertThat(a.centerness()[corner])
        .isCloseTo((float) Math.sqrt(12.0 / 28 * 12.0 / 28), within(1e-6f));
    // background elsewhere, placeholder targets
    int far = index(strides, 64, 0, 7, 7);
    assertThat(a.labels()[far]).isEqualTo(FcosTargets.BACKGROUND);
    assertThat(a.ltrb()[4 * far]).isEqualTo(1f);

    // without centre sampling every inside point of level 0 is positive (5 x 5 points < 40)
    FcosTargets.Assignment all = FcosTargets.assign(boxes, strides, 64, 64, false, false, 1.5);
    assertThat(positives(all, strides, 64, 0)).hasSize(25);
  }

  @Test
  void aLargeBoxGoesToTheLevelWhoseRangeHoldsItsDistances() {
    int[] strides = {8, 16};
    // 160x160 box: centre points have max distance ~80 > 64 -> level 1 (range [64, inf));
    // radius 1.5 x 16 = 24 strictly: x, y in {72, 88}
    List<GtBox> boxes = List.of(GtBox.horizontal(0, 0, 0, 160, 160));
    FcosTargets.Assignment a = FcosTargets.assign(boxes, strides, 160, 160, false, true, 1.5);
    assertThat(positives(a, strides, 160, 0)).isEmpty();
    assertThat(positives(a, strides, 160, 1)).containsExactly("4,4", "5,4", "4,5", "5,5");
  }

  @Test
  void theSmallestCandidateBoxWins() {
    int[] strides = {8};
    GtBox big = GtBox.horizontal(0, 0, 0, 48, 48);
    GtBox small = GtBox.horizontal(1, 16, 16, 40, 40);
    for (List<GtBox> boxes : List.of(List.of(big, small), List.of(small, big))) {
      FcosTargets.Assignment a = FcosTargets.assign(boxes, strides, 48, 48, false, false, 1.5);
      int smallIndex = boxes.indexOf(small);
      int p = index(strides, 48, 0, 3, 3); // (28, 28): inside both
      assertThat(a.labels()[p]).isEqualTo(1);
      assertThat(a.boxIndex()[p]).isEqualTo(smallIndex);
      assertThat(a.ltrb()[4 * p]).isEqualTo(1.5f); // 28 - 16 = 12 = 1.5 strides
      int q = index(strides, 48, 0, 0, 0); // (4, 4): only in the big box
      assertThat(a.labels()[q]).isEqualTo(0);
    }
    // equal areas: the first box wins
    GtBox twin = GtBox.horizontal(1, 0, 0, 48, 48);
    FcosTargets.Assignment a =
        FcosTargets.assign(List.of(big, twin), strides, 48, 48, false, false, 1.5);
    assertThat(a.boxIndex()[index(strides, 48, 0, 3, 3)]).isEqualTo(0);
  }

  @Test
  void ignoredBoxesAreNeitherPositiveNorNegative() {
    int[] strides = {8};
    GtBox crowd = GtBox.horizontal(0, 0, 0, 32, 32).asIgnored();
    FcosTargets.Assignment a =
        FcosTargets.assign(List.of(crowd), strides, 64, 64, false, true, 1.5);
    assertThat(a.numPositive()).isZero();
    assertThat(a.labels()[index(strides, 64, 0, 2, 2)]).isEqualTo(FcosTargets.IGNORED); // centre
    assertThat(a.labels()[index(strides, 64, 0, 0, 0)]) // inside, outside the centre region
        .isEqualTo(FcosTargets.IGNORED);
    assertThat(a.labels()[index(strides, 64, 0, 5, 5)]).isEqualTo(FcosTargets.BACKGROUND);

    // an ignored small box inside a normal big one: its points are ignored, the rest positive
    GtBox big = GtBox.horizontal(1, 0, 0, 64, 64);
    GtBox smallIgnored = GtBox.horizontal(0, 8, 8, 24, 24).asIgnored();
    FcosTargets.Assignment b =
        FcosTargets.assign(List.of(big, smallIgnored), strides, 64, 64, false, false, 1.5);
    assertThat(b.labels()[index(strides, 64, 0, 1, 1)]).isEqualTo(FcosTargets.IGNORED);
    assertThat(b.labels()[index(strides, 64, 0, 5, 5)]).isEqualTo(1);
  }

  @Test
  void orientedBoxesAssignInTheirRotatedFrame() {
    int[] strides = {4};
    RotatedBox obb = new RotatedBox(32, 32, 40, 8, Math.PI / 4).le90();
    GtBox box = GtBox.oriented(0, obb);
    FcosTargets.Assignment a = FcosTargets.assign(List.of(box), strides, 64, 64, true, false, 1.5);
    // (30, 30) lies on the long axis: positive; (18, 46) is inside the axis-aligned bounds but
    // far off the rotated rectangle: background
    int on = index(strides, 64, 0, 7, 7);
    int off = index(strides, 64, 0, 4, 11);
    assertThat(a.labels()[on]).isEqualTo(0);
    assertThat(a.labels()[off]).isEqualTo(FcosTargets.BACKGROUND);
    double[] want = BoxCoder.encode(30, 30, obb);
    for (int k = 0; k < 4; k++) {
      assertThat(a.ltrb()[4 * on + k]).isCloseTo((float) (want[k] / 4), within(1e-5f));
    }
    assertThat(a.angle()[on]).isCloseTo((float) obb.theta(), within(1e-6f));
    // every positive point decodes back to the box
    for (int p = 0; p < a.labels().length; p++) {
      if (a.labels()[p] >= 0) {
        double px = (p % 16 + 0.5) * 4;
        double py = (p / 16 + 0.5) * 4;
        double[] d = new double[4];
        for (int k = 0; k < 4; k++) {
          d[k] = a.ltrb()[4 * p + k] * 4.0;
        }
        assertThat(RotatedBox.iou(BoxCoder.decode(px, py, d, a.angle()[p]), obb))
            .isGreaterThan(0.9999);
      }
    }
    // the horizontal detector sees the same object as its bounds, so (18, 46) is positive there
    FcosTargets.Assignment h = FcosTargets.assign(List.of(box), strides, 64, 64, false, false, 1.5);
    assertThat(h.labels()[off]).isEqualTo(0);
  }
}
