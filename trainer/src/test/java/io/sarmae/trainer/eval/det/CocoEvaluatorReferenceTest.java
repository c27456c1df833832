package io.sarmae.trainer.eval.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cross-check against an independent numpy re-implementation of pycocotools' COCOeval ({@code
 * coco_reference.py} next to this file, run with Debian's python3 + numpy; pycocotools itself is
 * not installed). Both generate the same seeded scenes with the same 64-bit LCG: 8 images with up
 * to 5 GT each over 3 categories (10 % crowd, 25 % with an area field unlike w·h), 0–2 jittered
 * detections per GT (1 in 8 with a wrong category), random false positives, one image with
 * detections only; scores k/40, so ties are frequent. The rows are the script's output: seed, GT
 * count, detection count, score sum (checks the generators agree), then the 12 stats.
 */
class CocoEvaluatorReferenceTest {

  private static final double[][] EXPECTED = {
    {
      1,
      28,
      46,
      20.724999999999998,
      0.19295503359859795,
      0.25252715747765253,
      0.2213207034989213,
      0.15333333333333332,
      0.286073607360736,
      0.15148514851485145,
      0.3625,
      0.43749999999999994,
      0.43749999999999994,
      0.4666666666666667,
      0.5027777777777778,
      0.15
    },
    {
      2,
      23,
      37,
      20.7,
      0.1744719471947195,
      0.24680051338467182,
      0.20232856618995235,
      0.15148514851485145,
      0.2622898004086123,
      0.0,
      0.1748148148148148,
      0.3231481481481481,
      0.3231481481481481,
      0.15,
      0.4172222222222222,
      0.0
    },
    {
      3,
      22,
      42,
      21.9,
      0.30009364031641256,
      0.418958562522919,
      0.32203887055372205,
      0.3130693069306931,
      0.3394086908690869,
      0.44999999999999996,
      0.3677777777777777,
      0.5122222222222221,
      0.5122222222222221,
      0.3333333333333333,
      0.5416666666666666,
      0.45
    },
    {
      4,
      21,
      34,
      15.925000000000002,
      0.14097802637406595,
      0.3682225365393682,
      0.11123076593373622,
      0.13615825868301112,
      0.21171617161716172,
      0.8999999999999999,
      0.21045454545454545,
      0.3559090909090909,
      0.3559090909090909,
      0.2472222222222222,
      0.46111111111111114,
      0.9
    },
    {
      5,
      25,
      54,
      25.425000000000004,
      0.43898575721269834,
      0.6320738590149743,
      0.5111701646355111,
      0.32244224422442236,
      0.5260649874511261,
      0.8432343234323432,
      0.36095238095238086,
      0.6372619047619047,
      0.6372619047619047,
      0.4555555555555556,
      0.6833333333333335,
      0.9333333333333332
    },
    {
      6,
      31,
      50,
      22.625,
      0.32861000886772584,
      0.4689503727360454,
      0.3450986614498554,
      0.23107810781078106,
      0.4073707370737074,
      0.5049504950495048,
      0.3236652236652237,
      0.49152236652236664,
      0.49152236652236664,
      0.4533333333333333,
      0.5888888888888889,
      0.5
    },
  };

  private static final class Lcg {
    private long s;

    Lcg(long seed) {
      s = seed;
    }

    int next(int n) {
      s = s * 6364136223846793005L + 1442695040888963407L; // mod 2^64 by overflow
      return (int) ((s >>> 33) % n);
    }
  }

  private record Scene(List<CocoAnnotation> gts, List<CocoDetection> dets) {}

  /** Mirrors generate() in coco_reference.py call for call. */
  private static Scene generate(long seed) {
    Lcg r = new Lcg(seed);
    List<CocoAnnotation> gts = new ArrayList<>();
    List<CocoDetection> dets = new ArrayList<>();
    for (int img = 1; img <= 8; img++) {
      int nG = r.next(6);
      for (int g = 0; g < nG; g++) {
        int cat = 1 + r.next(3);
        int x = r.next(200);
        int y = r.next(200);
        int w = 1 + r.next(120);
        int h = 1 + r.next(120);
        boolean crowd = r.next(10) == 0;
        int area = r.next(4) != 0 ? w * h : r.next(12000);
        gts.add(new CocoAnnotation(img, cat, x, y, w, h, area, crowd));
        int nD = r.next(3);
        for (int d = 0; d < nD; d++) {
          int dx = r.next(5) - 2;
          int dy = r.next(5) - 2;
          int dw = r.next(9) - 4;
          int dh = r.next(9) - 4;
          int dcat = r.next(8) != 0 ? cat : 1 + r.next(3);
          dets.add(
              new CocoDetection(
                  img,
                  dcat,
                  x + dx,
                  y + dy,
                  Math.max(1, w + dw),
                  Math.max(1, h + dh),
                  r.next(40) / 40.0));
        }
      }
      int nF = r.next(4);
      for (int f = 0; f < nF; f++) {
        dets.add(randomDetection(r, img));
      }
    }
    for (int f = 0; f < 3; f++) {
      dets.add(randomDetection(r, 9));
    }
    return new Scene(gts, dets);
  }

  private static CocoDetection randomDetection(Lcg r, long img) {
    int cat = 1 + r.next(3);
    int x = r.next(250);
    int y = r.next(250);
    int w = 1 + r.next(100);
    int h = 1 + r.next(100);
    return new CocoDetection(img, cat, x, y, w, h, r.next(40) / 40.0);
  }

  @Test
  void matchesTheNumpyReferenceOnSeededScenes() {
    for (double[] row : EXPECTED) {
      Scene scene = generate((long) row[0]);
      assertThat(scene.gts()).hasSize((int) row[1]);
      assertThat(scene.dets()).hasSize((int) row[2]);
      assertThat(scene.dets().stream().mapToDouble(CocoDetection::score).sum())
          .isCloseTo(row[3], within(1e-9));
      CocoSummary s =
          CocoEvaluator.evaluate(
                  List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L),
                  List.of(1, 2, 3),
                  scene.gts(),
                  scene.dets())
              .summary();
      double[] expected = new double[12];
      System.arraycopy(row, 4, expected, 0, 12);
      assertThat(s.toArray()).as("seed %d", (long) row[0]).containsExactly(expected, within(1e-12));
    }
  }
}
