package io.sarmae.trainer.eval.geom;

import java.util.Arrays;

/**
 * Exact planar geometry on polygons given as flat coordinate arrays {@code [x0, y0, x1, y1, ...]}.
 *
 * <p>Coordinates are image pixels (x right, y down); every routine here is independent of the
 * vertex order (clockwise or counter-clockwise), and the areas it returns are non-negative.
 *
 * <ul>
 *   <li>{@link #convexIntersectionArea}: Sutherland–Hodgman clipping of one convex polygon by the
 *       other, exact up to floating-point rounding, including touching (area 0), nested (the inner
 *       polygon) and collinear-edge cases.
 *   <li>{@link #intersectionArea}: any two simple polygons (convex or not), by the signed
 *       triangle-fan decomposition that DOTA_devkit's {@code polyiou.cpp} uses: area(P ∩ Q) = Σ_i
 *       Σ_j s_i s_j area(T_i ∩ U_j), with T_i = (o, p_i, p_i+1), U_j = (o, q_j, q_j+1) and s the
 *       orientation sign of each triangle. Each triangle pair is clipped exactly; the fan origin o
 *       is the first vertex of P rather than (0, 0) so large image coordinates lose no precision.
 *   <li>{@link #convexHull} (Andrew's monotone chain) and {@link #minAreaRect} (rotating calipers
 *       over the hull edges: a minimum-area enclosing rectangle has one side collinear with a hull
 *       edge).
 * </ul>
 */
public final class Polygons {

  private Polygons() {}

  /**
   * Signed shoelace area: positive when the vertices run counter-clockwise in a y-up frame (which
   * is clockwise on screen, where y points down).
   */
  public static double signedArea(double[] xy) {
    checkPolygon(xy, "polygon");
    int n = xy.length / 2;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      int j = (i + 1) % n;
      sum += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
    }
    return sum / 2;
  }

  /** Absolute area of a simple polygon. */
  public static double area(double[] xy) {
    return Math.abs(signedArea(xy));
  }

  /** Intersection over union of two simple polygons; 0 when the union has no area. */
  public static double iou(double[] p, double[] q) {
    double inter = intersectionArea(p, q);
    double union = area(p) + area(q) - inter;
    return union > 0 ? inter / union : 0.0;
  }

  /** Intersection over union of two convex polygons (faster path of {@link #iou}). */
  public static double convexIou(double[] p, double[] q) {
    double inter = convexIntersectionArea(p, q);
    double union = area(p) + area(q) - inter;
    return union > 0 ? inter / union : 0.0;
  }

  /**
   * Area of the intersection of two convex polygons (any orientation). Degenerate inputs (fewer
   * than three distinct vertices, zero area) give 0.
   */
  public static double convexIntersectionArea(double[] p, double[] q) {
    double[] subject = counterClockwise(p);
    double[] clip = counterClockwise(q);
    if (subject == null || clip == null) {
      return 0.0;
    }
    double[] out = clipConvex(subject, clip);
    if (out.length < 6) {
      return 0.0;
    }
    return Math.max(0.0, signedArea(out));
  }

  /**
   * Area of the intersection of two simple polygons (not necessarily convex; any orientation), by
   * signed triangle fans (see the class comment). Self-intersecting input is not meaningful.
   */
  public static double intersectionArea(double[] p, double[] q) {
    checkPolygon(p, "p");
    checkPolygon(q, "q");
    double ox = p[0];
    double oy = p[1];
    int n = p.length / 2;
    int m = q.length / 2;
    double total = 0;
    for (int i = 0; i < n; i++) {
      int i1 = (i + 1) % n;
      double[] t = {0, 0, p[2 * i] - ox, p[2 * i + 1] - oy, p[2 * i1] - ox, p[2 * i1 + 1] - oy};
      double st = signedArea(t);
      if (st == 0) {
        continue;
      }
      for (int j = 0; j < m; j++) {
        int j1 = (j + 1) % m;
        double[] u = {0, 0, q[2 * j] - ox, q[2 * j + 1] - oy, q[2 * j1] - ox, q[2 * j1 + 1] - oy};
        double su = signedArea(u);
        if (su == 0) {
          continue;
        }
        double a = convexIntersectionArea(t, u);
        total += Math.signum(st) * Math.signum(su) * a;
      }
    }
    // The fans of both polygons share the orientation sign of their polygon; fix the overall sign.
    double sign = Math.signum(signedArea(p)) * Math.signum(signedArea(q));
    return Math.max(0.0, sign * total);
  }

  /**
   * Convex hull by Andrew's monotone chain, counter-clockwise in a y-up frame, without collinear
   * points or duplicates. Fewer than three distinct points give the distinct points themselves.
   */
  public static double[] convexHull(double[] xy) {
    if (xy.length % 2 != 0 || xy.length == 0) {
      throw new IllegalArgumentException(
          "points must be a non-empty flat array of (x, y) pairs, got length " + xy.length);
    }
    int n = xy.length / 2;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(xy[2 * a], xy[2 * b]);
          return c != 0 ? c : Double.compare(xy[2 * a + 1], xy[2 * b + 1]);
        });
    int[] hull = new int[2 * n + 1];
    int k = 0;
    for (int idx = 0; idx < n; idx++) {
      int i = order[idx];
      while (k >= 2 && cross(xy, hull[k - 2], hull[k - 1], i) <= 0) {
        k--;
      }
      hull[k++] = i;
    }
    for (int idx = n - 2, lower = k + 1; idx >= 0; idx--) {
      int i = order[idx];
      while (k >= lower && cross(xy, hull[k - 2], hull[k - 1], i) <= 0) {
        k--;
      }
      hull[k++] = i;
    }
    int count = Math.max(1, k - 1); // the last point repeats the first
    double[] out = new double[2 * count];
    int written = 0;
    for (int h = 0; h < count; h++) {
      double x = xy[2 * hull[h]];
      double y = xy[2 * hull[h] + 1];
      if (written > 0 && out[2 * written - 2] == x && out[2 * written - 1] == y) {
        continue;
      }
      out[2 * written] = x;
      out[2 * written + 1] = y;
      written++;
    }
    return Arrays.copyOf(out, 2 * written);
  }

  /**
   * Minimum-area enclosing rectangle of a point set, normalised to the le90 convention (see {@link
   * RotatedBox}). Rotating calipers: for each hull edge, the rectangle with one side on that edge;
   * the smallest area wins (the first one on ties). Collinear or coincident points give a rectangle
   * of zero height (or a point).
   */
  public static RotatedBox minAreaRect(double[] xy) {
    double[] hull = convexHull(xy);
    int n = hull.length / 2;
    if (n == 1) {
      return new RotatedBox(hull[0], hull[1], 0, 0, 0).le90();
    }
    double bestArea = Double.POSITIVE_INFINITY;
    RotatedBox best = null;
    for (int i = 0; i < n; i++) {
      int j = (i + 1) % n;
      double ex = hull[2 * j] - hull[2 * i];
      double ey = hull[2 * j + 1] - hull[2 * i + 1];
      double len = Math.hypot(ex, ey);
      if (len == 0) {
        continue;
      }
      double ux = ex / len;
      double uy = ey / len;
      double minU = Double.POSITIVE_INFINITY;
      double maxU = Double.NEGATIVE_INFINITY;
      double minV = Double.POSITIVE_INFINITY;
      double maxV = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < n; k++) {
        double x = hull[2 * k];
        double y = hull[2 * k + 1];
        double pu = x * ux + y * uy;
        double pv = -x * uy + y * ux;
        minU = Math.min(minU, pu);
        maxU = Math.max(maxU, pu);
        minV = Math.min(minV, pv);
        maxV = Math.max(maxV, pv);
      }
      double w = maxU - minU;
      double h = maxV - minV;
      double a = w * h;
      if (a < bestArea) {
        bestArea = a;
        double cu = (minU + maxU) / 2;
        double cv = (minV + maxV) / 2;
        double cx = cu * ux - cv * uy;
        double cy = cu * uy + cv * ux;
        best = new RotatedBox(cx, cy, w, h, Math.atan2(uy, ux));
      }
      if (n == 2) {
        break; // a segment: both edges give the same rectangle
      }
    }
    return best.le90();
  }

  /** Copy of a convex polygon in counter-clockwise (y-up) order; null when it has no area. */
  private static double[] counterClockwise(double[] xy) {
    checkPolygon(xy, "polygon");
    double s = signedArea(xy);
    if (s == 0 || Double.isNaN(s)) {
      return null;
    }
    if (s > 0) {
      return xy;
    }
    int n = xy.length / 2;
    double[] rev = new double[xy.length];
    for (int i = 0; i < n; i++) {
      rev[2 * i] = xy[2 * (n - 1 - i)];
      rev[2 * i + 1] = xy[2 * (n - 1 - i) + 1];
    }
    return rev;
  }

  /**
   * Sutherland–Hodgman: clip the counter-clockwise convex {@code subject} by each edge of the
   * counter-clockwise convex {@code clip}. A point on a clip edge counts as inside; an intersection
   * point is computed only when the two endpoints lie strictly on opposite sides, so the
   * denominator is never zero.
   */
  private static double[] clipConvex(double[] subject, double[] clip) {
    double[] cur = subject;
    int m = clip.length / 2;
    for (int e = 0; e < m && cur.length >= 6; e++) {
      int e1 = (e + 1) % m;
      double ax = clip[2 * e];
      double ay = clip[2 * e + 1];
      double bx = clip[2 * e1];
      double by = clip[2 * e1 + 1];
      int n = cur.length / 2;
      double[] next = new double[4 * n + 4];
      int k = 0;
      for (int i = 0; i < n; i++) {
        int i1 = (i + 1) % n;
        double px = cur[2 * i];
        double py = cur[2 * i + 1];
        double qx = cur[2 * i1];
        double qy = cur[2 * i1 + 1];
        double sp = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
        double sq = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax);
        if (sp >= 0) {
          next[k++] = px;
          next[k++] = py;
          if (sq < 0 && sp > 0) {
            double t = sp / (sp - sq);
            next[k++] = px + t * (qx - px);
            next[k++] = py + t * (qy - py);
          }
        } else if (sq > 0) {
          double t = sp / (sp - sq);
          next[k++] = px + t * (qx - px);
          next[k++] = py + t * (qy - py);
        }
      }
      cur = Arrays.copyOf(next, k);
    }
    return cur;
  }

  private static double cross(double[] xy, int o, int a, int b) {
    return (xy[2 * a] - xy[2 * o]) * (xy[2 * b + 1] - xy[2 * o + 1])
        - (xy[2 * a + 1] - xy[2 * o + 1]) * (xy[2 * b] - xy[2 * o]);
  }

  static void checkPolygon(double[] xy, String name) {
    if (xy == null || xy.length < 6 || xy.length % 2 != 0) {
      throw new IllegalArgumentException(
          name
              + " must be a flat array of at least 3 (x, y) vertices, got length "
              + (xy == null ? "null" : xy.length));
    }
    for (double v : xy) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            name + " has a non-finite coordinate: " + Arrays.toString(xy));
      }
    }
  }
}
