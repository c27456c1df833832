package io.sarmae.trainer.eval.det;

import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.Arrays;

/**
 * One oriented detection, as a line of a DOTA task-1 result file ({@code image_id score x1 y1 ...
 * x4 y4} in {@code Task1_<class>.txt}).
 *
 * @param imageId the image's name (DOTA: the file stem)
 * @param className the class name
 * @param score confidence
 * @param polygon corners {@code [x1, y1, ..., x4, y4]}
 */
public record DotaDetection(String imageId, String className, double score, double[] polygon) {

  public DotaDetection {
    check("detection", imageId, className, polygon);
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException(
          "detection on image " + imageId + " has score " + score + "; it must be finite");
    }
    polygon = polygon.clone();
  }

  /** A detection from a rotated box (its four corners, {@link RotatedBox#toPolygon()} order). */
  public static DotaDetection of(String imageId, String className, double score, RotatedBox box) {
    return new DotaDetection(imageId, className, score, box.toPolygon());
  }

  @Override
  public double[] polygon() {
    return polygon.clone();
  }

  double[] polygonUnsafe() {
    return polygon;
  }

  @Override
  public String toString() {
    return "DotaDetection["
        + imageId
        + ", "
        + className
        + ", "
        + score
        + ", "
        + Arrays.toString(polygon)
        + "]";
  }

  static void check(String what, String imageId, String className, double[] polygon) {
    if (imageId == null || imageId.isBlank() || imageId.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          what + " has image id '" + imageId + "'; it must be non-empty without whitespace");
    }
    if (className == null
        || className.isBlank()
        || className.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          what
              + " on image "
              + imageId
              + " has class name '"
              + className
              + "'; it must be non-empty without whitespace");
    }
    if (polygon == null || polygon.length < 6 || polygon.length % 2 != 0) {
      throw new IllegalArgumentException(
          what
              + " on image "
              + imageId
              + " needs a polygon of at least 3 (x, y) corners, got "
              + (polygon == null ? "null" : polygon.length + " values"));
    }
    for (double v : polygon) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            what
                + " on image "
                + imageId
                + " has a non-finite corner: "
                + Arrays.toString(polygon));
      }
    }
  }
}
