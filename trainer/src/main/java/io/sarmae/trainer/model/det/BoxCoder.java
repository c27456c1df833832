package io.sarmae.trainer.model.det;

import io.sarmae.trainer.eval.geom.RotatedBox;

/**
 * FCOS's distance coder (mmdet {@code DistancePointBBoxCoder}; mmrotate's rotated variant): a box
 * relative to a point {@code p} is {@code (l, t, r, b)} (and an angle θ for an oriented box),
 * measured in the box's own frame (see {@link FcosTargets}).
 *
 * <p>Oriented convention (le90, {@link RotatedBox}): the w side of the box points along {@code (cos
 * θ, sin θ)} (y down), l and r are measured along it, t and b across it. Decoding: {@code w = l +
 * r}, {@code h = t + b}, centre {@code c = p + R(θ) ((r - l) / 2, (b - t) / 2)}; the box is then
 * brought to le90 form (which may swap w and h and shift θ by π/2).
 */
public final class BoxCoder {

  private BoxCoder() {}

  /**
   * Distances {@code [l, t, r, b]} of an axis-aligned box {@code [x1, y1, x2, y2]} from a point.
   */
  public static double[] encode(double px, double py, double[] xyxy) {
    return new double[] {px - xyxy[0], py - xyxy[1], xyxy[2] - px, xyxy[3] - py};
  }

  /** Distances {@code [l, t, r, b]} of an oriented box from a point, in the box's frame. */
  public static double[] encode(double px, double py, RotatedBox box) {
    double c = Math.cos(box.theta());
    double s = Math.sin(box.theta());
    double dx = px - box.cx();
    double dy = py - box.cy();
    double ox = c * dx + s * dy;
    double oy = -s * dx + c * dy;
    return new double[] {box.w() / 2 + ox, box.h() / 2 + oy, box.w() / 2 - ox, box.h() / 2 - oy};
  }

  /** {@code [x1, y1, x2, y2]} from a point and distances {@code [l, t, r, b]}. */
  public static double[] decode(double px, double py, double[] ltrb) {
    return new double[] {px - ltrb[0], py - ltrb[1], px + ltrb[2], py + ltrb[3]};
  }

  /** The le90 oriented box from a point, distances {@code [l, t, r, b]} and an angle (radians). */
  public static RotatedBox decode(double px, double py, double[] ltrb, double theta) {
    double l = ltrb[0];
    double t = ltrb[1];
    double r = ltrb[2];
    double b = ltrb[3];
    double ox = (r - l) / 2;
    double oy = (b - t) / 2;
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    double cx = px + c * ox - s * oy;
    double cy = py + s * ox + c * oy;
    return new RotatedBox(cx, cy, Math.max(0, l + r), Math.max(0, t + b), theta).le90();
  }

  /** {@code a - b} moved by a multiple of π into {@code [-π/2, π/2)}: le90's angle period. */
  public static double wrapAngle(double d) {
    double r = d + Math.PI / 2;
    r -= Math.floor(r / Math.PI) * Math.PI;
    return r - Math.PI / 2;
  }
}
