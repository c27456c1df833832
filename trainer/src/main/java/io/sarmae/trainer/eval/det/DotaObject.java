package io.sarmae.trainer.eval.det;

import java.util.Arrays;

/**
 * One oriented ground-truth object, as a line of a DOTA annotation file ({@code x1 y1 ... x4 y4
 * class difficult}).
 *
 * @param imageId the image's name (DOTA: the file stem)
 * @param className the class name
 * @param polygon corners {@code [x1, y1, ..., xn, yn]}, n >= 3 (DOTA: 4), any orientation
 * @param difficult DOTA's difficult flag (any non-zero value in the file)
 */
public record DotaObject(String imageId, String className, double[] polygon, boolean difficult) {

  public DotaObject {
    DotaDetection.check("ground truth", imageId, className, polygon);
    polygon = polygon.clone();
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
    return "DotaObject["
        + imageId
        + ", "
        + className
        + ", "
        + Arrays.toString(polygon)
        + (difficult ? ", difficult]" : "]");
  }
}
