package io.sarmae.trainer.eval.seg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SegmentationMetricTest {

  private static final double EPS = 1e-15;

  /**
   * Four classes, class 3 in neither predictions nor labels; one ignored pixel.
   *
   * <pre>
   * image 1: label [0, 0, 1, 1, 255, 2], pred [0, 1, 1, 1, 0, 2]
   *   valid (pred, label): (0,0) (1,0) (1,1) (1,1) (2,2)   (pixel 4 ignored, its pred not counted)
   *   I = [1, 2, 1, 0]  P = [1, 3, 1, 0]  L = [2, 2, 1, 0]
   * image 2: label [2, 2, 2, 0], pred [2, 0, 0, 0]
   *   (2,2) (0,2) (0,2) (0,0)
   *   I = [1, 0, 1, 0]  P = [3, 0, 1, 0]  L = [1, 0, 3, 0]
   * totals: I = [2, 2, 2, 0]  P = [4, 3, 2, 0]  L = [3, 2, 4, 0]  U = P + L - I = [5, 3, 4, 0]
   * IoU = [2/5, 2/3, 1/2, NaN]  mIoU = (2/5 + 2/3 + 1/2) / 3 = 47/90 (class 3 excluded)
   * Acc = [2/3, 1, 1/2, NaN]    mAcc = (2/3 + 1 + 1/2) / 3 = 13/18
   * aAcc = 6 / 9 = 2/3
   * </pre>
   *
   * Per-image averaging would give class 2 an IoU of (1/1 + 1/3) / 2 = 2/3, not 1/2.
   */
  @Test
  void accumulatesOverTheWholeSetWithTheAbsentClassRuleAndIgnoreIndex() {
    SegmentationMetric metric = new SegmentationMetric(4);
    metric.update(new int[] {0, 1, 1, 1, 0, 2}, new int[] {0, 0, 1, 1, 255, 2});
    metric.update(new int[] {2, 0, 0, 0}, new int[] {2, 2, 2, 0});
    SegmentationResult r = metric.result();
    assertThat(r.intersect()).containsExactly(2, 2, 2, 0);
    assertThat(r.predArea()).containsExactly(4, 3, 2, 0);
    assertThat(r.labelArea()).containsExactly(3, 2, 4, 0);
    assertThat(r.union()).containsExactly(5, 3, 4, 0);
    assertThat(r.iou(0)).isCloseTo(2.0 / 5, within(EPS));
    assertThat(r.iou(1)).isCloseTo(2.0 / 3, within(EPS));
    assertThat(r.iou(2)).isCloseTo(1.0 / 2, within(EPS));
    assertThat(r.iou(3)).isNaN();
    assertThat(r.mIoU()).isCloseTo(47.0 / 90, within(EPS));
    assertThat(r.accuracy())
        .containsExactly(new double[] {2.0 / 3, 1, 0.5, Double.NaN}, within(EPS));
    assertThat(r.mAcc()).isCloseTo(13.0 / 18, within(EPS));
    assertThat(r.aAcc()).isCloseTo(2.0 / 3, within(EPS));
    assertThat(r.images()).isEqualTo(2);
    // Dice = 2I / (P + L): class 0: 4 / 7.
    assertThat(r.dice(0)).isCloseTo(4.0 / 7, within(EPS));
  }

  /**
   * A class predicted but never labelled has IoU 0 (it counts in mIoU) and accuracy NaN.
   *
   * <pre>
   * label [0, 0], pred [3, 0]: I = [1, 0, 0, 0], P = [1, 0, 0, 1], L = [2, 0, 0, 0]
   * IoU = [1/2, NaN, NaN, 0/1 = 0] → mIoU = 1/4;  Acc = [1/2, NaN, NaN, NaN] → mAcc = 1/2
   * </pre>
   */
  @Test
  void predictedButUnlabelledClassCountsAsZeroIou() {
    SegmentationMetric metric = new SegmentationMetric(4, 255);
    metric.update(new int[] {3, 0}, new int[] {0, 0});
    SegmentationResult r = metric.result();
    assertThat(r.iou(3)).isZero();
    assertThat(r.accuracy()[3]).isNaN();
    assertThat(r.mIoU()).isCloseTo(0.25, within(EPS));
    assertThat(r.mAcc()).isCloseTo(0.5, within(EPS));
  }

  @Test
  void unsignedByteMasksAndMerging() {
    // 255 as an unsigned byte is the ignore index.
    SegmentationMetric bytes = new SegmentationMetric(3);
    bytes.update(new byte[] {0, 1, 2, 2}, new byte[] {0, 1, 1, (byte) 255});
    SegmentationMetric ints = new SegmentationMetric(3);
    ints.update(new int[] {0, 1}, new int[] {0, 1});
    SegmentationMetric other = new SegmentationMetric(3);
    other.update(new int[] {2, 2}, new int[] {1, 255});
    ints.merge(other);
    assertThat(bytes.result().intersect()).containsExactly(ints.result().intersect());
    assertThat(bytes.result().union()).containsExactly(ints.result().union());
    assertThat(bytes.result().mIoU()).isEqualTo(ints.result().mIoU());
    // I = [1, 1, 0], U = [1, 2, 1] → IoU [1, 1/2, 0], mIoU 1/2.
    assertThat(bytes.result().mIoU()).isCloseTo(0.5, within(EPS));
    SegmentationMetric shorts = new SegmentationMetric(3);
    shorts.update(new short[] {0, 1, 2, 2}, new short[] {0, 1, 1, 255});
    assertThat(shorts.result().intersect()).containsExactly(1, 1, 0);
  }

  @Test
  void allIgnoredGivesNaNSummaries() {
    SegmentationMetric metric = new SegmentationMetric(2);
    metric.update(new int[] {0, 1}, new int[] {255, 255});
    SegmentationResult r = metric.result();
    assertThat(r.mIoU()).isNaN();
    assertThat(r.mAcc()).isNaN();
    assertThat(r.aAcc()).isNaN();
  }

  @Test
  void badInputIsNamed() {
    SegmentationMetric metric = new SegmentationMetric(3);
    assertThatThrownBy(() -> metric.update(new int[] {0}, new int[] {7}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label value 7 at pixel 0");
    assertThatThrownBy(() -> metric.update(new int[] {5}, new int[] {0}))
        .hasMessageContaining("predicted class 5");
    assertThatThrownBy(() -> metric.update(new int[] {0, 1}, new int[] {0}))
        .hasMessageContaining("same pixel count");
    assertThatThrownBy(() -> new SegmentationMetric(3, 2)).hasMessageContaining("ignoreIndex 2");
  }

  /**
   * Water (class 3 of six) against everything else.
   *
   * <pre>
   * label [3, 3, 0, 1, 255], pred [3, 0, 3, 3, 3] → foreground label [1, 1, 0, 0, ign],
   * pred [1, 0, 1, 1, -]: I = 1, P = 3, L = 2, U = 4 → water IoU 1/4; background I = 0 → IoU 0.
   * </pre>
   */
  @Test
  void binaryModeReportsTheForegroundIou() {
    BinarySegmentationMetric water = new BinarySegmentationMetric(3, 255);
    water.update(new int[] {3, 0, 3, 3, 3}, new int[] {3, 3, 0, 1, 255});
    assertThat(water.foregroundIou()).isCloseTo(0.25, within(EPS));
    assertThat(water.result().iou(0)).isZero();
    // A two-class model (background 0, water 1): identical to the plain metric's class 1.
    BinarySegmentationMetric twoClass = new BinarySegmentationMetric(1, 255);
    SegmentationMetric plain = new SegmentationMetric(2);
    int[] pred = {1, 1, 0, 0, 1};
    int[] label = {1, 0, 0, 1, 255};
    twoClass.update(pred, label);
    plain.update(pred, label);
    assertThat(twoClass.foregroundIou())
        .isEqualTo(plain.result().iou(1))
        .isCloseTo(1.0 / 3, within(EPS));
  }
}
