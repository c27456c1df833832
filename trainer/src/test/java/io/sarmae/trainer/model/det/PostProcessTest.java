package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.eval.geom.Polygons;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FcosDetector#postProcess} against a brute-force reading of its definition on random head
 * outputs: threshold, top-k per level, score x centerness, decode, and greedy class-wise NMS by
 * pairwise IoU (horizontal boxes, or rotated ones by exact polygon intersection).
 */
class PostProcessTest {

  record Cand(
      int level,
      int point,
      int category,
      double prob,
      double score,
      double[] box,
      RotatedBox obb) {}

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void matchesBruteForce(boolean oriented) {
    int[] strides = {8, 16};
    int height = 48;
    int width = 64;
    int k = 3;
    SplittableRandom r = new SplittableRandom(oriented ? 7 : 8);
    for (int trial = 0; trial < 20; trial++) {
      DetectorSpec det =
          new DetectorSpec(
              k,
              oriented,
              strides,
              8,
              1,
              trial % 2 == 0,
              true,
              1.5,
              0.25,
              2,
              1,
              1,
              0.3,
              4 + trial % 5,
              oriented ? 0.1 : 0.5,
              3 + trial % 6);
      float[][] cls = new float[2][];
      float[][] reg = new float[2][];
      float[][] ctr = new float[2][];
      float[][] ang = new float[2][];
      List<Cand> all = new ArrayList<>();
      for (int l = 0; l < 2; l++) {
        int s = strides[l];
        int gw = width / s;
        int hw = (height / s) * gw;
        cls[l] = new float[k * hw];
        reg[l] = new float[4 * hw];
        ctr[l] = new float[hw];
        ang[l] = new float[hw];
        for (int i = 0; i < cls[l].length; i++) {
          cls[l][i] = (float) r.nextDouble();
        }
        for (int i = 0; i < reg[l].length; i++) {
          reg[l][i] = (float) r.nextDouble(0.2, 2.5);
        }
        for (int i = 0; i < hw; i++) {
          ctr[l][i] = (float) r.nextDouble();
          ang[l][i] = (float) r.nextDouble(-2, 2);
        }
        // brute force: every (point, class) above the threshold, the top k by probability
        List<Cand> level = new ArrayList<>();
        for (int p = 0; p < hw; p++) {
          for (int c = 0; c < k; c++) {
            double prob = cls[l][c * hw + p];
            if (prob <= 0.3) {
              continue;
            }
            double px = (p % gw + 0.5) * s;
            double py = (p / gw + 0.5) * s;
            double le = reg[l][p] * s;
            double t = reg[l][hw + p] * s;
            double ri = reg[l][2 * hw + p] * s;
            double b = reg[l][3 * hw + p] * s;
            double score = det.centerness() ? prob * ctr[l][p] : prob;
            RotatedBox obb = null;
            double[] box;
            if (oriented) {
              double th = ang[l][p];
              double cx = px + Math.cos(th) * (ri - le) / 2 - Math.sin(th) * (b - t) / 2;
              double cy = py + Math.sin(th) * (ri - le) / 2 + Math.cos(th) * (b - t) / 2;
              obb = new RotatedBox(cx, cy, le + ri, t + b, th);
              box = obb.bounds();
            } else {
              box =
                  new double[] {
                    Math.max(0, px - le),
                    Math.max(0, py - t),
                    Math.min(width, px + ri),
                    Math.min(height, py + b)
                  };
            }
            level.add(new Cand(l, p, c, prob, score, box, obb));
          }
        }
        level.sort(Comparator.comparingDouble(c -> -c.prob()));
        all.addAll(level.subList(0, Math.min(level.size(), det.topKPerLevel())));
      }
      all.sort(Comparator.comparingDouble(c -> -c.score()));
      List<Cand> kept = new ArrayList<>();
      for (Cand c : all) {
        boolean suppressed = false;
        for (Cand q : kept) {
          if (q.category() == c.category() && iou(q, c) > det.nmsIou()) {
            suppressed = true;
          }
        }
        if (!suppressed && kept.size() < det.maxPerImage()) {
          kept.add(c);
        }
      }

      List<Detection> got =
          FcosDetector.postProcess(det, height, width, cls, reg, ctr, oriented ? ang : null);
      assertThat(got).hasSize(kept.size());
      assertThat(kept.size()).isGreaterThan(1);
      for (int i = 0; i < got.size(); i++) {
        Detection d = got.get(i);
        Cand c = kept.get(i);
        assertThat(d.category()).isEqualTo(c.category());
        assertThat(d.score()).isCloseTo(c.score(), within(1e-9));
        assertThat(new double[] {d.x1(), d.y1(), d.x2(), d.y2()})
            .containsExactly(c.box(), within(1e-6));
        if (oriented) {
          assertThat(RotatedBox.iou(d.obb(), c.obb())).isCloseTo(1.0, within(1e-9));
          assertThat(d.obb().w()).isGreaterThanOrEqualTo(d.obb().h()); // le90
        } else {
          assertThat(d.obb()).isNull();
        }
      }
    }
  }

  private static double iou(Cand a, Cand b) {
    if (a.obb() != null) {
      return Polygons.iou(a.obb().toPolygon(), b.obb().toPolygon());
    }
    double w = Math.min(a.box()[2], b.box()[2]) - Math.max(a.box()[0], b.box()[0]);
    double h = Math.min(a.box()[3], b.box()[3]) - Math.max(a.box()[1], b.box()[1]);
    if (w <= 0 || h <= 0) {
      return 0;
    }
    double inter = w * h;
    double ua =
        (a.box()[2] - a.box()[0]) * (a.box()[3] - a.box()[1])
            + (b.box()[2] - b.box()[0]) * (b.box()[3] - b.box()[1])
            - inter;
    return inter / ua;
  }
}
