package io.sarmae.trainer.eval.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.eval.det.DotaEvaluator.ApMethod;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-built cases for DOTA_devkit's task-1 mAP; expected values derived in the comments. */
class DotaEvaluatorTest {

  private static final double EPS = 1e-12;
  private static final List<String> SHIP = List.of("ship");

  private static double[] rect(double x1, double y1, double x2, double y2) {
    return new double[] {x1, y1, x2, y1, x2, y2, x1, y2};
  }

  private static DotaObject gt(String img, double[] poly) {
    return new DotaObject(img, "ship", poly, false);
  }

  private static DotaDetection det(String img, double score, double[] poly) {
    return new DotaDetection(img, "ship", score, poly);
  }

  private static double ap(List<DotaObject> gts, List<DotaDetection> dets, ApMethod method) {
    return DotaEvaluator.evaluate(List.of("a", "b"), SHIP, gts, dets, new double[] {0.5}, method)
        .ap(0, "ship");
  }

  @Test
  void perfectOrientedDetectionsScoreOne() {
    // Ships at 0, 45 and 90 degrees; the detections describe the same boxes differently (θ + π,
    // w and h swapped with θ + π/2, corners starting elsewhere) — the IoU is still 1.
    RotatedBox r0 = new RotatedBox(50, 50, 40, 10, 0);
    RotatedBox r45 = new RotatedBox(150, 50, 40, 10, Math.PI / 4);
    RotatedBox r90 = new RotatedBox(250, 50, 40, 10, Math.PI / 2);
    List<DotaObject> gts =
        List.of(gt("a", r0.toPolygon()), gt("a", r45.toPolygon()), gt("b", r90.toPolygon()));
    double[] p90 = r90.toPolygon();
    double[] p90Rolled = {p90[4], p90[5], p90[6], p90[7], p90[0], p90[1], p90[2], p90[3]};
    List<DotaDetection> dets =
        List.of(
            det("a", 0.9, new RotatedBox(50, 50, 40, 10, Math.PI).toPolygon()),
            det("a", 0.8, new RotatedBox(150, 50, 10, 40, Math.PI / 4 + Math.PI / 2).toPolygon()),
            det("b", 0.7, p90Rolled));
    for (ApMethod m : ApMethod.values()) {
      assertThat(ap(gts, dets, m)).as("%s", m).isCloseTo(1.0, within(EPS));
    }
  }

  /**
   * Four GT; ranked detections TP, FP, TP, FP, TP (one GT missed). rec = [.25, .25, .5, .5, .75],
   * prec = [1, 1/2, 2/3, 1/2, 3/5].
   *
   * <p>All-point: envelope over mrec = [0, .25, .25, .5, .5, .75, 1] is [1, 1, 2/3, 2/3, 3/5, 3/5,
   * 0]; AP = .25 * 1 + .25 * 2/3 + .25 * 3/5 + .25 * 0 = 1/4 + 1/6 + 3/20 = 17/30.
   *
   * <p>11-point: t = 0, .1, .2 → max prec at rec ≥ t = 1; t = .3 (numpy's 0.30000000000000004), .4,
   * .5 → 2/3; t = .6, .7 → 3/5; t = .8, .9, 1 → 0. AP = (3 + 3 * 2/3 + 2 * 3/5) / 11 = 6.2 / 11.
   */
  @Test
  void elevenPointAndAllPointOnAHandComputedCurve() {
    List<DotaObject> gts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      gts.add(gt("a", rect(100 * i, 0, 100 * i + 20, 10)));
    }
    List<DotaDetection> dets =
        List.of(
            det("a", 0.9, rect(0, 0, 20, 10)),
            det("a", 0.8, rect(0, 500, 20, 510)),
            det("a", 0.7, rect(100, 0, 120, 10)),
            det("b", 0.6, rect(0, 0, 20, 10)),
            det("a", 0.5, rect(200, 0, 220, 10)));
    assertThat(ap(gts, dets, ApMethod.ALL_POINT)).isCloseTo(17.0 / 30, within(EPS));
    assertThat(ap(gts, dets, ApMethod.VOC07_11_POINT)).isCloseTo(6.2 / 11, within(EPS));
    // The same numbers straight from the curve.
    double[] rec = {.25, .25, .5, .5, .75};
    double[] prec = {1, 0.5, 2.0 / 3, 0.5, 0.6};
    assertThat(DotaEvaluator.allPoint(rec, prec)).isCloseTo(17.0 / 30, within(EPS));
    assertThat(DotaEvaluator.elevenPoint(rec, prec)).isCloseTo(6.2 / 11, within(EPS));
  }

  @Test
  void elevenPointUsesNumpyArangeThresholds() {
    // Recall 0.3 (3/10) is below numpy's arange value 0.30000000000000004, so t = .3 sees only
    // the later point with precision .2: AP = (3 * 1 + 8 * .2) / 11.
    double[] rec = {0.1, 0.3, 1.0};
    double[] prec = {1.0, 1.0, 0.2};
    assertThat(DotaEvaluator.elevenPoint(rec, prec)).isCloseTo((3 * 1 + 8 * 0.2) / 11, within(EPS));
  }

  /**
   * GT A (normal) and D (difficult); detections on D (.9), an FP (.8), on A (.7). The detection on
   * D is neither TP nor FP and D is not counted: npos = 1, tp = [0, 0, 1], fp = [0, 1, 1], rec =
   * [0, 0, 1], prec = [0, 0, 1/2]; all-point AP = 1 * 1/2. (Counting it as an FP would give 1/3;
   * treating D as normal GT would give .5 * 1 + .5 * 2/3 = 5/6.)
   */
  @Test
  void difficultObjectsAreNeitherTruePositiveNorFalsePositive() {
    List<DotaObject> gts =
        List.of(
            gt("a", rect(0, 0, 20, 10)), new DotaObject("a", "ship", rect(100, 0, 120, 10), true));
    List<DotaDetection> dets =
        List.of(
            det("a", 0.9, rect(100, 0, 120, 10)),
            det("a", 0.8, rect(500, 0, 520, 10)),
            det("a", 0.7, rect(0, 0, 20, 10)));
    DotaEvalResult r =
        DotaEvaluator.evaluate(
            List.of("a"), SHIP, gts, dets, new double[] {0.5}, ApMethod.ALL_POINT);
    assertThat(r.npos("ship")).isEqualTo(1);
    assertThat(r.ap(0, "ship")).isCloseTo(0.5, within(EPS));
  }

  /**
   * GT A and B; detections A (.9), A again (.8), B (.7): TP, FP, TP. rec = [.5, .5, 1], prec = [1,
   * 1/2, 2/3]; all-point AP = .5 * 1 + .5 * 2/3 = 5/6.
   */
  @Test
  void duplicateDetectionsAreFalsePositives() {
    List<DotaObject> gts = List.of(gt("a", rect(0, 0, 20, 10)), gt("a", rect(100, 0, 120, 10)));
    List<DotaDetection> dets =
        List.of(
            det("a", 0.9, rect(0, 0, 20, 10)),
            det("a", 0.8, rect(1, 0, 21, 10)),
            det("a", 0.7, rect(100, 0, 120, 10)));
    assertThat(ap(gts, dets, ApMethod.ALL_POINT)).isCloseTo(5.0 / 6, within(EPS));
  }

  /**
   * The devkit needs IoU strictly above the threshold: a 10x5 half of a 10x10 GT (IoU exactly .5)
   * is a false positive at 0.5. A 6x10 part (IoU .6) is a TP at .50 and .55 but not at .60: over
   * RSAR's 0.50:0.05:0.95 the mAP is 2/10 (COCO's ≥ rule would give 3/10).
   */
  @Test
  void thresholdIsStrictAndCanBeAList() {
    List<DotaObject> gts = List.of(gt("a", rect(0, 0, 10, 10)));
    assertThat(ap(gts, List.of(det("a", 0.9, rect(0, 0, 10, 5))), ApMethod.ALL_POINT)).isZero();
    double[] thresholds = DotaEvaluator.thresholds50To95();
    assertThat(thresholds).hasSize(10).startsWith(0.5).endsWith(0.95);
    DotaEvalResult r =
        DotaEvaluator.evaluate(
            List.of("a"),
            SHIP,
            gts,
            List.of(det("a", 0.9, rect(0, 0, 6, 10))),
            thresholds,
            ApMethod.VOC07_11_POINT);
    assertThat(r.map(0)).isCloseTo(1.0, within(EPS));
    assertThat(r.map(1)).isCloseTo(1.0, within(EPS));
    assertThat(r.map(2)).isZero();
    assertThat(r.meanMap()).isCloseTo(0.2, within(EPS));
    assertThat(r.meanAp("ship")).isCloseTo(0.2, within(EPS));
  }

  /**
   * Two classes; "tank" has no GT: its AP is NaN and the mAP is ship's alone (mmrotate's
   * convention; the devkit would average in a 0).
   */
  @Test
  void classWithoutGroundTruthIsLeftOutOfTheMean() {
    List<DotaObject> gts = List.of(gt("a", rect(0, 0, 20, 10)));
    List<DotaDetection> dets =
        List.of(
            det("a", 0.9, rect(0, 0, 20, 10)),
            new DotaDetection("a", "tank", 0.8, rect(50, 50, 60, 60)));
    DotaEvalResult r =
        DotaEvaluator.evaluate(
            List.of("a"),
            List.of("ship", "tank"),
            gts,
            dets,
            new double[] {0.5},
            ApMethod.VOC07_11_POINT);
    assertThat(r.ap(0, "tank")).isNaN();
    assertThat(r.map(0)).isCloseTo(1.0, within(EPS));
    assertThat(r.perClassAp(0)).containsOnlyKeys("ship", "tank");
  }

  @Test
  void noDetectionsGiveZero() {
    List<DotaObject> gts = List.of(gt("a", rect(0, 0, 20, 10)));
    for (ApMethod m : ApMethod.values()) {
      assertThat(ap(gts, List.of(), m)).isZero();
    }
  }

  @Test
  void badInputIsNamed() {
    assertThatThrownBy(
            () ->
                DotaEvaluator.evaluate(
                    List.of("a"), SHIP, List.of(), List.of(det("zz", 0.5, rect(0, 0, 1, 1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'zz'");
    assertThatThrownBy(() -> new DotaDetection("a", "ship", 0.5, new double[] {0, 0, 1, 1}))
        .hasMessageContaining("at least 3");
    assertThatThrownBy(() -> new DotaObject("a b", "ship", rect(0, 0, 1, 1), false))
        .hasMessageContaining("without whitespace");
  }
}
