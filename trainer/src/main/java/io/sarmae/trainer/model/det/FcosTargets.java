package io.sarmae.trainer.model.det;

import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.List;

/**
 * FCOS target assignment of one image (mmdet {@code FCOSHead.get_targets}; mmrotate's rotated FCOS
 * for oriented boxes), on the CPU.
 *
 * <p>Points: level {@code i} of size {@code h_i x w_i} at stride {@code s_i} has the points {@code
 * ((x + 0.5) s_i, (y + 0.5) s_i)}, flattened level after level, row-major within a level (the order
 * of {@code (B, ., h, w) -> (B, h*w, .)}).
 *
 * <p>Each box is seen in its own frame: centre {@code c}, long side {@code w} along {@code (cos θ,
 * sin θ)}, {@code h} across (horizontal boxes: θ = 0, {@code w = x2 - x1}, {@code h = y2 - y1}). A
 * point {@code p} has the frame offset {@code o = R(-θ)(p - c)} and the distances {@code l = w/2 +
 * o_x, r = w/2 - o_x, t = h/2 + o_y, b = h/2 - o_y}. A box is a candidate of a point when
 *
 * <ul>
 *   <li>the point is strictly inside it ({@code min(l, t, r, b) > 0});
 *   <li>with centre sampling, also {@code |o_x| < radius * s_i} and {@code |o_y| < radius * s_i}
 *       (mmdet's centre box clipped to the box; mmrotate's rotated-frame rule);
 *   <li>{@code max(l, t, r, b)} lies in the level's regress range {@code [lo_i, hi_i]}: {@code hi_i
 *       = 8 s_i} ({@code +inf} for the last level), {@code lo_i = hi_{i-1}} ({@code -1} for the
 *       first): strides 8..128 give mmdet's (-1, 64), (64, 128), (128, 256), (256, 512), (512,
 *       inf).
 * </ul>
 *
 * The candidate of smallest area wins (first box on ties, as {@code torch.min}). Ignored boxes
 * ({@link GtBox#ignore}) take part: a point won by an ignored box, or without a winner but inside
 * an ignored box, is ignored (no classification loss); otherwise a point without a winner is
 * background.
 *
 * <p>Regression targets are divided by the stride ({@code norm_on_bbox}); centerness is {@code
 * sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b))}; the angle target is the box's le90 θ.
 */
public final class FcosTargets {

  /** Label of a background point. */
  public static final int BACKGROUND = -1;

  /** Label of an ignored point. */
  public static final int IGNORED = -2;

  /**
   * Targets of one image over all points.
   *
   * @param labels per point: class index (positive), {@link #BACKGROUND} or {@link #IGNORED}
   * @param boxIndex per point: index of the winning box, -1 when none
   * @param ltrb per point 4 distances in stride units (1, 1, 1, 1 where not positive)
   * @param centerness per point centerness target (0 where not positive)
   * @param angle per point le90 angle target (0 where not positive or horizontal)
   * @param numPositive number of positive points
   */
  public record Assignment(
      int[] labels,
      int[] boxIndex,
      float[] ltrb,
      float[] centerness,
      float[] angle,
      int numPositive) {}

  private FcosTargets() {}

  /** {@code (lo, hi)} per level: {@code hi_i = 8 s_i} (last: +inf), {@code lo_i = hi_{i-1}}. */
  public static double[][] regressRanges(int[] strides) {
    double[][] r = new double[strides.length][2];
    for (int i = 0; i < strides.length; i++) {
      r[i][0] = i == 0 ? -1 : 8.0 * strides[i - 1];
      r[i][1] = i == strides.length - 1 ? Double.POSITIVE_INFINITY : 8.0 * strides[i];
    }
    return r;
  }

  /** Total number of points for an {@code H x W} input. */
  public static int numPoints(int[] strides, int height, int width) {
    int n = 0;
    for (int s : strides) {
      n += ceilDiv(height, s) * ceilDiv(width, s);
    }
    return n;
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** The box frame {@code (cx, cy, w, h, θ)} the detector regresses in. */
  static RotatedBox frame(GtBox box, boolean oriented) {
    if (oriented && box.obb() != null) {
      return box.obb();
    }
    return new RotatedBox(
        (box.x1() + box.x2()) / 2,
        (box.y1() + box.y2()) / 2,
        box.x2() - box.x1(),
        box.y2() - box.y1(),
        0);
  }

  /**
   * Assigns every point of an {@code height x width} input.
   *
   * @param oriented regress in the boxes' rotated frames (their {@code obb}; a box without one is
   *     axis-aligned) and give angle targets
   */
  public static Assignment assign(
      List<GtBox> boxes,
      int[] strides,
      int height,
      int width,
      boolean oriented,
      boolean centerSampling,
      double radius) {
    int n = numPoints(strides, height, width);
    int[] labels = new int[n];
    int[] boxIndex = new int[n];
    float[] ltrb = new float[4 * n];
    float[] ctr = new float[n];
    float[] angle = new float[n];
    java.util.Arrays.fill(ltrb, 1f);
    int m = boxes.size();
    double[] cx = new double[m];
    double[] cy = new double[m];
    double[] hw = new double[m];
    double[] hh = new double[m];
    double[] cos = new double[m];
    double[] sin = new double[m];
    double[] area = new double[m];
    for (int g = 0; g < m; g++) {
      RotatedBox f = frame(boxes.get(g), oriented);
      cx[g] = f.cx();
      cy[g] = f.cy();
      hw[g] = f.w() / 2;
      hh[g] = f.h() / 2;
      cos[g] = Math.cos(f.theta());
      sin[g] = Math.sin(f.theta());
      area[g] = f.w() * f.h();
    }
    double[][] ranges = regressRanges(strides);
    int numPos = 0;
    int p = 0;
    for (int lv = 0; lv < strides.length; lv++) {
      int s = strides[lv];
      int gh = ceilDiv(height, s);
      int gw = ceilDiv(width, s);
      double lo = ranges[lv][0];
      double hi = ranges[lv][1];
      double rad = radius * s;
      for (int y = 0; y < gh; y++) {
        for (int x = 0; x < gw; x++, p++) {
          double px = (x + 0.5) * s;
          double py = (y + 0.5) * s;
          int best = -1;
          double bestArea = Double.POSITIVE_INFINITY;
          double[] bestD = null;
          boolean insideIgnored = false;
          for (int g = 0; g < m; g++) {
            double dx = px - cx[g];
            double dy = py - cy[g];
            double ox = cos[g] * dx + sin[g] * dy;
            double oy = -sin[g] * dx + cos[g] * dy;
            double l = hw[g] + ox;
            double r = hw[g] - ox;
            double t = hh[g] + oy;
            double b = hh[g] - oy;
            if (!oriented) { // exact edges for axis-aligned boxes
              GtBox box = boxes.get(g);
              l = px - box.x1();
              r = box.x2() - px;
              t = py - box.y1();
              b = box.y2() - py;
            }
            if (Math.min(Math.min(l, r), Math.min(t, b)) <= 0) {
              continue;
            }
            if (boxes.get(g).ignore()) {
              insideIgnored = true;
            }
            if (centerSampling && !(Math.abs(ox) < rad && Math.abs(oy) < rad)) {
              continue;
            }
            double mx = Math.max(Math.max(l, r), Math.max(t, b));
            if (mx < lo || mx > hi) {
              continue;
            }
            if (area[g] < bestArea) {
              bestArea = area[g];
              best = g;
              bestD = new double[] {l, t, r, b};
            }
          }
          boxIndex[p] = best;
          if (best < 0) {
            labels[p] = insideIgnored ? IGNORED : BACKGROUND;
          } else if (boxes.get(best).ignore()) {
            labels[p] = IGNORED;
          } else {
            GtBox box = boxes.get(best);
            labels[p] = box.category();
            for (int k = 0; k < 4; k++) {
              ltrb[4 * p + k] = (float) (bestD[k] / s);
            }
            double l = bestD[0];
            double t = bestD[1];
            double r = bestD[2];
            double b = bestD[3];
            ctr[p] =
                (float)
                    Math.sqrt(Math.min(l, r) / Math.max(l, r) * (Math.min(t, b) / Math.max(t, b)));
            angle[p] = oriented ? (float) frame(box, true).theta() : 0f;
            numPos++;
          }
        }
      }
    }
    return new Assignment(labels, boxIndex, ltrb, ctr, angle, numPos);
  }
}
