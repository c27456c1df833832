package io.sarmae.trainer.eval.seg;

/**
 * Binary (one foreground class) segmentation: the IoU of a single class such as Water, as in the
 * AIR-PolSAR-Seg water task.
 *
 * <p>Each pixel becomes foreground (1) when its value equals {@code foregroundClass} and background
 * (0) otherwise; pixels labelled with the ignore index stay ignored. The result is a two-class
 * {@link SegmentationMetric} whose class 1 IoU is the reported foreground IoU. For a model that
 * already predicts {background = 0, water = 1} pass {@code foregroundClass = 1}: the mapping is
 * then the identity and the numbers equal mmsegmentation's on the 2-class task (SARMAE's {@code
 * airseg_water}); for a multi-class model it gives "water versus everything else".
 */
public final class BinarySegmentationMetric {

  private final int foregroundClass;
  private final int ignoreIndex;
  private final SegmentationMetric metric;

  public BinarySegmentationMetric(int foregroundClass, int ignoreIndex) {
    if (foregroundClass < 0) {
      throw new IllegalArgumentException("foregroundClass must be >= 0, got " + foregroundClass);
    }
    if (foregroundClass == ignoreIndex) {
      throw new IllegalArgumentException(
          "foregroundClass " + foregroundClass + " equals the ignore index");
    }
    this.foregroundClass = foregroundClass;
    this.ignoreIndex = ignoreIndex;
    this.metric = new SegmentationMetric(2, SegmentationMetric.DEFAULT_IGNORE_INDEX);
  }

  /** Adds one image: {@code pred} and {@code label} in the original class ids. */
  public void update(int[] pred, int[] label) {
    if (pred.length != label.length) {
      throw new IllegalArgumentException(
          "prediction and label must have the same pixel count, got "
              + pred.length
              + " and "
              + label.length);
    }
    int ignore = metric.ignoreIndex();
    int[] p = new int[pred.length];
    int[] l = new int[label.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = pred[i] == foregroundClass ? 1 : 0;
      l[i] = label[i] == ignoreIndex ? ignore : label[i] == foregroundClass ? 1 : 0;
    }
    metric.update(p, l);
  }

  /** The two-class metrics: class 0 background, class 1 foreground. */
  public SegmentationResult result() {
    return metric.result();
  }

  /** The foreground IoU (NaN if the foreground is absent from both predictions and labels). */
  public double foregroundIou() {
    return metric.result().iou(1);
  }
}
