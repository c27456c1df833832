package io.sarmae.trainer.eval.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-built cases for pycocotools' bbox evaluation; each expected value is derived in a comment.
 * Notation: rc / pr = recall / precision after each detection in score order; "env" = precision
 * after the right-to-left envelope; 101 recall points r = 0, .01, ..., 1 (50 * 0.01 == 0.5 exactly
 * in doubles, as in numpy). Precision is tp / (tp + fp + 2^-52), so a perfect AP is
 * 0.9999999999999999 in pycocotools and here; hence the tolerance on "1".
 */
class CocoEvaluatorTest {

  private static final double EPS = 1e-12;

  private static CocoAnnotation gt(long img, int cat, double x, double y, double w, double h) {
    return CocoAnnotation.box(img, cat, x, y, w, h);
  }

  private static CocoDetection det(
      long img, int cat, double x, double y, double w, double h, double score) {
    return new CocoDetection(img, cat, x, y, w, h, score);
  }

  private static CocoSummary summary(
      List<Long> images, List<Integer> cats, List<CocoAnnotation> gts, List<CocoDetection> dets) {
    return CocoEvaluator.evaluate(images, cats, gts, dets).summary();
  }

  @Test
  void perfectDetectionsScoreOneAndEmptyRangesMinusOne() {
    // Image 1: a 50x40 box (area 2000: medium); image 2: a 20x20 box (area 400: small).
    List<CocoAnnotation> gts = List.of(gt(1, 1, 10, 10, 50, 40), gt(2, 1, 100, 100, 20, 20));
    List<CocoDetection> dets =
        List.of(det(1, 1, 10, 10, 50, 40, 0.9), det(2, 1, 100, 100, 20, 20, 0.8));
    CocoSummary s = summary(List.of(1L, 2L), List.of(1), gts, dets);
    assertThat(s.toArray())
        .containsExactly(new double[] {1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1}, within(EPS));
  }

  /**
   * Two GT, a false positive scored above two exact true positives. Order FP, TP, TP: rc = [0, .5,
   * 1], pr = [0, 1/2, 2/3], env = [2/3, 2/3, 2/3]: every recall point reads 2/3 at every IoU
   * threshold, so AP = 2/3. AR@1 uses only the top detection of the image (the FP): 0.
   */
  @Test
  void singleFalsePositiveAboveAllTruePositives() {
    List<CocoAnnotation> gts = List.of(gt(1, 1, 0, 0, 10, 10), gt(1, 1, 50, 50, 10, 10));
    List<CocoDetection> dets =
        List.of(
            det(1, 1, 0, 0, 10, 10, 0.8),
            det(1, 1, 200, 200, 10, 10, 0.9),
            det(1, 1, 50, 50, 10, 10, 0.7));
    CocoSummary s = summary(List.of(1L), List.of(1), gts, dets);
    assertThat(s.ap()).isCloseTo(2.0 / 3, within(EPS));
    assertThat(s.ap50()).isCloseTo(2.0 / 3, within(EPS));
    assertThat(s.ar1()).isZero();
    assertThat(s.ar10()).isCloseTo(1.0, within(EPS));
  }

  /**
   * GT A and B; detections A (.9), a duplicate of A (.8), B (.7): TP, FP, TP. rc = [.5, .5, 1], pr
   * = [1, 1/2, 2/3], env = [1, 2/3, 2/3]. Recall points 0..0.50 (51 of them) read index 0 → 1;
   * 0.51..1 (50) read index 2 → 2/3. AP = (51 + 50 * 2/3) / 101 = 253/303 at every threshold.
   */
  @Test
  void duplicateDetectionIsAFalsePositive() {
    List<CocoAnnotation> gts = List.of(gt(1, 1, 0, 0, 10, 10), gt(1, 1, 50, 50, 10, 10));
    List<CocoDetection> dets =
        List.of(
            det(1, 1, 0, 0, 10, 10, 0.9),
            det(1, 1, 0, 0, 10, 10, 0.8),
            det(1, 1, 50, 50, 10, 10, 0.7));
    CocoSummary s = summary(List.of(1L), List.of(1), gts, dets);
    assertThat(s.ap()).isCloseTo(253.0 / 303, within(EPS));
    assertThat(s.ar100()).isCloseTo(1.0, within(EPS));
  }

  /**
   * A detection with IoU exactly 0.6 (6x10 inside 10x10: 60/100) matches at thresholds .50, .55 and
   * .60 (pycocotools accepts IoU ≥ t; 2 * step + 0.5 == 0.6 in doubles) and at none of the 7
   * others: AP = 3/10, AP50 = 1, AP75 = 0.
   */
  @Test
  void iouThresholdsAreInclusive() {
    CocoSummary s =
        summary(
            List.of(1L),
            List.of(1),
            List.of(gt(1, 1, 0, 0, 10, 10)),
            List.of(det(1, 1, 0, 0, 6, 10, 0.5)));
    assertThat(s.ap()).isCloseTo(0.3, within(EPS));
    assertThat(s.ap50()).isCloseTo(1.0, within(EPS));
    assertThat(s.ap75()).isZero();
  }

  /**
   * Crowd region C (iscrowd, 100x100) next to a regular GT A. Detections inside C are matched to it
   * (crowd IoU = intersection / detection area = 1), any number of times, and ignored; so AP = 1.
   * With the crowd flag off, C is a regular GT: A TP, then two FP (IoU .04): npig = 2, rc = [.5,
   * .5, .5], env = [1, 1/2, 1/3]; points 0..0.50 read 1, the other 50 read 0: AP = 51/101.
   */
  @Test
  void crowdRegionsAbsorbDetectionsWithoutCounting() {
    List<CocoDetection> dets =
        List.of(
            det(1, 1, 0, 0, 10, 10, 0.9),
            det(1, 1, 110, 10, 20, 20, 0.8),
            det(1, 1, 150, 50, 20, 20, 0.7));
    CocoAnnotation a = gt(1, 1, 0, 0, 10, 10);
    CocoAnnotation crowd = new CocoAnnotation(1, 1, 100, 0, 100, 100, 10000, true);
    CocoAnnotation notCrowd = new CocoAnnotation(1, 1, 100, 0, 100, 100, 10000, false);
    assertThat(summary(List.of(1L), List.of(1), List.of(a, crowd), dets).ap())
        .isCloseTo(1.0, within(EPS));
    assertThat(summary(List.of(1L), List.of(1), List.of(a, notCrowd), dets).ap())
        .isCloseTo(51.0 / 101, within(EPS));
  }

  /**
   * A detection half inside the crowd region (20x10, 10x10 of it inside): crowd IoU 100/200 = .5.
   * Scored above the true positive: at t = .5 it is matched to the crowd and ignored (AP_t = 1); at
   * the 9 higher thresholds it is an FP ranked first: rc = [0, 1], env = [.5, .5] → AP_t = .5. AP =
   * (1 + 9 * .5) / 10 = .55.
   */
  @Test
  void crowdIouIsIntersectionOverDetectionArea() {
    CocoAnnotation a = gt(1, 1, 0, 0, 10, 10);
    CocoAnnotation crowd = new CocoAnnotation(1, 1, 100, 0, 100, 100, 10000, true);
    List<CocoDetection> dets =
        List.of(det(1, 1, 0, 0, 10, 10, 0.9), det(1, 1, 190, 0, 20, 10, 0.95));
    CocoSummary s = summary(List.of(1L), List.of(1), List.of(a, crowd), dets);
    assertThat(s.ap50()).isCloseTo(1.0, within(EPS));
    assertThat(s.ap75()).isCloseTo(0.5, within(EPS));
    assertThat(s.ap()).isCloseTo(0.55, within(EPS));
  }

  /**
   * Regular GT R (10x10) inside a crowd C (100x100) that comes first in the input. Detection D =
   * 10x6 in R's corner: IoU(D, R) = .6, crowd IoU(D, C) = 60/60 = 1. pycocotools sorts ignored GT
   * last and, once D holds a match to a regular GT, stops at the first ignored one: for t ≤ .6 D is
   * R's TP (AP_t = 1); for t ≥ .65 R is out of reach, D matches C and is ignored (AP_t = 0). AP =
   * 3/10. (Taking the best IoU over all GT would always pick C: AP 0; scanning C first without the
   * sort would too.)
   */
  @Test
  void ignoredGroundTruthIsScannedLastAndStopsTheSearch() {
    CocoAnnotation crowd = new CocoAnnotation(1, 1, 0, 0, 100, 100, 10000, true);
    CocoAnnotation r = gt(1, 1, 0, 0, 10, 10);
    CocoSummary s =
        summary(List.of(1L), List.of(1), List.of(crowd, r), List.of(det(1, 1, 0, 0, 10, 6, 0.9)));
    assertThat(s.ap()).isCloseTo(0.3, within(EPS));
    assertThat(s.ap50()).isCloseTo(1.0, within(EPS));
  }

  /**
   * Ranges use the GT's area field: GT1 is a 10x10 box whose area field says 2000 (medium); GT2 is
   * 100x100 (large). Exact detections, plus an unmatched 5x5 FP (area 25, small) scored highest.
   *
   * <ul>
   *   <li>all: FP, TP, TP → env 2/3 everywhere: AP 2/3.
   *   <li>medium: GT2 ignored (its detection too, matched to an ignored GT); the FP is outside the
   *       range and unmatched → ignored; the detection of GT1 (box area 100, outside medium) is
   *       matched to a non-ignored GT → TP: AP 1.
   *   <li>large: GT1 ignored, FP ignored, GT2 TP: AP 1. small: no non-ignored GT: −1.
   * </ul>
   */
  @Test
  void areaRangesUseTheAnnotationAreaAndIgnoreOutOfRangeDetections() {
    List<CocoAnnotation> gts =
        List.of(new CocoAnnotation(1, 1, 0, 0, 10, 10, 2000, false), gt(1, 1, 100, 100, 100, 100));
    List<CocoDetection> dets =
        List.of(
            det(1, 1, 0, 0, 10, 10, 0.9),
            det(1, 1, 100, 100, 100, 100, 0.8),
            det(1, 1, 500, 500, 5, 5, 0.99));
    CocoSummary s = summary(List.of(1L), List.of(1), gts, dets);
    assertThat(s.ap()).isCloseTo(2.0 / 3, within(EPS));
    assertThat(s.apSmall()).isEqualTo(-1);
    assertThat(s.apMedium()).isCloseTo(1.0, within(EPS));
    assertThat(s.apLarge()).isCloseTo(1.0, within(EPS));
    assertThat(s.arSmall()).isEqualTo(-1);
    assertThat(s.arMedium()).isCloseTo(1.0, within(EPS));
  }

  /**
   * 12 GT on one image, 12 exact detections with distinct scores. AR@1 = 1/12, AR@10 = 10/12,
   * AR@100 = 1; AP at maxDets 1: rc = [1/12], pr = [1]: points r ≤ 1/12 (r = 0..0.08, 9 points)
   * read 1, the rest 0: 9/101.
   */
  @Test
  void maxDetsLimitDetectionsPerImage() {
    List<CocoAnnotation> gts = new ArrayList<>();
    List<CocoDetection> dets = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      gts.add(gt(1, 1, 20 * i, 0, 10, 10));
      dets.add(det(1, 1, 20 * i, 0, 10, 10, 1.0 - i * 0.01));
    }
    CocoEvalResult r = CocoEvaluator.evaluate(List.of(1L), List.of(1), gts, dets);
    CocoSummary s = r.summary();
    assertThat(s.ar1()).isCloseTo(1.0 / 12, within(EPS));
    assertThat(s.ar10()).isCloseTo(10.0 / 12, within(EPS));
    assertThat(s.ar100()).isCloseTo(1.0, within(EPS));
    assertThat(s.ap()).isCloseTo(1.0, within(EPS));
    assertThat(r.summarize(true, null, "all", 1)).isCloseTo(9.0 / 101, within(EPS));
  }

  /** Categories without GT are −1 in the arrays, left out of the mean, NaN per category. */
  @Test
  void categoryWithoutGroundTruthIsLeftOut() {
    List<CocoAnnotation> gts = List.of(gt(1, 1, 0, 0, 10, 10));
    List<CocoDetection> dets = List.of(det(1, 1, 0, 0, 10, 10, 0.9), det(1, 2, 0, 0, 10, 10, 0.95));
    CocoEvalResult r = CocoEvaluator.evaluate(List.of(1L), List.of(1, 2, 3), gts, dets);
    assertThat(r.summary().ap()).isCloseTo(1.0, within(EPS));
    Map<Integer, Double> perCat = r.perCategoryAp(null);
    assertThat(perCat).containsOnlyKeys(1, 2, 3);
    assertThat(perCat.get(1)).isCloseTo(1.0, within(EPS));
    assertThat(perCat.get(2)).isNaN();
    assertThat(perCat.get(3)).isNaN();
    assertThat(r.precision(0, 0, 1, 0, 2)).isEqualTo(-1);
    assertThat(r.perCategoryAp(0.5).get(1)).isCloseTo(1.0, within(EPS));
    // Detections of a category that is not evaluated are left out.
    assertThat(CocoEvaluator.evaluate(List.of(1L), List.of(1), gts, dets).summary().ap())
        .isCloseTo(1.0, within(EPS));
  }

  /**
   * Equal scores keep pycocotools' order: images in ascending id, then input order (a stable
   * mergesort of −score). FP first: rc = [0, 1], env = [.5, .5] → AP .5; TP first: env [1, .5] → AP
   * 1.
   */
  @Test
  void equalScoresAreBrokenByImageIdThenInputOrder() {
    CocoAnnotation onImage2 = gt(2, 1, 0, 0, 10, 10);
    List<CocoDetection> fpOnImage1First =
        List.of(det(2, 1, 0, 0, 10, 10, 0.5), det(1, 1, 0, 0, 10, 10, 0.5));
    assertThat(summary(List.of(2L, 1L), List.of(1), List.of(onImage2), fpOnImage1First).ap())
        .isCloseTo(0.5, within(EPS));
    CocoAnnotation onImage1 = gt(1, 1, 0, 0, 10, 10);
    List<CocoDetection> tpOnImage1 =
        List.of(det(2, 1, 0, 0, 10, 10, 0.5), det(1, 1, 0, 0, 10, 10, 0.5));
    assertThat(summary(List.of(1L, 2L), List.of(1), List.of(onImage1), tpOnImage1).ap())
        .isCloseTo(1.0, within(EPS));
    // Same image: the first listed of two equal scores ranks first.
    List<CocoDetection> fpListedFirst =
        List.of(det(1, 1, 50, 50, 10, 10, 0.5), det(1, 1, 0, 0, 10, 10, 0.5));
    assertThat(summary(List.of(1L), List.of(1), List.of(onImage1), fpListedFirst).ap())
        .isCloseTo(0.5, within(EPS));
    List<CocoDetection> tpListedFirst =
        List.of(det(1, 1, 0, 0, 10, 10, 0.5), det(1, 1, 50, 50, 10, 10, 0.5));
    assertThat(summary(List.of(1L), List.of(1), List.of(onImage1), tpListedFirst).ap())
        .isCloseTo(1.0, within(EPS));
  }

  @Test
  void imagesWithoutGroundTruthContributeFalsePositives() {
    // Image 2 has no annotation; its detection is an FP ranked first: AP .5 (as above).
    CocoSummary s =
        summary(
            List.of(1L, 2L),
            List.of(1),
            List.of(gt(1, 1, 0, 0, 10, 10)),
            List.of(det(1, 1, 0, 0, 10, 10, 0.5), det(2, 1, 0, 0, 10, 10, 0.6)));
    assertThat(s.ap()).isCloseTo(0.5, within(EPS));
  }

  @Test
  void noGroundTruthAtAllGivesMinusOne() {
    CocoSummary s =
        summary(List.of(1L), List.of(1), List.of(), List.of(det(1, 1, 0, 0, 10, 10, 0.5)));
    assertThat(s.toArray()).containsOnly(-1.0);
  }

  @Test
  void badInputIsNamed() {
    assertThatThrownBy(
            () ->
                CocoEvaluator.evaluate(
                    List.of(1L), List.of(1), List.of(), List.of(det(9, 1, 0, 0, 1, 1, 0.5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image_id 9");
    assertThatThrownBy(() -> det(1, 1, 0, 0, -1, 1, 0.5)).hasMessageContaining("w, h finite");
    assertThatThrownBy(() -> det(1, 1, 0, 0, 1, 1, Double.NaN)).hasMessageContaining("score");
  }

  @Test
  void defaultThresholdsAreBuiltLikeNumpyLinspace() {
    CocoParams p = CocoParams.bbox();
    assertThat(p.iouThresholds()).hasSize(10);
    assertThat(p.iouThresholds()[0]).isEqualTo(0.5);
    assertThat(p.iouThresholds()[8]).isEqualTo(0.8999999999999999); // numpy prints the same
    assertThat(p.iouThresholds()[9]).isEqualTo(0.95);
    assertThat(p.recallThresholds()).hasSize(101);
    assertThat(p.recallThresholds()[35]).isEqualTo(35 * 0.01); // 0.35000000000000003
    assertThat(p.recallThresholds()[100]).isCloseTo(1.0, within(EPS));
  }
}
