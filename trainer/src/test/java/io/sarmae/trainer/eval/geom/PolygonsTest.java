package io.sarmae.trainer.eval.geom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PolygonsTest {

  private static double[] rect(double x1, double y1, double x2, double y2) {
    return new double[] {x1, y1, x2, y1, x2, y2, x1, y2};
  }

  private static double[] reversed(double[] xy) {
    int n = xy.length / 2;
    double[] out = new double[xy.length];
    for (int i = 0; i < n; i++) {
      out[2 * i] = xy[2 * (n - 1 - i)];
      out[2 * i + 1] = xy[2 * (n - 1 - i) + 1];
    }
    return out;
  }

  @Test
  void areaIsIndependentOfVertexOrder() {
    double[] r = rect(1, 2, 4, 6); // 3 x 4
    assertThat(Polygons.area(r)).isEqualTo(12.0);
    assertThat(Polygons.area(reversed(r))).isEqualTo(12.0);
    assertThat(Polygons.signedArea(r)).isEqualTo(-Polygons.signedArea(reversed(r)));
  }

  @Test
  void overlappingSquares() {
    // Unit squares offset by (0.5, 0.5): intersection 0.5 x 0.5 = 0.25, union 2 - 0.25 = 1.75.
    double[] a = rect(0, 0, 1, 1);
    double[] b = rect(0.5, 0.5, 1.5, 1.5);
    assertThat(Polygons.convexIntersectionArea(a, b)).isCloseTo(0.25, within(1e-15));
    assertThat(Polygons.intersectionArea(a, reversed(b))).isCloseTo(0.25, within(1e-15));
    assertThat(Polygons.convexIou(a, b)).isCloseTo(1.0 / 7.0, within(1e-15));
    assertThat(Polygons.iou(b, a)).isCloseTo(1.0 / 7.0, within(1e-15));
  }

  @Test
  void touchingPolygonsHaveNoIntersection() {
    double[] a = rect(0, 0, 2, 2);
    double[] sharedEdge = rect(2, 0, 4, 2);
    double[] sharedCorner = rect(2, 2, 3, 3);
    // A tilted square whose only point with x <= 2 is its corner (2, 2), a's corner.
    double[] diamondTouchingCorner = {2, 2, 3, 1.5, 3.5, 2.5, 2.5, 3};
    assertThat(Polygons.convexIntersectionArea(a, sharedEdge)).isZero();
    assertThat(Polygons.intersectionArea(a, sharedEdge)).isZero();
    assertThat(Polygons.convexIntersectionArea(a, sharedCorner)).isZero();
    assertThat(Polygons.intersectionArea(sharedCorner, a)).isZero();
    assertThat(Polygons.convexIntersectionArea(a, diamondTouchingCorner)).isZero();
    assertThat(Polygons.iou(a, sharedEdge)).isZero();
  }

  @Test
  void nestedPolygonsIntersectInTheInnerOne() {
    double[] outer = rect(0, 0, 10, 10);
    double[] inner = {5, 2, 8, 5, 5, 8, 2, 5}; // diamond, half-diagonals 3: area 2 * 3 * 3 = 18
    assertThat(Polygons.convexIntersectionArea(outer, inner)).isCloseTo(18.0, within(1e-12));
    assertThat(Polygons.convexIntersectionArea(inner, outer)).isCloseTo(18.0, within(1e-12));
    assertThat(Polygons.intersectionArea(inner, reversed(outer))).isCloseTo(18.0, within(1e-12));
    assertThat(Polygons.iou(outer, inner)).isCloseTo(18.0 / 100.0, within(1e-15));
    // Nested with a shared edge (collinear boundary): the inner rectangle.
    double[] innerOnEdge = rect(0, 0, 4, 10);
    assertThat(Polygons.convexIntersectionArea(outer, innerOnEdge)).isCloseTo(40.0, within(1e-12));
    assertThat(Polygons.convexIntersectionArea(outer, outer)).isCloseTo(100.0, within(1e-12));
  }

  @Test
  void crossingBarsIntersectInTheirCommonSquare() {
    // A 6x2 horizontal bar and a 2x6 vertical bar crossing at the centre: intersection 2x2 = 4,
    // union 12 + 12 - 4 = 20.
    double[] h = rect(-3, -1, 3, 1);
    double[] v = rect(-1, -3, 1, 3);
    assertThat(Polygons.convexIntersectionArea(h, v)).isCloseTo(4.0, within(1e-12));
    assertThat(Polygons.intersectionArea(v, h)).isCloseTo(4.0, within(1e-12));
    assertThat(Polygons.iou(h, v)).isCloseTo(0.2, within(1e-15));
  }

  @Test
  void collinearOverlappingEdges() {
    // Same y-range, x overlap of 1: intersection 1 x 2.
    double[] a = rect(0, 0, 3, 2);
    double[] b = rect(2, 0, 5, 2);
    assertThat(Polygons.convexIntersectionArea(a, b)).isCloseTo(2.0, within(1e-12));
    assertThat(Polygons.intersectionArea(a, b)).isCloseTo(2.0, within(1e-12));
  }

  @Test
  void nonConvexIntersectionAsTheDevkitDefinesIt() {
    // L shape = [0,4]x[0,4] minus [2,4]x[2,4] (area 12); square [1,3]x[1,3] (area 4) overlaps it in
    // the square minus its quarter [2,3]x[2,3]: 4 - 1 = 3.
    double[] ell = {0, 0, 4, 0, 4, 2, 2, 2, 2, 4, 0, 4};
    double[] sq = rect(1, 1, 3, 3);
    assertThat(Polygons.area(ell)).isEqualTo(12.0);
    assertThat(Polygons.intersectionArea(ell, sq)).isCloseTo(3.0, within(1e-12));
    assertThat(Polygons.intersectionArea(sq, reversed(ell))).isCloseTo(3.0, within(1e-12));
    assertThat(Polygons.iou(ell, sq)).isCloseTo(3.0 / 13.0, within(1e-15));
  }

  @Test
  void convexIntersectionMatchesAwtAreaOnRandomPairs() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 500; trial++) {
      double[] p = randomConvex(rnd);
      double[] q = randomConvex(rnd);
      double ref = AwtArea.intersection(p, q);
      double tol = 1e-9 * Math.max(1.0, Math.max(Polygons.area(p), Polygons.area(q)));
      assertThat(Polygons.convexIntersectionArea(p, q))
          .as("trial %d", trial)
          .isCloseTo(ref, within(tol));
      assertThat(Polygons.intersectionArea(p, q)).as("trial %d", trial).isCloseTo(ref, within(tol));
    }
  }

  @Test
  void generalIntersectionMatchesAwtAreaOnRandomStarPolygons() {
    Random rnd = new Random(11);
    for (int trial = 0; trial < 300; trial++) {
      double[] p = randomStar(rnd);
      double[] q = randomStar(rnd);
      double ref = AwtArea.intersection(p, q);
      double tol = 1e-9 * Math.max(1.0, Math.max(Polygons.area(p), Polygons.area(q)));
      assertThat(Polygons.intersectionArea(p, q)).as("trial %d", trial).isCloseTo(ref, within(tol));
    }
  }

  @Test
  void largeImageCoordinatesKeepPrecision() {
    // Two 10x10 squares far from the origin, offset by 5: intersection 50.
    double[] a = rect(20000, 30000, 20010, 30010);
    double[] b = rect(20005, 30000, 20015, 30010);
    assertThat(Polygons.intersectionArea(a, b)).isCloseTo(50.0, within(1e-9));
    assertThat(Polygons.convexIntersectionArea(a, b)).isCloseTo(50.0, within(1e-9));
  }

  @Test
  void convexHullDropsInteriorAndCollinearPoints() {
    double[] pts = {0, 0, 2, 0, 4, 0, 4, 4, 0, 4, 1, 1, 2, 2, 0, 2, 4, 4};
    double[] hull = Polygons.convexHull(pts);
    assertThat(hull).hasSize(8);
    assertThat(Polygons.area(hull)).isEqualTo(16.0);
  }

  @Test
  void minAreaRectOfARotatedRectangleIsThatRectangle() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      RotatedBox box =
          new RotatedBox(
                  rnd.nextDouble() * 1000,
                  rnd.nextDouble() * 1000,
                  1 + rnd.nextDouble() * 100,
                  1 + rnd.nextDouble() * 100,
                  (rnd.nextDouble() - 0.5) * 4 * Math.PI)
              .le90();
      RotatedBox back = Polygons.minAreaRect(box.toPolygon());
      assertThat(back.cx()).isCloseTo(box.cx(), within(1e-7));
      assertThat(back.cy()).isCloseTo(box.cy(), within(1e-7));
      assertThat(back.w()).isCloseTo(box.w(), within(1e-7));
      assertThat(back.h()).isCloseTo(box.h(), within(1e-7));
      assertThat(angleDistanceModPi(back.theta(), box.theta())).isLessThan(1e-7);
    }
  }

  @Test
  void minAreaRectEnclosesThePointsWithTheSmallestArea() {
    Random rnd = new Random(5);
    for (int trial = 0; trial < 50; trial++) {
      double[] pts = new double[20];
      for (int i = 0; i < pts.length; i++) {
        pts[i] = rnd.nextGaussian() * (i % 2 == 0 ? 30 : 10);
      }
      RotatedBox r = Polygons.minAreaRect(pts);
      // Encloses: every point inside the rectangle (small tolerance).
      double c = Math.cos(r.theta());
      double s = Math.sin(r.theta());
      for (int i = 0; i < pts.length; i += 2) {
        double dx = pts[i] - r.cx();
        double dy = pts[i + 1] - r.cy();
        assertThat(Math.abs(dx * c + dy * s)).isLessThanOrEqualTo(r.w() / 2 + 1e-9);
        assertThat(Math.abs(-dx * s + dy * c)).isLessThanOrEqualTo(r.h() / 2 + 1e-9);
      }
      // Smallest: no rectangle at any of 36000 sampled angles is smaller.
      double best = Double.POSITIVE_INFINITY;
      for (int k = 0; k < 36000; k++) {
        double a = k * Math.PI / 36000;
        double ca = Math.cos(a);
        double sa = Math.sin(a);
        double minU = 1e18, maxU = -1e18, minV = 1e18, maxV = -1e18;
        for (int i = 0; i < pts.length; i += 2) {
          double u = pts[i] * ca + pts[i + 1] * sa;
          double v = -pts[i] * sa + pts[i + 1] * ca;
          minU = Math.min(minU, u);
          maxU = Math.max(maxU, u);
          minV = Math.min(minV, v);
          maxV = Math.max(maxV, v);
        }
        best = Math.min(best, (maxU - minU) * (maxV - minV));
      }
      assertThat(r.area()).isLessThanOrEqualTo(best + 1e-9);
    }
  }

  @Test
  void rejectsMalformedPolygons() {
    assertThatThrownBy(() -> Polygons.area(new double[] {0, 0, 1, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 3");
    assertThatThrownBy(() -> Polygons.area(new double[] {0, 0, 1, 1, Double.NaN, 0}))
        .hasMessageContaining("non-finite");
  }

  static double angleDistanceModPi(double a, double b) {
    double d = Math.abs(a - b) % Math.PI;
    return Math.min(d, Math.PI - d);
  }

  static double[] randomConvex(Random rnd) {
    int n = 3 + rnd.nextInt(8);
    double cx = rnd.nextDouble() * 20;
    double cy = rnd.nextDouble() * 20;
    double[] pts = new double[2 * n];
    for (int i = 0; i < n; i++) {
      pts[2 * i] = cx + rnd.nextGaussian() * 5;
      pts[2 * i + 1] = cy + rnd.nextGaussian() * 5;
    }
    double[] hull = Polygons.convexHull(pts);
    return hull.length >= 6 ? (rnd.nextBoolean() ? hull : reversed(hull)) : randomConvex(rnd);
  }

  /** A simple (star-shaped, usually non-convex) polygon: random radii at increasing angles. */
  static double[] randomStar(Random rnd) {
    int n = 3 + rnd.nextInt(10);
    double cx = rnd.nextDouble() * 20;
    double cy = rnd.nextDouble() * 20;
    double[] angles = new double[n];
    for (int i = 0; i < n; i++) {
      angles[i] = (i + rnd.nextDouble() * 0.9) * 2 * Math.PI / n;
    }
    double[] out = new double[2 * n];
    for (int i = 0; i < n; i++) {
      double r = 1 + rnd.nextDouble() * 9;
      out[2 * i] = cx + r * Math.cos(angles[i]);
      out[2 * i + 1] = cy + r * Math.sin(angles[i]);
    }
    return rnd.nextBoolean() ? out : reversed(out);
  }
}
