package io.sarmae.trainer.eval.geom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RotatedBoxTest {

  @Test
  void cornersAtZeroAndNinetyDegrees() {
    // theta = 0: (±2, ±1) around (10, 20) in mmrotate's order.
    assertThat(new RotatedBox(10, 20, 4, 2, 0).toPolygon())
        .containsExactly(new double[] {8, 19, 12, 19, 12, 21, 8, 21}, within(1e-12));
    // theta = π/2 (clockwise on screen, y down): the w side points along +y.
    assertThat(new RotatedBox(10, 20, 4, 2, Math.PI / 2).toPolygon())
        .containsExactly(new double[] {11, 18, 11, 22, 9, 22, 9, 18}, within(1e-12));
  }

  @Test
  void le90PutsTheLongSideFirstAndTheAngleInRange() {
    // h > w: swap and turn by π/2; 0 + π/2 wraps to −π/2.
    RotatedBox tall = new RotatedBox(0, 0, 2, 4, 0).le90();
    assertThat(tall.w()).isEqualTo(4);
    assertThat(tall.h()).isEqualTo(2);
    assertThat(tall.theta()).isCloseTo(-Math.PI / 2, within(1e-15));
    // Angles differing by π describe the same box.
    RotatedBox a = new RotatedBox(0, 0, 4, 2, 0.3 + Math.PI).le90();
    assertThat(a.theta()).isCloseTo(0.3, within(1e-12));
    RotatedBox b = new RotatedBox(0, 0, 4, 2, -Math.PI / 2 - 0.1).le90();
    assertThat(b.theta()).isCloseTo(Math.PI / 2 - 0.1, within(1e-12));
    // π/2 itself is outside [−π/2, π/2).
    assertThat(new RotatedBox(0, 0, 4, 2, Math.PI / 2).le90().theta())
        .isCloseTo(-Math.PI / 2, within(1e-15));
    // Squares: the angle is only defined modulo π/2 and lands in [−π/4, π/4).
    assertThat(new RotatedBox(0, 0, 3, 3, 1.2).le90().theta())
        .isCloseTo(1.2 - Math.PI / 2, within(1e-12));
  }

  @Test
  void polygonRoundTripGivesTheLe90Box() {
    Random rnd = new Random(1);
    for (int i = 0; i < 300; i++) {
      RotatedBox box =
          new RotatedBox(
              rnd.nextDouble() * 800,
              rnd.nextDouble() * 800,
              2 + rnd.nextDouble() * 60,
              2 + rnd.nextDouble() * 60,
              (rnd.nextDouble() - 0.5) * 10);
      RotatedBox le90 = box.le90();
      assertThat(le90.w()).isGreaterThanOrEqualTo(le90.h());
      assertThat(le90.theta()).isGreaterThanOrEqualTo(-Math.PI / 2).isLessThan(Math.PI / 2);
      assertThat(le90.toPolygon()).hasSize(8);
      assertThat(Polygons.convexIou(le90.toPolygon(), box.toPolygon()))
          .isCloseTo(1.0, within(1e-9));
      RotatedBox back = RotatedBox.fromPolygon(box.toPolygon());
      assertThat(back.w()).isCloseTo(le90.w(), within(1e-7));
      assertThat(back.h()).isCloseTo(le90.h(), within(1e-7));
      assertThat(back.cx()).isCloseTo(le90.cx(), within(1e-7));
      assertThat(PolygonsTest.angleDistanceModPi(back.theta(), le90.theta())).isLessThan(1e-7);
    }
  }

  @Test
  void iouAtZeroFortyFiveAndNinetyDegrees() {
    RotatedBox flat = new RotatedBox(0, 0, 4, 2, 0);
    // Same box: 1.
    assertThat(RotatedBox.iou(flat, flat)).isCloseTo(1.0, within(1e-12));
    // Same box at 90°: the common part is the central 2x2 square: 4 / (8 + 8 - 4) = 1/3.
    RotatedBox upright = new RotatedBox(0, 0, 4, 2, Math.PI / 2);
    assertThat(RotatedBox.iou(flat, upright)).isCloseTo(1.0 / 3.0, within(1e-12));
    // A 2x2 square and the same square at 45°: the square minus four corner triangles with legs
    // 2 - √2, area 4 - 2(2 - √2)² = 8√2 - 8; union 8 - (8√2 - 8) = 16 - 8√2; IoU = 1/√2.
    RotatedBox square = new RotatedBox(5, 5, 2, 2, 0);
    RotatedBox diamond = new RotatedBox(5, 5, 2, 2, Math.PI / 4);
    assertThat(RotatedBox.iou(square, diamond)).isCloseTo(1 / Math.sqrt(2), within(1e-12));
    assertThat(RotatedBox.iou(diamond, square)).isCloseTo(1 / Math.sqrt(2), within(1e-12));
    // 45° vs −45° of the 4x2 box: equal to the AWT reference.
    RotatedBox p45 = new RotatedBox(0, 0, 4, 2, Math.PI / 4);
    RotatedBox m45 = new RotatedBox(0, 0, 4, 2, -Math.PI / 4);
    double inter = AwtArea.intersection(p45.toPolygon(), m45.toPolygon());
    assertThat(RotatedBox.iou(p45, m45)).isCloseTo(inter / (16 - inter), within(1e-9));
    // The same box with θ and θ + π: identical.
    assertThat(RotatedBox.iou(p45, new RotatedBox(0, 0, 4, 2, Math.PI / 4 + Math.PI)))
        .isCloseTo(1.0, within(1e-12));
    // Far apart: 0.
    assertThat(RotatedBox.iou(flat, new RotatedBox(100, 0, 4, 2, 0.5))).isZero();
  }

  @Test
  void rotatedIouMatchesAwtAreaOnRandomBoxes() {
    Random rnd = new Random(21);
    for (int i = 0; i < 1000; i++) {
      RotatedBox a = randomBox(rnd);
      RotatedBox b = randomBox(rnd);
      double inter = AwtArea.intersection(a.toPolygon(), b.toPolygon());
      double ref = inter / (a.area() + b.area() - inter);
      assertThat(RotatedBox.iou(a, b)).as("pair %d", i).isCloseTo(ref, within(1e-9));
    }
  }

  @Test
  void rejectsNegativeSizes() {
    assertThatThrownBy(() -> new RotatedBox(0, 0, -1, 2, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("w=-1");
  }

  static RotatedBox randomBox(Random rnd) {
    return new RotatedBox(
        rnd.nextDouble() * 30,
        rnd.nextDouble() * 30,
        1 + rnd.nextDouble() * 20,
        1 + rnd.nextDouble() * 20,
        (rnd.nextDouble() - 0.5) * 2 * Math.PI);
  }
}
