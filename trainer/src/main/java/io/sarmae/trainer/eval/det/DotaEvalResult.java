package io.sarmae.trainer.eval.det;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DOTA-style results: per-class AP at each IoU threshold, the mAP per threshold (mean over classes
 * with at least one non-difficult GT) and the mean of those over the thresholds (RSAR's summary
 * when the thresholds are 0.50:0.05:0.95).
 */
public final class DotaEvalResult {

  private final List<String> classNames;
  private final double[] iouThresholds;
  private final double[][] ap;
  private final int[] npos;
  private final DotaEvaluator.ApMethod method;

  DotaEvalResult(
      List<String> classNames,
      double[] iouThresholds,
      double[][] ap,
      int[] npos,
      DotaEvaluator.ApMethod method) {
    this.classNames = classNames;
    this.iouThresholds = iouThresholds;
    this.ap = ap;
    this.npos = npos;
    this.method = method;
  }

  public List<String> classNames() {
    return classNames;
  }

  public double[] iouThresholds() {
    return iouThresholds.clone();
  }

  public DotaEvaluator.ApMethod method() {
    return method;
  }

  /** AP of a class at threshold index t (NaN for a class without non-difficult GT). */
  public double ap(int t, String className) {
    int c = classNames.indexOf(className);
    if (c < 0) {
      throw new IllegalArgumentException("class '" + className + "' was not evaluated");
    }
    return ap[t][c];
  }

  /** Class name → AP at threshold index t, in class order. */
  public Map<String, Double> perClassAp(int t) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (int c = 0; c < classNames.size(); c++) {
      out.put(classNames.get(c), ap[t][c]);
    }
    return out;
  }

  /** AP of a class averaged over all thresholds (NaN for a class without non-difficult GT). */
  public double meanAp(String className) {
    double sum = 0;
    for (int t = 0; t < iouThresholds.length; t++) {
      sum += ap(t, className);
    }
    return sum / iouThresholds.length;
  }

  /** Number of non-difficult GT objects of a class. */
  public int npos(String className) {
    return npos[classNames.indexOf(className)];
  }

  /** mAP at threshold index t: mean AP over classes with GT (NaN if no class has GT). */
  public double map(int t) {
    return DotaEvaluator.nanMean(ap[t]);
  }

  /** Mean of {@link #map(int)} over all thresholds. */
  public double meanMap() {
    double sum = 0;
    for (int t = 0; t < iouThresholds.length; t++) {
      sum += map(t);
    }
    return sum / iouThresholds.length;
  }
}
