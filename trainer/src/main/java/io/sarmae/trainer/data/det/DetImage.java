package io.sarmae.trainer.data.det;

import java.util.List;

/**
 * A detection image with its objects, in the pixel coordinates of {@code data}.
 *
 * @param id the image's name (file stem), used in manifests and DOTA result files
 * @param imageId the COCO {@code images[].id} (for DOTA and VOC: the 1-based position in the split)
 * @param data {@code channels x height x width} values in [0, 1] (CHW, row-major)
 * @param boxes the objects (possibly none: a negative image)
 * @param areas per box, the area the COCO evaluator uses for its size ranges (the annotation's
 *     {@code area} for COCO files, {@code w * h} otherwise)
 */
public record DetImage(
    String id,
    long imageId,
    float[] data,
    int channels,
    int height,
    int width,
    List<GtBox> boxes,
    double[] areas) {

  public DetImage {
    if (data.length != channels * height * width) {
      throw new IllegalArgumentException(
          "image of "
              + data.length
              + " values does not match "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    if (areas.length != boxes.size()) {
      throw new IllegalArgumentException(
          areas.length + " areas for " + boxes.size() + " boxes; give one per box");
    }
    boxes = List.copyOf(boxes);
    areas = areas.clone();
  }

  /** The same image with other pixels and boxes (augmentation); areas become {@code w * h}. */
  public DetImage with(float[] data, int height, int width, List<GtBox> boxes) {
    return new DetImage(id, imageId, data, channels, height, width, boxes, boxAreas(boxes));
  }

  /** {@code w * h} of each box (for an oriented box: of the rectangle itself). */
  public static double[] boxAreas(List<GtBox> boxes) {
    double[] a = new double[boxes.size()];
    for (int i = 0; i < a.length; i++) {
      GtBox b = boxes.get(i);
      a[i] = b.obb() != null ? b.obb().area() : (b.x2() - b.x1()) * (b.y2() - b.y1());
    }
    return a;
  }
}
