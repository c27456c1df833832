package io.sarmae.trainer.data.det;

import io.sarmae.trainer.eval.geom.RotatedBox;

/**
 * One ground-truth object of a detection image, in the pixel coordinates of the image it belongs to
 * (after any resize or augmentation applied to that image).
 *
 * <p>This record is the contract between the detection data ({@code data/det}: readers,
 * augmentation, synthetic data) and the detector ({@code model/det}): the data side produces a
 * {@code List<GtBox>} per image, the detector's loss consumes it.
 *
 * @param category the class index, 0-based, into the dataset's class list
 * @param x1 left edge of the horizontal box (for an oriented object: of its axis-aligned bounds)
 * @param y1 top edge
 * @param x2 right edge, {@code > x1}
 * @param y2 bottom edge, {@code > y1}
 * @param obb the oriented box in le90 form ({@link RotatedBox#le90()}), or null for a dataset with
 *     horizontal boxes only
 * @param ignore true for a COCO {@code iscrowd} region or a DOTA {@code difficult} object: not
 *     assigned as a positive or a negative in training, ignored by the evaluators
 */
public record GtBox(
    int category, double x1, double y1, double x2, double y2, RotatedBox obb, boolean ignore) {

  public GtBox {
    if (category < 0) {
      throw new IllegalArgumentException("category must be >= 0, got " + category);
    }
    if (!(x2 > x1) || !(y2 > y1)) {
      throw new IllegalArgumentException(
          "box must have x2 > x1 and y2 > y1, got ["
              + x1
              + ", "
              + y1
              + ", "
              + x2
              + ", "
              + y2
              + "]");
    }
  }

  /** A horizontal box. */
  public static GtBox horizontal(int category, double x1, double y1, double x2, double y2) {
    return new GtBox(category, x1, y1, x2, y2, null, false);
  }

  /** An oriented box; its horizontal box is the rectangle's axis-aligned bounds. */
  public static GtBox oriented(int category, RotatedBox box) {
    RotatedBox le90 = box.le90();
    double[] b = le90.bounds();
    return new GtBox(category, b[0], b[1], b[2], b[3], le90, false);
  }

  /** The same object marked ignored (crowd / difficult). */
  public GtBox asIgnored() {
    return new GtBox(category, x1, y1, x2, y2, obb, true);
  }

  /** {@code [x1, y1, x2, y2]}. */
  public double[] xyxy() {
    return new double[] {x1, y1, x2, y2};
  }
}
