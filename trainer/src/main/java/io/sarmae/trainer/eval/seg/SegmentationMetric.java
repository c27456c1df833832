package io.sarmae.trainer.eval.seg;

/**
 * Semantic-segmentation metrics exactly as mmsegmentation's {@code IoUMetric} defines them.
 *
 * <p>For every evaluated image, pixels whose label equals the ignore index are dropped; the
 * remaining pixels add to four per-class totals: intersection (prediction = label = c), prediction
 * area, label area, and union = prediction + label − intersection. The totals are summed over the
 * <em>whole evaluation set</em> before any division (not averaged per image). Then
 *
 * <ul>
 *   <li>IoU_c = I_c / U_c and Acc_c = I_c / Label_c (per class);
 *   <li>mIoU = mean of IoU_c and mAcc = mean of Acc_c over the classes whose value is defined: a
 *       class absent from both predictions and labels has IoU 0/0 = NaN and is excluded from mIoU
 *       (numpy {@code nanmean}); a class absent from the labels has Acc NaN and is excluded from
 *       mAcc; a class predicted but never labelled has IoU 0 and counts;
 *   <li>aAcc = Σ I_c / Σ Label_c (overall pixel accuracy).
 * </ul>
 *
 * Values are fractions in [0, 1]; mmsegmentation prints them ×100 rounded to two decimals.
 *
 * <p>Deviation, on bad input only: mmsegmentation's {@code torch.histc} silently drops a label or
 * prediction outside {@code [0, numClasses)}; here such a value is an error naming the pixel, since
 * it always means a wrong class count or an unmapped palette colour.
 *
 * <p>Not thread-safe; one instance accumulates one evaluation pass.
 */
public final class SegmentationMetric {

  /** mmsegmentation's default ignore index. */
  public static final int DEFAULT_IGNORE_INDEX = 255;

  private final int numClasses;
  private final int ignoreIndex;
  private final long[] intersect;
  private final long[] predArea;
  private final long[] labelArea;
  private long images;

  /**
   * @param numClasses number of classes C (labels and predictions are 0..C−1)
   * @param ignoreIndex label value whose pixels are excluded (mmsegmentation: 255); must lie
   *     outside 0..C−1
   */
  public SegmentationMetric(int numClasses, int ignoreIndex) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    }
    if (ignoreIndex >= 0 && ignoreIndex < numClasses) {
      throw new IllegalArgumentException(
          "ignoreIndex "
              + ignoreIndex
              + " is a valid class id (0.."
              + (numClasses - 1)
              + "); choose a value outside the class range, e.g. 255");
    }
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.intersect = new long[numClasses];
    this.predArea = new long[numClasses];
    this.labelArea = new long[numClasses];
  }

  /** A metric with the default ignore index 255. */
  public SegmentationMetric(int numClasses) {
    this(numClasses, DEFAULT_IGNORE_INDEX);
  }

  public int numClasses() {
    return numClasses;
  }

  public int ignoreIndex() {
    return ignoreIndex;
  }

  /**
   * Adds one image (or any batch of pixels).
   *
   * @param pred predicted class per pixel, 0..C−1
   * @param label ground-truth class per pixel, 0..C−1 or the ignore index
   */
  public void update(int[] pred, int[] label) {
    if (pred.length != label.length) {
      throw new IllegalArgumentException(
          "prediction and label must have the same pixel count, got "
              + pred.length
              + " and "
              + label.length);
    }
    for (int i = 0; i < pred.length; i++) {
      int l = label[i];
      if (l == ignoreIndex) {
        continue;
      }
      int p = pred[i];
      if (l < 0 || l >= numClasses) {
        throw new IllegalArgumentException(
            "label value "
                + l
                + " at pixel "
                + i
                + " is neither a class id (0.."
                + (numClasses - 1)
                + ") nor the ignore index "
                + ignoreIndex);
      }
      if (p < 0 || p >= numClasses) {
        throw new IllegalArgumentException(
            "predicted class " + p + " at pixel " + i + " is outside 0.." + (numClasses - 1));
      }
      predArea[p]++;
      labelArea[l]++;
      if (p == l) {
        intersect[p]++;
      }
    }
    images++;
  }

  /** {@link #update(int[], int[])} for 8-bit masks (values read unsigned, 0..255). */
  public void update(byte[] pred, byte[] label) {
    update(unsigned(pred), unsigned(label));
  }

  /** {@link #update(int[], int[])} for 16-bit masks (values read unsigned, 0..65535). */
  public void update(short[] pred, short[] label) {
    int[] p = new int[pred.length];
    int[] l = new int[label.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = pred[i] & 0xFFFF;
    }
    for (int i = 0; i < l.length; i++) {
      l[i] = label[i] & 0xFFFF;
    }
    update(p, l);
  }

  /** Adds the totals of another metric (e.g. from another worker) with the same settings. */
  public void merge(SegmentationMetric other) {
    if (other.numClasses != numClasses || other.ignoreIndex != ignoreIndex) {
      throw new IllegalArgumentException(
          "cannot merge metrics with different class count or ignore index");
    }
    for (int c = 0; c < numClasses; c++) {
      intersect[c] += other.intersect[c];
      predArea[c] += other.predArea[c];
      labelArea[c] += other.labelArea[c];
    }
    images += other.images;
  }

  /** The metrics over everything added so far. */
  public SegmentationResult result() {
    double[] iou = new double[numClasses];
    double[] acc = new double[numClasses];
    long[] union = new long[numClasses];
    long sumI = 0;
    long sumL = 0;
    for (int c = 0; c < numClasses; c++) {
      union[c] = predArea[c] + labelArea[c] - intersect[c];
      iou[c] = (double) intersect[c] / union[c]; // 0/0 = NaN: class absent from both
      acc[c] = (double) intersect[c] / labelArea[c]; // 0/0 = NaN: class absent from the labels
      sumI += intersect[c];
      sumL += labelArea[c];
    }
    return new SegmentationResult(
        iou,
        acc,
        nanMean(iou),
        nanMean(acc),
        (double) sumI / sumL,
        intersect.clone(),
        union,
        predArea.clone(),
        labelArea.clone(),
        images);
  }

  /** Mean over non-NaN entries; NaN when all are NaN (numpy nanmean). */
  static double nanMean(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private static int[] unsigned(byte[] b) {
    int[] out = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[i] & 0xFF;
    }
    return out;
  }
}
