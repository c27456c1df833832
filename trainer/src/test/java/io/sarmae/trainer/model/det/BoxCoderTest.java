package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The FCOS distance coder: hand-computed cases and encode/decode round trips. */
class BoxCoderTest {

  @Test
  void horizontalRoundTrip() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 200; i++) {
      double x1 = r.nextDouble(-50, 200);
      double y1 = r.nextDouble(-50, 200);
      double[] box = {x1, y1, x1 + r.nextDouble(0.5, 100), y1 + r.nextDouble(0.5, 100)};
      double px = r.nextDouble(-50, 300);
      double py = r.nextDouble(-50, 300);
      double[] d = BoxCoder.encode(px, py, box);
      assertThat(BoxCoder.decode(px, py, d)).containsExactly(box, within(1e-9));
    }
    assertThat(BoxCoder.encode(5, 6, new double[] {1, 2, 11, 8})).containsExactly(4, 4, 6, 2);
  }

  @Test
  void rotatedHandCases() {
    // axis-aligned: l, t, r, b are the plain distances
    assertThat(BoxCoder.encode(1, 1, new RotatedBox(0, 0, 8, 4, 0)))
        .containsExactly(new double[] {5, 3, 3, 1}, within(1e-12));
    // theta = pi/2: the w side points down (+y); l/r are measured along y, t/b along -x
    assertThat(BoxCoder.encode(1, 1, new RotatedBox(0, 0, 8, 4, Math.PI / 2)))
        .containsExactly(new double[] {5, 1, 3, 3}, within(1e-12));
    // theta = pi/4, a point on the w axis 2 units from the centre
    double s = Math.sqrt(2);
    assertThat(BoxCoder.encode(10 + s, 10 + s, new RotatedBox(10, 10, 10, 2, Math.PI / 4)))
        .containsExactly(new double[] {7, 1, 3, 1}, within(1e-12));
  }

  @Test
  void rotatedRoundTripGivesTheSameLe90Box() {
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < 300; i++) {
      RotatedBox box =
          new RotatedBox(
                  r.nextDouble(0, 200),
                  r.nextDouble(0, 200),
                  r.nextDouble(1, 80),
                  r.nextDouble(1, 80),
                  r.nextDouble(-4, 4))
              .le90();
      // any point, inside the box or not (negative distances decode as well)
      double px = box.cx() + r.nextDouble(-30, 30);
      double py = box.cy() + r.nextDouble(-30, 30);
      double[] d = BoxCoder.encode(px, py, box);
      RotatedBox back = BoxCoder.decode(px, py, d, box.theta());
      assertThat(back.cx()).isCloseTo(box.cx(), within(1e-9));
      assertThat(back.cy()).isCloseTo(box.cy(), within(1e-9));
      assertThat(back.w()).isCloseTo(box.w(), within(1e-9));
      assertThat(back.h()).isCloseTo(box.h(), within(1e-9));
      assertThat(BoxCoder.wrapAngle(back.theta() - box.theta())).isCloseTo(0, within(1e-9));
      // a predicted angle off by pi is the same rectangle
      RotatedBox flipped = BoxCoder.decode(px, py, swap(d), box.theta() + Math.PI);
      assertThat(RotatedBox.iou(flipped, box)).isCloseTo(1.0, within(1e-9));
    }
  }

  /** Distances of the same box seen with theta + pi: l <-> r, t <-> b. */
  private static double[] swap(double[] d) {
    return new double[] {d[2], d[3], d[0], d[1]};
  }

  @Test
  void wrapAngleIsLe90Periodic() {
    assertThat(BoxCoder.wrapAngle(0)).isEqualTo(0);
    assertThat(BoxCoder.wrapAngle(Math.PI)).isCloseTo(0, within(1e-12));
    assertThat(BoxCoder.wrapAngle(Math.PI / 2)).isCloseTo(-Math.PI / 2, within(1e-12));
    assertThat(BoxCoder.wrapAngle(-Math.PI / 2)).isCloseTo(-Math.PI / 2, within(1e-12));
    assertThat(BoxCoder.wrapAngle(2.0)).isCloseTo(2.0 - Math.PI, within(1e-12));
    assertThat(BoxCoder.wrapAngle(-3.0)).isCloseTo(-3.0 + Math.PI, within(1e-12));
  }
}
