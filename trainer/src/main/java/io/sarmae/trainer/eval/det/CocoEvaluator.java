package io.sarmae.trainer.eval.det;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * COCO box evaluation exactly as pycocotools' {@code COCOeval} with {@code iouType='bbox'} ({@code
 * evaluate()}, {@code accumulate()}, {@code summarize()}).
 *
 * <p><b>Per image and category</b> ({@code evaluateImg}): ground truth (GT) is "ignored" when it is
 * a crowd region ({@code iscrowd}; any separate {@code ignore} field is overwritten by it in
 * pycocotools, so there is none here) or when its {@code area} field lies outside the area range.
 * GT is stably sorted non-ignored first; detections are stably sorted by descending score (numpy
 * {@code argsort(-score, kind='mergesort')}: equal scores keep their input order) and cut to the
 * largest maxDets. IoU is {@code bbIou}: continuous coordinates, and for a crowd GT the union is
 * the detection's own area. For every IoU threshold t the detections, in score order, are matched
 * greedily: each scans the GT in sorted order, skips GT already matched unless it is a crowd, stops
 * at the first ignored GT once it holds a match to a non-ignored one, and takes the GT with the
 * highest IoU ≥ min(t, 1 − 1e−10) (on equal IoU the later GT in scan order wins, because
 * pycocotools skips only {@code iou < best}). A detection matched to an ignored GT is ignored; an
 * unmatched detection whose area ({@code w * h}) is outside the range is ignored. An image ×
 * category with neither GT nor detections contributes nothing.
 *
 * <p><b>Accumulate</b>: for each category, area range and maxDet the first maxDet detections of
 * every image (images in ascending id order) are concatenated and stably sorted by descending
 * score; ignored detections are neither true nor false positives. With npig the number of
 * non-ignored GT (setting skipped, value −1, when 0): recall = tp / npig, precision = tp / (tp + fp
 * + 2^−52), precision made non-increasing from the right, and for each recall threshold the
 * precision at the first index whose recall ≥ the threshold (numpy {@code
 * searchsorted(side='left')}), 0 past the end. Recall is the final recall (0 without detections).
 *
 * <p><b>Summaries</b> average every entry that is not −1 (so categories without GT do not count);
 * −1 when none is left. Per-category AP is mmdetection's {@code classwise} value: the mean of the
 * category's precision over IoU thresholds and recall points at area "all" and the largest maxDets,
 * NaN without GT.
 *
 * <p><b>Deviation</b>: pycocotools records a match by storing the GT's {@code id}, so a GT whose id
 * is 0 is treated as unmatched; annotations here carry no id and a match is a match.
 */
public final class CocoEvaluator {

  private CocoEvaluator() {}

  /**
   * {@link #evaluate(Collection, Collection, List, List, CocoParams)} with {@link
   * CocoParams#bbox()}.
   */
  public static CocoEvalResult evaluate(
      Collection<Long> imageIds,
      Collection<Integer> categoryIds,
      List<CocoAnnotation> groundTruth,
      List<CocoDetection> detections) {
    return evaluate(imageIds, categoryIds, groundTruth, detections, CocoParams.bbox());
  }

  /**
   * Evaluates detections against ground truth.
   *
   * @param imageIds the evaluated images (COCO {@code images[].id}); images without annotations
   *     count (their detections are false positives)
   * @param categoryIds the evaluated categories (COCO {@code categories[].id}); GT and detections
   *     of other categories are left out, as pycocotools' {@code getAnnIds(catIds=...)} does
   * @param groundTruth the annotations
   * @param detections the detections; every image id must be in {@code imageIds} (pycocotools'
   *     {@code loadRes} asserts the same)
   */
  public static CocoEvalResult evaluate(
      Collection<Long> imageIds,
      Collection<Integer> categoryIds,
      List<CocoAnnotation> groundTruth,
      List<CocoDetection> detections,
      CocoParams params) {
    long[] imgs = new TreeSet<>(imageIds).stream().mapToLong(Long::longValue).toArray();
    int[] cats = new TreeSet<>(categoryIds).stream().mapToInt(Integer::intValue).toArray();
    Set<Long> imgSet = new HashSet<>(imageIds);
    Set<Integer> catSet = new HashSet<>(categoryIds);
    for (CocoDetection d : detections) {
      if (!imgSet.contains(d.imageId())) {
        throw new IllegalArgumentException(
            "detection refers to image_id "
                + d.imageId()
                + ", which is not among the evaluated images; results must only name images of the"
                + " ground truth set");
      }
    }
    Map<Key, List<CocoAnnotation>> gts = new HashMap<>();
    for (CocoAnnotation g : groundTruth) {
      if (imgSet.contains(g.imageId()) && catSet.contains(g.categoryId())) {
        gts.computeIfAbsent(new Key(g.imageId(), g.categoryId()), k -> new ArrayList<>()).add(g);
      }
    }
    Map<Key, List<CocoDetection>> dts = new HashMap<>();
    for (CocoDetection d : detections) {
      if (catSet.contains(d.categoryId())) {
        dts.computeIfAbsent(new Key(d.imageId(), d.categoryId()), k -> new ArrayList<>()).add(d);
      }
    }

    int nA = params.areaRanges().size();
    int maxDet = params.maxDets()[params.maxDets().length - 1];
    EvalImg[][][] evalImgs = new EvalImg[cats.length][nA][imgs.length];
    for (int k = 0; k < cats.length; k++) {
      for (int i = 0; i < imgs.length; i++) {
        Key key = new Key(imgs[i], cats[k]);
        List<CocoAnnotation> g = gts.getOrDefault(key, List.of());
        List<CocoDetection> d = dts.getOrDefault(key, List.of());
        if (g.isEmpty() && d.isEmpty()) {
          continue;
        }
        List<CocoDetection> sorted = sortedByScore(d, maxDet);
        double[][] ious = computeIou(g, sorted);
        for (int a = 0; a < nA; a++) {
          evalImgs[k][a][i] =
              evaluateImg(g, sorted, ious, params.areaRanges().get(a), maxDet, params);
        }
      }
    }
    return accumulate(cats, evalImgs, params);
  }

  private record Key(long imageId, int categoryId) {}

  /** One image × category × area range: what accumulate needs of pycocotools' evalImgs entry. */
  private record EvalImg(
      double[] dtScores, boolean[][] dtMatched, boolean[][] dtIgnore, boolean[] gtIgnore) {}

  /** Stable sort by descending score (ties in input order), cut to {@code limit}. */
  private static List<CocoDetection> sortedByScore(List<CocoDetection> dets, int limit) {
    Integer[] order = new Integer[dets.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> descending(dets.get(a).score(), dets.get(b).score()));
    List<CocoDetection> out = new ArrayList<>();
    for (int i = 0; i < order.length && i < limit; i++) {
      out.add(dets.get(order[i]));
    }
    return out;
  }

  /** Comparator for descending order in which -0.0 and 0.0 tie, as in numpy. */
  static int descending(double a, double b) {
    return a > b ? -1 : a < b ? 1 : 0;
  }

  /** ious[d][g], detections in score order, GT in input order. */
  private static double[][] computeIou(List<CocoAnnotation> gts, List<CocoDetection> dets) {
    double[][] ious = new double[dets.size()][gts.size()];
    for (int d = 0; d < dets.size(); d++) {
      double[] db = dets.get(d).bbox();
      for (int g = 0; g < gts.size(); g++) {
        CocoAnnotation gt = gts.get(g);
        ious[d][g] =
            io.sarmae.trainer.eval.geom.HorizontalBoxes.iouXywh(db, gt.bbox(), gt.iscrowd());
      }
    }
    return ious;
  }

  private static EvalImg evaluateImg(
      List<CocoAnnotation> gtIn,
      List<CocoDetection> dtSorted,
      double[][] iousIn,
      CocoParams.AreaRange range,
      int maxDet,
      CocoParams params) {
    int nG = gtIn.size();
    boolean[] ignoreIn = new boolean[nG];
    for (int g = 0; g < nG; g++) {
      CocoAnnotation a = gtIn.get(g);
      ignoreIn[g] = a.iscrowd() || a.area() < range.min() || a.area() > range.max();
    }
    // gtind = argsort(_ignore, kind='mergesort'): non-ignored first, input order kept.
    int[] gtind = new int[nG];
    int pos = 0;
    for (int g = 0; g < nG; g++) {
      if (!ignoreIn[g]) {
        gtind[pos++] = g;
      }
    }
    for (int g = 0; g < nG; g++) {
      if (ignoreIn[g]) {
        gtind[pos++] = g;
      }
    }
    int nD = Math.min(maxDet, dtSorted.size());
    boolean[] gtIg = new boolean[nG];
    boolean[] crowd = new boolean[nG];
    for (int g = 0; g < nG; g++) {
      gtIg[g] = ignoreIn[gtind[g]];
      crowd[g] = gtIn.get(gtind[g]).iscrowd();
    }
    double[] thresholds = params.iouThresholds();
    int nT = thresholds.length;
    boolean[][] dtm = new boolean[nT][nD];
    boolean[][] dtIg = new boolean[nT][nD];
    for (int t = 0; t < nT; t++) {
      boolean[] gtm = new boolean[nG];
      for (int d = 0; d < nD; d++) {
        double best = Math.min(thresholds[t], 1 - 1e-10);
        int m = -1;
        for (int g = 0; g < nG; g++) {
          if (gtm[g] && !crowd[g]) {
            continue; // already matched and not a crowd
          }
          if (m > -1 && !gtIg[m] && gtIg[g]) {
            break; // holding a regular match, and the rest is ignored GT
          }
          double iou = iousIn[d][gtind[g]];
          if (iou < best) {
            continue;
          }
          best = iou;
          m = g;
        }
        if (m == -1) {
          continue;
        }
        dtIg[t][d] = gtIg[m];
        dtm[t][d] = true;
        gtm[m] = true;
      }
    }
    double[] scores = new double[nD];
    for (int d = 0; d < nD; d++) {
      CocoDetection det = dtSorted.get(d);
      scores[d] = det.score();
      boolean outside = det.area() < range.min() || det.area() > range.max();
      for (int t = 0; t < nT; t++) {
        dtIg[t][d] = dtIg[t][d] || (!dtm[t][d] && outside);
      }
    }
    return new EvalImg(scores, dtm, dtIg, gtIg);
  }

  private static CocoEvalResult accumulate(int[] cats, EvalImg[][][] evalImgs, CocoParams p) {
    int nT = p.iouThresholds().length;
    int nR = p.recallThresholds().length;
    int nK = cats.length;
    int nA = p.areaRanges().size();
    int nM = p.maxDets().length;
    double[] precision = new double[nT * nR * nK * nA * nM];
    double[] recall = new double[nT * nK * nA * nM];
    Arrays.fill(precision, -1);
    Arrays.fill(recall, -1);
    double eps = Math.ulp(1.0); // np.spacing(1)
    for (int k = 0; k < nK; k++) {
      for (int a = 0; a < nA; a++) {
        for (int m = 0; m < nM; m++) {
          int maxDet = p.maxDets()[m];
          List<EvalImg> e = new ArrayList<>();
          for (EvalImg img : evalImgs[k][a]) {
            if (img != null) {
              e.add(img);
            }
          }
          if (e.isEmpty()) {
            continue;
          }
          int total = 0;
          int npig = 0;
          for (EvalImg img : e) {
            total += Math.min(maxDet, img.dtScores().length);
            for (boolean ig : img.gtIgnore()) {
              if (!ig) {
                npig++;
              }
            }
          }
          if (npig == 0) {
            continue;
          }
          double[] scores = new double[total];
          int[] imgOf = new int[total];
          int[] detOf = new int[total];
          int n = 0;
          for (int i = 0; i < e.size(); i++) {
            int len = Math.min(maxDet, e.get(i).dtScores().length);
            for (int d = 0; d < len; d++) {
              scores[n] = e.get(i).dtScores()[d];
              imgOf[n] = i;
              detOf[n] = d;
              n++;
            }
          }
          Integer[] inds = new Integer[total];
          for (int i = 0; i < total; i++) {
            inds[i] = i;
          }
          Arrays.sort(inds, (x, y) -> descending(scores[x], scores[y]));
          for (int t = 0; t < nT; t++) {
            double[] rc = new double[total];
            double[] pr = new double[total];
            long tp = 0;
            long fp = 0;
            for (int j = 0; j < total; j++) {
              EvalImg img = e.get(imgOf[inds[j]]);
              int d = detOf[inds[j]];
              boolean matched = img.dtMatched()[t][d];
              boolean ignored = img.dtIgnore()[t][d];
              if (matched && !ignored) {
                tp++;
              } else if (!matched && !ignored) {
                fp++;
              }
              rc[j] = (double) tp / npig;
              pr[j] = tp / (fp + tp + eps);
            }
            recall[((t * nK + k) * nA + a) * nM + m] = total > 0 ? rc[total - 1] : 0;
            for (int j = total - 1; j > 0; j--) {
              if (pr[j] > pr[j - 1]) {
                pr[j - 1] = pr[j];
              }
            }
            double[] recThrs = p.recallThresholds();
            int j = 0;
            for (int r = 0; r < nR; r++) {
              while (j < total && rc[j] < recThrs[r]) {
                j++; // searchsorted(rc, thr, side='left'); rc and thresholds are ascending
              }
              precision[(((t * nR + r) * nK + k) * nA + a) * nM + m] = j < total ? pr[j] : 0;
            }
          }
        }
      }
    }
    return new CocoEvalResult(p, cats, precision, recall);
  }
}
