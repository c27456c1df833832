package io.sarmae.trainer.model.det;

import io.sarmae.trainer.eval.geom.RotatedBox;

/**
 * One detection after post-processing, in the pixel coordinates of the detector's input image.
 *
 * @param category class index, 0-based
 * @param score confidence in [0, 1]
 * @param x1 left edge (for an oriented detection: of its axis-aligned bounds)
 * @param y1 top edge
 * @param x2 right edge
 * @param y2 bottom edge
 * @param obb the oriented box in le90 form, or null for a horizontal detector
 */
public record Detection(
    int category, double score, double x1, double y1, double x2, double y2, RotatedBox obb) {

  /** {@code [x, y, w, h]} as the COCO results format writes it. */
  public double[] xywh() {
    return new double[] {x1, y1, x2 - x1, y2 - y1};
  }
}
