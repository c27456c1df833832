package io.sarmae.trainer.eval.geom;

/**
 * An oriented box {@code (cx, cy, w, h, theta)} in image pixels, theta in radians.
 *
 * <p>Convention (mmrotate's, DENSE-TASKS §4.1): x to the right, y down; the box is the rectangle
 * {@code (±w/2, ±h/2)} rotated by the matrix {@code [[cos θ, −sin θ], [sin θ, cos θ]]} and moved to
 * {@code (cx, cy)}. With y pointing down a positive theta turns the box <em>clockwise</em> on
 * screen; the w side points along {@code (cos θ, sin θ)}.
 *
 * <p><b>le90</b> (what {@link #le90()} returns and {@link #fromPolygon} produces): {@code w >= h}
 * (w is the long side) and {@code theta ∈ [−π/2, π/2)}. A rectangle's long-side direction is
 * defined modulo π, so every non-square rectangle has exactly one le90 form. For a square the angle
 * is only defined modulo π/2; {@link #le90()} then picks {@code theta ∈ [−π/4, π/4)} (our choice,
 * so that equal squares compare equal; the polygon and every IoU are unaffected).
 *
 * <p>Corner order of {@link #toPolygon()} follows mmrotate's {@code obb2poly_le90}: the rotated
 * {@code (−w/2, −h/2), (w/2, −h/2), (w/2, h/2), (−w/2, h/2)}.
 */
public record RotatedBox(double cx, double cy, double w, double h, double theta) {

  public RotatedBox {
    if (!Double.isFinite(cx)
        || !Double.isFinite(cy)
        || !Double.isFinite(w)
        || !Double.isFinite(h)
        || !Double.isFinite(theta)) {
      throw new IllegalArgumentException(
          "rotated box values must be finite, got ("
              + cx
              + ", "
              + cy
              + ", "
              + w
              + ", "
              + h
              + ", "
              + theta
              + ")");
    }
    if (w < 0 || h < 0) {
      throw new IllegalArgumentException(
          "rotated box width and height must be >= 0, got w=" + w + " h=" + h);
    }
  }

  /** The four corners as {@code [x1, y1, ..., x4, y4]} (order in the class comment). */
  public double[] toPolygon() {
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    double[] dx = {-w / 2, w / 2, w / 2, -w / 2};
    double[] dy = {-h / 2, -h / 2, h / 2, h / 2};
    double[] out = new double[8];
    for (int i = 0; i < 4; i++) {
      out[2 * i] = cx + c * dx[i] - s * dy[i];
      out[2 * i + 1] = cy + s * dx[i] + c * dy[i];
    }
    return out;
  }

  /** {@code w * h}. */
  public double area() {
    return w * h;
  }

  /** The axis-aligned bounds {@code [xmin, ymin, xmax, ymax]} of the box. */
  public double[] bounds() {
    double c = Math.abs(Math.cos(theta));
    double s = Math.abs(Math.sin(theta));
    double hx = (w * c + h * s) / 2;
    double hy = (w * s + h * c) / 2;
    return new double[] {cx - hx, cy - hy, cx + hx, cy + hy};
  }

  /** The same rectangle in le90 form (see the class comment). */
  public RotatedBox le90() {
    double nw = w;
    double nh = h;
    double t = theta;
    if (nw < nh) {
      nw = h;
      nh = w;
      t += Math.PI / 2;
    }
    if (nw == nh) {
      t = wrap(t, Math.PI / 2, -Math.PI / 4);
    } else {
      t = wrap(t, Math.PI, -Math.PI / 2);
    }
    return new RotatedBox(cx, cy, nw, nh, t);
  }

  /**
   * The le90 box of a polygon's minimum-area enclosing rectangle (the polygon → box conversion of
   * mmrotate's {@code poly2obb_le90}, which calls OpenCV's minAreaRect); for a rectangle given by
   * its corners this recovers the rectangle exactly up to rounding.
   *
   * @param xy polygon {@code [x1, y1, ..., xn, yn]}, n >= 3 (DOTA gives 4 corners)
   */
  public static RotatedBox fromPolygon(double[] xy) {
    Polygons.checkPolygon(xy, "polygon");
    return Polygons.minAreaRect(xy);
  }

  /** Intersection over union of two rotated boxes, computed exactly by convex clipping. */
  public static double iou(RotatedBox a, RotatedBox b) {
    double[] ba = a.bounds();
    double[] bb = b.bounds();
    if (ba[2] <= bb[0] || bb[2] <= ba[0] || ba[3] <= bb[1] || bb[3] <= ba[1]) {
      return 0.0;
    }
    double inter = Polygons.convexIntersectionArea(a.toPolygon(), b.toPolygon());
    double union = a.area() + b.area() - inter;
    return union > 0 ? inter / union : 0.0;
  }

  /** {@code t} moved by multiples of {@code period} into {@code [lo, lo + period)}. */
  private static double wrap(double t, double period, double lo) {
    double r = t - lo;
    r = r - Math.floor(r / period) * period;
    if (r >= period) { // rounding of the floor product
      r -= period;
    }
    return lo + r;
  }
}
