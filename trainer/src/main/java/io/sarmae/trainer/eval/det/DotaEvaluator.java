package io.sarmae.trainer.eval.det;

import io.sarmae.trainer.eval.geom.Polygons;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DOTA-style mAP for oriented boxes, as DOTA_devkit's {@code dota_evaluation_task1.py} computes it.
 *
 * <p>Per class: npos = the number of non-difficult ground-truth (GT) objects over all evaluated
 * images; the class's detections over all images are sorted by descending score; each detection
 * takes the GT of its image and class with the highest polygon IoU (the first on ties). It is a
 * true positive when that IoU is strictly greater than the threshold and the GT is neither
 * difficult nor already used (the GT is then used); matched to a difficult GT it is neither true
 * nor false positive; otherwise (IoU ≤ threshold, or the GT already used: a duplicate) a false
 * positive. recall = cum(tp) / npos, precision = cum(tp) / max(cum(tp) + cum(fp), 2^−52); AP by
 * {@link ApMethod}.
 *
 * <p>IoU is the exact area of intersection of the two polygons over the area of their union
 * (polyiou's triangle-fan decomposition, valid for any simple polygon, so non-convex annotated
 * quadrilaterals are handled as the devkit handles them). The devkit first discards GT whose
 * horizontal bounding box, with its "+1 pixel" convention, does not overlap the detection's; those
 * GT have polygon IoU 0, so the result is the same.
 *
 * <p>Where this differs from the devkit, and why:
 *
 * <ul>
 *   <li>Mean over classes: the mean is over classes with at least one non-difficult GT (their AP is
 *       defined); a class without one has AP NaN and is left out. This is mmrotate's convention
 *       (its {@code eval_rbbox_map} averages over classes with GT); the devkit divides by all 15
 *       DOTA classes, which on a split lacking some class would count that class as 0. On a set
 *       containing every class both agree.
 *   <li>Score ties: the devkit sorts with numpy's default quicksort, whose order of equal scores is
 *       unspecified; here equal scores keep their input order (stable sort).
 *   <li>mmrotate 0.x (not the devkit) matches per image with IoU ≥ threshold, uses mmcv's rotated
 *       IoU on (cx, cy, w, h, θ) instead of the polygons, and keeps difficult objects as normal GT
 *       by default; the numbers can therefore differ slightly from mmrotate's. RSAR's mmrotate 1.x
 *       metric averages the mAP over IoU 0.50:0.05:0.95 — pass those thresholds to get its summary.
 * </ul>
 */
public final class DotaEvaluator {

  /** How AP is read off the precision/recall curve. */
  public enum ApMethod {
    /**
     * PASCAL VOC 2007: mean over t = 0, 0.1, …, 1 of the maximum precision at recall ≥ t (0 if no
     * such point); t is built as numpy's {@code arange(0., 1.1, 0.1)} builds it ({@code i * 0.1}).
     * The devkit's default and mmrotate's ("11points").
     */
    VOC07_11_POINT,
    /**
     * PASCAL VOC 2010+: area under the precision envelope (precision made non-increasing, summed
     * over recall changes, with sentinels (0, 0) and (1, 0)); mmrotate's "area".
     */
    ALL_POINT
  }

  private DotaEvaluator() {}

  /**
   * IoU 0.50:0.05:0.95 (10 thresholds, built as numpy's {@code linspace}), the list RSAR's
   * benchmark averages its mAP over.
   */
  public static double[] thresholds50To95() {
    return CocoParams.linspace(0.5, 0.95, 10);
  }

  /** mAP at IoU 0.5 with the devkit's 11-point AP. */
  public static DotaEvalResult evaluate(
      Collection<String> imageIds,
      List<String> classNames,
      List<DotaObject> groundTruth,
      List<DotaDetection> detections) {
    return evaluate(
        imageIds, classNames, groundTruth, detections, new double[] {0.5}, ApMethod.VOC07_11_POINT);
  }

  /**
   * Evaluates oriented detections.
   *
   * @param imageIds the evaluated images (the devkit's image-set file)
   * @param classNames the evaluated classes, in reporting order
   * @param groundTruth GT objects; objects of other images or classes are left out
   * @param detections detections; each must name an evaluated image (the devkit fails otherwise);
   *     detections of other classes are left out
   * @param iouThresholds one or more thresholds (a detection needs IoU strictly above one)
   * @param method the AP definition
   */
  public static DotaEvalResult evaluate(
      Collection<String> imageIds,
      List<String> classNames,
      List<DotaObject> groundTruth,
      List<DotaDetection> detections,
      double[] iouThresholds,
      ApMethod method) {
    if (iouThresholds.length == 0) {
      throw new IllegalArgumentException("at least one IoU threshold is needed");
    }
    Set<String> images = new HashSet<>(imageIds);
    Set<String> classes = new HashSet<>(classNames);
    if (classes.size() != classNames.size()) {
      throw new IllegalArgumentException("class names must be unique, got " + classNames);
    }
    for (DotaDetection d : detections) {
      if (!images.contains(d.imageId())) {
        throw new IllegalArgumentException(
            "detection names image '" + d.imageId() + "', which is not among the evaluated images");
      }
    }
    int nC = classNames.size();
    double[][] ap = new double[iouThresholds.length][nC];
    int[] npos = new int[nC];
    for (int c = 0; c < nC; c++) {
      String cls = classNames.get(c);
      Map<String, List<DotaObject>> gtByImage = new HashMap<>();
      for (DotaObject g : groundTruth) {
        if (g.className().equals(cls) && images.contains(g.imageId())) {
          gtByImage.computeIfAbsent(g.imageId(), k -> new ArrayList<>()).add(g);
          if (!g.difficult()) {
            npos[c]++;
          }
        }
      }
      List<DotaDetection> dets = new ArrayList<>();
      for (DotaDetection d : detections) {
        if (d.className().equals(cls)) {
          dets.add(d);
        }
      }
      // Stable sort by descending score (see the class comment on ties).
      dets.sort((a, b) -> CocoEvaluator.descending(a.score(), b.score()));
      // Best IoU and its GT per detection do not depend on the threshold: compute them once.
      double[] ovmax = new double[dets.size()];
      int[] jmax = new int[dets.size()];
      for (int d = 0; d < dets.size(); d++) {
        List<DotaObject> gts = gtByImage.getOrDefault(dets.get(d).imageId(), List.of());
        ovmax[d] = Double.NEGATIVE_INFINITY;
        jmax[d] = -1;
        double[] poly = dets.get(d).polygonUnsafe();
        for (int j = 0; j < gts.size(); j++) {
          double iou = Polygons.iou(gts.get(j).polygonUnsafe(), poly);
          if (iou > ovmax[d]) {
            ovmax[d] = iou;
            jmax[d] = j;
          }
        }
      }
      for (int t = 0; t < iouThresholds.length; t++) {
        double[] tp = new double[dets.size()];
        double[] fp = new double[dets.size()];
        Map<String, boolean[]> used = new HashMap<>();
        for (int d = 0; d < dets.size(); d++) {
          String img = dets.get(d).imageId();
          if (ovmax[d] > iouThresholds[t]) {
            List<DotaObject> gts = gtByImage.get(img);
            if (!gts.get(jmax[d]).difficult()) {
              boolean[] u = used.computeIfAbsent(img, k -> new boolean[gts.size()]);
              if (!u[jmax[d]]) {
                tp[d] = 1;
                u[jmax[d]] = true;
              } else {
                fp[d] = 1;
              }
            }
          } else {
            fp[d] = 1;
          }
        }
        ap[t][c] = npos[c] == 0 ? Double.NaN : averagePrecision(tp, fp, npos[c], method);
      }
    }
    return new DotaEvalResult(List.copyOf(classNames), iouThresholds.clone(), ap, npos, method);
  }

  /** AP of a ranked list of true/false positives (cumulated here) with npos positives. */
  static double averagePrecision(double[] tp, double[] fp, int npos, ApMethod method) {
    int n = tp.length;
    double[] rec = new double[n];
    double[] prec = new double[n];
    double ctp = 0;
    double cfp = 0;
    double eps = Math.ulp(1.0); // np.finfo(np.float64).eps
    for (int i = 0; i < n; i++) {
      ctp += tp[i];
      cfp += fp[i];
      rec[i] = ctp / npos;
      prec[i] = ctp / Math.max(ctp + cfp, eps);
    }
    return method == ApMethod.VOC07_11_POINT ? elevenPoint(rec, prec) : allPoint(rec, prec);
  }

  /** VOC 2007 11-point AP (see {@link ApMethod#VOC07_11_POINT}). */
  public static double elevenPoint(double[] rec, double[] prec) {
    double ap = 0;
    for (int i = 0; i <= 10; i++) {
      double t = i * 0.1;
      double p = 0;
      boolean any = false;
      for (int k = 0; k < rec.length; k++) {
        if (rec[k] >= t) {
          p = any ? Math.max(p, prec[k]) : prec[k];
          any = true;
        }
      }
      ap += p / 11.0;
    }
    return ap;
  }

  /** VOC 2010+ all-point AP (see {@link ApMethod#ALL_POINT}). */
  public static double allPoint(double[] rec, double[] prec) {
    int n = rec.length;
    double[] mrec = new double[n + 2];
    double[] mpre = new double[n + 2];
    mrec[n + 1] = 1.0;
    System.arraycopy(rec, 0, mrec, 1, n);
    System.arraycopy(prec, 0, mpre, 1, n);
    for (int i = mpre.length - 1; i > 0; i--) {
      mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
    }
    double ap = 0;
    for (int i = 0; i < mrec.length - 1; i++) {
      if (mrec[i + 1] != mrec[i]) {
        ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
      }
    }
    return ap;
  }

  static double nanMean(double[] values) {
    return Arrays.stream(values).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
  }
}
