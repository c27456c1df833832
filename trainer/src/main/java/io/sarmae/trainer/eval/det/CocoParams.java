package io.sarmae.trainer.eval.det;

import java.util.List;

/**
 * Parameters of {@link CocoEvaluator}, as pycocotools' {@code Params} for {@code iouType='bbox'}.
 *
 * @param iouThresholds T IoU thresholds (default 0.50:0.05:0.95)
 * @param recallThresholds R recall thresholds (default 0:0.01:1, 101 points)
 * @param maxDets M per-image detection limits, ascending (default 1, 10, 100)
 * @param areaRanges A area ranges, bounds inclusive on both sides (default all, small, medium,
 *     large)
 */
public record CocoParams(
    double[] iouThresholds, double[] recallThresholds, int[] maxDets, List<AreaRange> areaRanges) {

  /** A named area range {@code [min, max]} (inclusive on both sides, as pycocotools). */
  public record AreaRange(String label, double min, double max) {}

  public CocoParams {
    if (iouThresholds.length == 0
        || recallThresholds.length == 0
        || maxDets.length == 0
        || areaRanges.isEmpty()) {
      throw new IllegalArgumentException("COCO parameters need at least one value of each kind");
    }
    for (int i = 1; i < maxDets.length; i++) {
      if (maxDets[i] < maxDets[i - 1]) {
        throw new IllegalArgumentException("maxDets must be ascending (pycocotools sorts them)");
      }
    }
    for (int i = 1; i < recallThresholds.length; i++) {
      if (recallThresholds[i] < recallThresholds[i - 1]) {
        throw new IllegalArgumentException("recall thresholds must be ascending");
      }
    }
    iouThresholds = iouThresholds.clone();
    recallThresholds = recallThresholds.clone();
    maxDets = maxDets.clone();
    areaRanges = List.copyOf(areaRanges);
  }

  /**
   * The pycocotools defaults for boxes. The thresholds are built as numpy's {@code linspace} builds
   * them ({@code start + i * step}, the last set to the stop value), so every comparison with them
   * gives the same answer as in pycocotools.
   */
  public static CocoParams bbox() {
    return new CocoParams(
        linspace(0.5, 0.95, 10),
        linspace(0.0, 1.0, 101),
        new int[] {1, 10, 100},
        List.of(
            new AreaRange("all", 0, 1e5 * 1e5),
            new AreaRange("small", 0, 32 * 32),
            new AreaRange("medium", 32 * 32, 96 * 96),
            new AreaRange("large", 96 * 96, 1e5 * 1e5)));
  }

  /** numpy.linspace(start, stop, num, endpoint=True). */
  static double[] linspace(double start, double stop, int num) {
    double[] out = new double[num];
    double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++) {
      out[i] = i * step + start;
    }
    out[num - 1] = stop;
    return out;
  }

  int areaIndex(String label) {
    for (int a = 0; a < areaRanges.size(); a++) {
      if (areaRanges.get(a).label().equals(label)) {
        return a;
      }
    }
    return -1;
  }

  int maxDetIndex(int maxDet) {
    for (int m = 0; m < maxDets.length; m++) {
      if (maxDets[m] == maxDet) {
        return m;
      }
    }
    return -1;
  }

  int iouIndex(double threshold) {
    for (int t = 0; t < iouThresholds.length; t++) {
      if (Math.abs(iouThresholds[t] - threshold) < 1e-12) {
        return t;
      }
    }
    return -1;
  }
}
