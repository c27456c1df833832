package io.sarmae.trainer.eval.det;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulated COCO results: pycocotools' {@code eval['precision']} (T×R×K×A×M) and {@code
 * eval['recall']} (T×K×A×M), −1 where a setting has no ground truth, and the summaries derived from
 * them.
 */
public final class CocoEvalResult {

  private final CocoParams params;
  private final int[] categoryIds;
  private final double[] precision;
  private final double[] recall;

  CocoEvalResult(CocoParams params, int[] categoryIds, double[] precision, double[] recall) {
    this.params = params;
    this.categoryIds = categoryIds.clone();
    this.precision = precision;
    this.recall = recall;
  }

  public CocoParams params() {
    return params;
  }

  /** The evaluated category ids, ascending (index k of the arrays). */
  public int[] categoryIds() {
    return categoryIds.clone();
  }

  /** {@code precision[t, r, k, a, m]}; −1 when the setting has no ground truth. */
  public double precision(int t, int r, int k, int a, int m) {
    int nR = params.recallThresholds().length;
    int nA = params.areaRanges().size();
    int nM = params.maxDets().length;
    return precision[(((t * nR + r) * categoryIds.length + k) * nA + a) * nM + m];
  }

  /** {@code recall[t, k, a, m]}; −1 when the setting has no ground truth. */
  public double recall(int t, int k, int a, int m) {
    int nA = params.areaRanges().size();
    int nM = params.maxDets().length;
    return recall[((t * categoryIds.length + k) * nA + a) * nM + m];
  }

  /**
   * pycocotools' {@code _summarize}: the mean of all entries > −1 of precision (ap) or recall (not
   * ap) at one IoU threshold (or all when {@code iouThreshold} is null), the named area range and
   * maxDets; −1 when there is none.
   */
  public double summarize(boolean ap, Double iouThreshold, String areaLabel, int maxDets) {
    int a = params.areaIndex(areaLabel);
    int m = params.maxDetIndex(maxDets);
    if (a < 0 || m < 0) {
      throw new IllegalArgumentException(
          "no area range '" + areaLabel + "' or maxDets " + maxDets + " in the parameters");
    }
    int t0 = 0;
    int t1 = params.iouThresholds().length;
    if (iouThreshold != null) {
      t0 = params.iouIndex(iouThreshold);
      if (t0 < 0) {
        throw new IllegalArgumentException("IoU threshold " + iouThreshold + " is not evaluated");
      }
      t1 = t0 + 1;
    }
    double sum = 0;
    long n = 0;
    for (int t = t0; t < t1; t++) {
      for (int k = 0; k < categoryIds.length; k++) {
        if (ap) {
          for (int r = 0; r < params.recallThresholds().length; r++) {
            double v = precision(t, r, k, a, m);
            if (v > -1) {
              sum += v;
              n++;
            }
          }
        } else {
          double v = recall(t, k, a, m);
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
    }
    return n == 0 ? -1 : sum / n;
  }

  /**
   * The twelve numbers of pycocotools' {@code summarize()} for boxes (its {@code stats} array);
   * requires the default area labels and three maxDets.
   */
  public CocoSummary summary() {
    int[] md = params.maxDets();
    if (md.length != 3) {
      throw new IllegalStateException(
          "the COCO summary needs exactly three maxDets, as pycocotools");
    }
    int last = md[2];
    return new CocoSummary(
        summarize(true, null, "all", last),
        summarize(true, 0.5, "all", last),
        summarize(true, 0.75, "all", last),
        summarize(true, null, "small", last),
        summarize(true, null, "medium", last),
        summarize(true, null, "large", last),
        summarize(false, null, "all", md[0]),
        summarize(false, null, "all", md[1]),
        summarize(false, null, "all", last),
        summarize(false, null, "small", last),
        summarize(false, null, "medium", last),
        summarize(false, null, "large", last));
  }

  /**
   * Per-category AP as mmdetection's {@code classwise} table: mean precision over all IoU
   * thresholds (or the one given) and recall points at area "all" and the largest maxDets; NaN for
   * a category without ground truth.
   *
   * @param iouThreshold null for AP@[.50:.95], or one evaluated threshold (e.g. 0.5)
   * @return category id → AP, in ascending id order
   */
  public Map<Integer, Double> perCategoryAp(Double iouThreshold) {
    int a = params.areaIndex("all");
    if (a < 0) {
      a = 0;
    }
    int m = params.maxDets().length - 1;
    int t0 = 0;
    int t1 = params.iouThresholds().length;
    if (iouThreshold != null) {
      t0 = params.iouIndex(iouThreshold);
      if (t0 < 0) {
        throw new IllegalArgumentException("IoU threshold " + iouThreshold + " is not evaluated");
      }
      t1 = t0 + 1;
    }
    Map<Integer, Double> out = new LinkedHashMap<>();
    for (int k = 0; k < categoryIds.length; k++) {
      double sum = 0;
      long n = 0;
      for (int t = t0; t < t1; t++) {
        for (int r = 0; r < params.recallThresholds().length; r++) {
          double v = precision(t, r, k, a, m);
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
      out.put(categoryIds[k], n == 0 ? Double.NaN : sum / n);
    }
    return out;
  }
}
