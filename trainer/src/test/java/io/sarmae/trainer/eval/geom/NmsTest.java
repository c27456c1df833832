package io.sarmae.trainer.eval.geom;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NmsTest {

  @Test
  void handBuiltHorizontalCase() {
    double[][] boxes = {
      {0, 0, 10, 10}, // 0: score .9, class 0: kept
      {1, 0, 11, 10}, // 1: IoU with 0 = 90 / 110 = .818 > .5: suppressed
      {1, 0, 11, 10}, // 2: same box but class 1: kept (class-wise)
      {20, 20, 30, 30}, // 3: far away: kept
      {5, 0, 15, 10}, // 4: IoU with 0 = 50 / 150 = 1/3 <= .5: kept
    };
    double[] scores = {0.9, 0.8, 0.7, 0.6, 0.95};
    int[] classes = {0, 0, 1, 0, 0};
    // Order by score: 4 (.95), 0 (.9), 1, 2, 3. Box 0 vs kept 4: IoU 1/3: kept.
    // Box 1 vs 4: 60 / 140 = .43, vs 0: .818 > .5: suppressed.
    assertThat(Nms.horizontal(boxes, scores, classes, 0.5, Integer.MAX_VALUE))
        .containsExactly(4, 0, 2, 3);
    assertThat(Nms.horizontal(boxes, scores, classes, 0.5, 2)).containsExactly(4, 0);
    // Class-agnostic (all one class): box 2 is now suppressed by box 0 too.
    assertThat(Nms.horizontal(boxes, scores, new int[5], 0.5, 100)).containsExactly(4, 0, 3);
  }

  @Test
  void equalScoresKeepInputOrder() {
    double[][] boxes = {{0, 0, 10, 10}, {0, 0, 10, 10}};
    assertThat(Nms.horizontal(boxes, new double[] {0.5, 0.5}, new int[2], 0.5, 10))
        .containsExactly(0);
    RotatedBox b = new RotatedBox(5, 5, 10, 4, 0.3);
    assertThat(Nms.rotated(new RotatedBox[] {b, b}, new double[] {0.5, 0.5}, new int[2], 0.1, 10))
        .containsExactly(0);
  }

  @Test
  void horizontalMatchesBruteForceOnRandomBoxes() {
    Random rnd = new Random(9);
    for (int trial = 0; trial < 100; trial++) {
      int n = 1 + rnd.nextInt(40);
      double[][] boxes = new double[n][];
      double[] scores = new double[n];
      int[] classes = new int[n];
      for (int i = 0; i < n; i++) {
        double x = rnd.nextDouble() * 50;
        double y = rnd.nextDouble() * 50;
        boxes[i] =
            new double[] {x, y, x + 1 + rnd.nextDouble() * 20, y + 1 + rnd.nextDouble() * 20};
        scores[i] = rnd.nextInt(10) / 10.0; // many ties
        classes[i] = rnd.nextInt(3);
      }
      double thr = 0.1 + rnd.nextDouble() * 0.7;
      double[][] iou = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          // Axis-aligned overlap written out here, independently of HorizontalBoxes.
          double iw =
              Math.max(0, Math.min(boxes[i][2], boxes[j][2]) - Math.max(boxes[i][0], boxes[j][0]));
          double ih =
              Math.max(0, Math.min(boxes[i][3], boxes[j][3]) - Math.max(boxes[i][1], boxes[j][1]));
          double inter = iw * ih;
          iou[i][j] = iou[j][i] = inter / (area(boxes[i]) + area(boxes[j]) - inter);
        }
      }
      assertThat(Nms.horizontal(boxes, scores, classes, thr, Integer.MAX_VALUE))
          .containsExactly(bruteForce(scores, classes, iou, thr));
    }
  }

  @Test
  void rotatedMatchesBruteForceOnRandomBoxes() {
    Random rnd = new Random(13);
    for (int trial = 0; trial < 40; trial++) {
      int n = 1 + rnd.nextInt(25);
      RotatedBox[] boxes = new RotatedBox[n];
      double[] scores = new double[n];
      int[] classes = new int[n];
      for (int i = 0; i < n; i++) {
        boxes[i] = RotatedBoxTest.randomBox(rnd);
        scores[i] = rnd.nextInt(10) / 10.0;
        classes[i] = rnd.nextInt(2);
      }
      double thr = 0.05 + rnd.nextDouble() * 0.6;
      double[][] iou = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          double inter = AwtArea.intersection(boxes[i].toPolygon(), boxes[j].toPolygon());
          iou[i][j] = iou[j][i] = inter / (boxes[i].area() + boxes[j].area() - inter);
        }
      }
      int[] kept = Nms.rotated(boxes, scores, classes, thr, Integer.MAX_VALUE);
      assertThat(kept).containsExactly(bruteForce(scores, classes, iou, thr));
    }
  }

  /**
   * The definition, independent of the production code's bookkeeping: rank all boxes by score
   * (stable); box i is kept iff no kept box ranked before it, of its class, has IoU > thr with it.
   * The rotated reference IoU comes from java.awt.geom.Area.
   */
  private static int[] bruteForce(double[] scores, int[] classes, double[][] iou, double thr) {
    int n = scores.length;
    List<Integer> rank = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rank.add(i);
    }
    rank.sort((a, b) -> Double.compare(scores[b], scores[a])); // List.sort is stable
    boolean[] keep = new boolean[n];
    for (int r = 0; r < n; r++) {
      int i = rank.get(r);
      keep[i] = true;
      for (int q = 0; q < r; q++) {
        int j = rank.get(q);
        if (keep[j] && classes[j] == classes[i] && iou[j][i] > thr + 1e-12) {
          keep[i] = false;
        }
      }
    }
    return rank.stream().filter(i -> keep[i]).mapToInt(Integer::intValue).toArray();
  }

  private static double area(double[] b) {
    return (b[2] - b[0]) * (b[3] - b[1]);
  }

  @Test
  void emptyInputKeepsNothing() {
    assertThat(Nms.horizontal(new double[0][], new double[0], new int[0], 0.5, 10)).isEmpty();
    assertThat(Arrays.stream(Nms.rotated(new RotatedBox[0], new double[0], new int[0], 0.5, 10)))
        .isEmpty();
  }
}
