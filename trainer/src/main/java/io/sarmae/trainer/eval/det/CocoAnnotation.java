package io.sarmae.trainer.eval.det;

/**
 * One COCO ground-truth box (an entry of {@code annotations} in a COCO JSON file).
 *
 * @param imageId {@code image_id}
 * @param categoryId {@code category_id}
 * @param x left of {@code bbox} (pixels, continuous coordinates)
 * @param y top of {@code bbox}
 * @param w width of {@code bbox}
 * @param h height of {@code bbox}
 * @param area the annotation's {@code area} field; COCO uses it (not {@code w * h}) for the
 *     small/medium/large ranges (for a dataset without segmentation masks pass {@code w * h})
 * @param iscrowd {@code iscrowd}: a crowd region is matched without counting (see {@link
 *     CocoEvaluator})
 */
public record CocoAnnotation(
    long imageId,
    int categoryId,
    double x,
    double y,
    double w,
    double h,
    double area,
    boolean iscrowd) {

  public CocoAnnotation {
    CocoDetection.checkBox("ground truth", imageId, x, y, w, h);
    if (!Double.isFinite(area) || area < 0) {
      throw new IllegalArgumentException(
          "ground truth on image "
              + imageId
              + " has area "
              + area
              + "; it must be finite and >= 0");
    }
  }

  /** A non-crowd annotation whose area is {@code w * h}. */
  public static CocoAnnotation box(
      long imageId, int categoryId, double x, double y, double w, double h) {
    return new CocoAnnotation(imageId, categoryId, x, y, w, h, w * h, false);
  }

  double[] bbox() {
    return new double[] {x, y, w, h};
  }
}
