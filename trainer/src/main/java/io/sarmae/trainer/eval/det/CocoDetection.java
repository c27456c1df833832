package io.sarmae.trainer.eval.det;

/**
 * One detection in the COCO results format ({@code {"image_id", "category_id", "bbox", "score"}}).
 * Its area is {@code w * h}, as pycocotools' {@code loadRes} sets it for bbox results.
 */
public record CocoDetection(
    long imageId, int categoryId, double x, double y, double w, double h, double score) {

  public CocoDetection {
    checkBox("detection", imageId, x, y, w, h);
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException(
          "detection on image " + imageId + " has score " + score + "; it must be finite");
    }
  }

  /** {@code w * h}. */
  public double area() {
    return w * h;
  }

  double[] bbox() {
    return new double[] {x, y, w, h};
  }

  static void checkBox(String what, long imageId, double x, double y, double w, double h) {
    if (!Double.isFinite(x)
        || !Double.isFinite(y)
        || !Double.isFinite(w)
        || !Double.isFinite(h)
        || w < 0
        || h < 0) {
      throw new IllegalArgumentException(
          what
              + " on image "
              + imageId
              + " has bbox ["
              + x
              + ", "
              + y
              + ", "
              + w
              + ", "
              + h
              + "]; x, y must be finite and w, h finite and >= 0");
    }
  }
}
