package io.sarmae.trainer.eval.geom;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Greedy class-wise non-maximum suppression, horizontal and rotated.
 *
 * <p>Definition (torchvision {@code batched_nms}, mmcv {@code nms} / {@code nms_rotated}): within
 * each class, boxes are visited in descending score order; a box is kept unless a kept box of the
 * same class overlaps it with IoU strictly greater than {@code iouThreshold}. Equal scores keep
 * their input order (stable sort). The result lists the kept indices over all classes in descending
 * score order (input order on ties), truncated to {@code maxKept}.
 */
public final class Nms {

  private Nms() {}

  /**
   * Class-wise NMS of axis-aligned boxes.
   *
   * @param boxes {@code [n][4]} boxes {@code [x1, y1, x2, y2]}
   * @param scores {@code [n]} scores
   * @param classes {@code [n]} class ids (pass all zeros for class-agnostic NMS)
   * @param iouThreshold suppress when IoU is strictly greater than this
   * @param maxKept at most this many kept boxes (use {@code Integer.MAX_VALUE} for no limit)
   * @return kept indices into the inputs, highest score first
   */
  public static int[] horizontal(
      double[][] boxes, double[] scores, int[] classes, double iouThreshold, int maxKept) {
    check(boxes.length, scores, classes);
    return run(
        scores,
        classes,
        iouThreshold,
        maxKept,
        (i, j) -> HorizontalBoxes.iouXyxy(boxes[i], boxes[j]));
  }

  /** Class-wise NMS of rotated boxes (exact rotated IoU); arguments as in {@link #horizontal}. */
  public static int[] rotated(
      RotatedBox[] boxes, double[] scores, int[] classes, double iouThreshold, int maxKept) {
    check(boxes.length, scores, classes);
    double[][] polys = new double[boxes.length][];
    double[][] bounds = new double[boxes.length][];
    for (int i = 0; i < boxes.length; i++) {
      polys[i] = boxes[i].toPolygon();
      bounds[i] = boxes[i].bounds();
    }
    return run(
        scores,
        classes,
        iouThreshold,
        maxKept,
        (i, j) -> {
          double[] a = bounds[i];
          double[] b = bounds[j];
          if (a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1]) {
            return 0.0;
          }
          double inter = Polygons.convexIntersectionArea(polys[i], polys[j]);
          double union = boxes[i].area() + boxes[j].area() - inter;
          return union > 0 ? inter / union : 0.0;
        });
  }

  private interface PairIou {
    double iou(int i, int j);
  }

  private static int[] run(
      double[] scores, int[] classes, double iouThreshold, int maxKept, PairIou pairIou) {
    if (maxKept < 0) {
      throw new IllegalArgumentException("maxKept must be >= 0, got " + maxKept);
    }
    Integer[] order = byDescendingScore(scores);
    Map<Integer, List<Integer>> keptPerClass = new LinkedHashMap<>();
    List<Integer> kept = new ArrayList<>();
    for (int i : order) {
      List<Integer> same = keptPerClass.computeIfAbsent(classes[i], c -> new ArrayList<>());
      boolean suppressed = false;
      for (int k : same) {
        if (pairIou.iou(k, i) > iouThreshold) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        same.add(i);
        kept.add(i);
      }
    }
    // Kept boxes of different classes never interact, so truncating after the greedy pass is
    // the same as stopping the pass once maxKept boxes are kept.
    return kept.stream().limit(maxKept).mapToInt(Integer::intValue).toArray();
  }

  /** Indices sorted by descending score, stable on ties (numpy argsort(-s, kind='mergesort')). */
  static Integer[] byDescendingScore(double[] scores) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      if (Double.isNaN(scores[i])) {
        throw new IllegalArgumentException("score " + i + " is NaN");
      }
      order[i] = i;
    }
    // Compare with < and > so that -0.0 and 0.0 tie, as in numpy; Arrays.sort on objects is stable.
    Comparator<Integer> desc = (a, b) -> scores[a] > scores[b] ? -1 : scores[a] < scores[b] ? 1 : 0;
    Arrays.sort(order, desc);
    return order;
  }

  private static void check(int n, double[] scores, int[] classes) {
    if (scores.length != n || classes.length != n) {
      throw new IllegalArgumentException(
          "boxes, scores and classes must have the same length, got "
              + n
              + ", "
              + scores.length
              + ", "
              + classes.length);
    }
  }
}
