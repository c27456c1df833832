package io.sarmae.trainer.eval.geom;

/**
 * Axis-aligned box overlap in continuous coordinates (no "+1 pixel" convention, as pycocotools'
 * {@code bbIou} and torchvision do).
 */
public final class HorizontalBoxes {

  private HorizontalBoxes() {}

  /**
   * IoU of two boxes {@code [x1, y1, x2, y2]}; 0 when they do not overlap or the union is empty.
   */
  public static double iouXyxy(double[] a, double[] b) {
    double w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
    if (w <= 0) {
      return 0.0;
    }
    double h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
    if (h <= 0) {
      return 0.0;
    }
    double inter = w * h;
    double union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    return union > 0 ? inter / union : 0.0;
  }

  /**
   * pycocotools' {@code bbIou} for boxes {@code [x, y, w, h]}: intersection over union, or, when
   * the ground truth is a crowd region, intersection over the detection's own area.
   */
  public static double iouXywh(double[] det, double[] gt, boolean gtIsCrowd) {
    double w = Math.min(det[0] + det[2], gt[0] + gt[2]) - Math.max(det[0], gt[0]);
    if (w <= 0) {
      return 0.0;
    }
    double h = Math.min(det[1] + det[3], gt[1] + gt[3]) - Math.max(det[1], gt[1]);
    if (h <= 0) {
      return 0.0;
    }
    double inter = w * h;
    double da = det[2] * det[3];
    double union = gtIsCrowd ? da : da + gt[2] * gt[3] - inter;
    return inter / union;
  }
}
