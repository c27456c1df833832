package io.sarmae.trainer.data.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every augmentation moves the boxes with the pixels, on hand-built images and boxes. */
class DetAugmentTest {

  /** A 1-channel {@code w x h} image whose pixel value is its index, with the given boxes. */
  static DetImage image(int w, int h, GtBox... boxes) {
    float[] d = new float[w * h];
    for (int i = 0; i < d.length; i++) {
      d[i] = i;
    }
    return new DetImage("t", 1, d, 1, h, w, List.of(boxes), DetImage.boxAreas(List.of(boxes)));
  }

  static float px(DetImage im, int x, int y) {
    return im.data()[y * im.width() + x];
  }

  @Test
  void hflipMirrorsPixelsAndBoxes() {
    RotatedBox o = new RotatedBox(6, 3, 4, 2, 0.3);
    DetImage im = image(10, 6, GtBox.horizontal(0, 1, 2, 4, 5), GtBox.oriented(1, o));
    DetImage f = DetAugment.hflip(im);
    assertThat(px(f, 0, 1)).isEqualTo(px(im, 9, 1));
    assertThat(f.boxes().get(0).xyxy()).containsExactly(6, 2, 9, 5);
    RotatedBox fo = f.boxes().get(1).obb();
    assertThat(fo.cx()).isCloseTo(4, within(1e-12));
    assertThat(fo.theta()).isCloseTo(-0.3, within(1e-12));
    // the mirrored rectangle's corners are the mirrored corners
    assertThat(RotatedBox.iou(fo, mirrored(o, 10))).isCloseTo(1, within(1e-9));
  }

  static RotatedBox mirrored(RotatedBox o, int w) {
    double[] p = o.toPolygon();
    for (int i = 0; i < 8; i += 2) {
      p[i] = w - p[i];
    }
    return RotatedBox.fromPolygon(p);
  }

  @Test
  void vflipMirrorsTopBottom() {
    DetImage im = image(4, 8, GtBox.horizontal(0, 0, 1, 2, 3));
    DetImage f = DetAugment.vflip(im);
    assertThat(px(f, 2, 0)).isEqualTo(px(im, 2, 7));
    assertThat(f.boxes().get(0).xyxy()).containsExactly(0, 5, 2, 7);
  }

  @Test
  void rot90TurnsClockwiseAndFourTurnsAreTheIdentity() {
    RotatedBox o = new RotatedBox(3, 2, 4, 1, 0.2);
    DetImage im = image(8, 5, GtBox.horizontal(0, 1, 0, 3, 2), GtBox.oriented(0, o));
    DetImage r = DetAugment.rot90(im);
    assertThat(r.width()).isEqualTo(5);
    assertThat(r.height()).isEqualTo(8);
    // (x, y) -> (H - 1 - y, x) for pixels: top-left goes to top-right
    assertThat(px(r, 4, 0)).isEqualTo(px(im, 0, 0));
    assertThat(px(r, 0, 7)).isEqualTo(px(im, 7, 4));
    // box [1, 0, 3, 2] -> [H - 2, 1, H - 0, 3] with H = 5
    assertThat(r.boxes().get(0).xyxy()).containsExactly(3, 1, 5, 3);
    RotatedBox ro = r.boxes().get(1).obb();
    assertThat(ro.cx()).isCloseTo(3, within(1e-12));
    assertThat(ro.cy()).isCloseTo(3, within(1e-12));
    assertThat(ro.theta()).isCloseTo(0.2 + Math.PI / 2 - Math.PI, within(1e-12)); // le90
    DetImage back = DetAugment.rot90(DetAugment.rot90(DetAugment.rot90(r)));
    assertThat(back.data()).containsExactly(im.data());
    assertThat(back.boxes().get(0).xyxy()).containsExactly(new double[] {1, 0, 3, 2}, within(1e-9));
    assertThat(RotatedBox.iou(back.boxes().get(1).obb(), o)).isCloseTo(1, within(1e-9));
  }

  @Test
  void cropKeepsBoxesWhoseCentreStaysAndClipsThem() {
    DetImage im =
        image(
            20,
            20,
            GtBox.horizontal(0, 2, 2, 8, 8), // centre (5, 5): inside, clipped at the left/top
            GtBox.horizontal(0, 0, 0, 6, 4), // centre (3, 2): outside, dropped
            GtBox.horizontal(0, 12, 12, 19, 19)); // centre (15.5, 15.5): outside
    DetImage c = DetAugment.crop(im, 4, 3, 10, 10);
    assertThat(c.width()).isEqualTo(10);
    assertThat(px(c, 0, 0)).isEqualTo(px(im, 4, 3));
    assertThat(c.boxes()).hasSize(1);
    assertThat(c.boxes().get(0).xyxy()).containsExactly(0, 0, 4, 5);
  }

  @Test
  void letterboxKeepsTheAspectRatioAndPads() {
    DetImage im = image(40, 20, GtBox.horizontal(0, 10, 4, 30, 12));
    DetAugment.Letterboxed l = DetAugment.letterbox(im, 16);
    assertThat(l.scale()).isEqualTo(0.4);
    assertThat(l.image().width()).isEqualTo(16);
    assertThat(l.image().height()).isEqualTo(16);
    assertThat(l.image().boxes().get(0).xyxy())
        .containsExactly(new double[] {4, 1.6, 12, 4.8}, within(1e-9));
    // the padding (rows 8..15) is zero
    assertThat(px(l.image(), 3, 12)).isZero();
  }

  @Test
  void randomPipelineKeepsEveryBoxInsideTheOutput() {
    DetAugment aug = new DetAugment(32, 0.5, 0.5, 0.5, 0.8, 0.5);
    DetImage im =
        image(
            48,
            40,
            GtBox.oriented(0, new RotatedBox(20, 20, 16, 4, 0.7)),
            GtBox.oriented(0, new RotatedBox(35, 10, 8, 3, -1.1)));
    SplittableRandom rng = new SplittableRandom(1);
    int kept = 0;
    for (int i = 0; i < 50; i++) {
      DetImage out = aug.apply(im, rng);
      assertThat(out.width()).isEqualTo(32);
      assertThat(out.height()).isEqualTo(32);
      for (GtBox b : out.boxes()) {
        assertThat(b.x1()).isGreaterThanOrEqualTo(0);
        assertThat(b.x2()).isLessThanOrEqualTo(32);
        assertThat(b.obb().w()).isGreaterThanOrEqualTo(b.obb().h());
        kept++;
      }
    }
    assertThat(kept).isPositive();
  }
}
