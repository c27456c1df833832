package io.sarmae.trainer.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.noise.SpeckleNoise.Branch;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Statistics of SARE per branch (reference §2.3, §9 item 11). */
class SpeckleNoiseTest {
  private static final int H = 256;
  private static final int W = 256;

  private static float[] constant(int channels, float value) {
    float[] x = new float[channels * H * W];
    Arrays.fill(x, value);
    return x;
  }

  private static float[] randomImage(int channels, float lo, float hi, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[channels * H * W];
    for (int i = 0; i < x.length; i++) {
      x[i] = lo + (hi - lo) * rng.nextFloat();
    }
    return x;
  }

  private static float[] grayRgb(float lo, float hi, long seed) {
    float[] g = randomImage(1, lo, hi, seed);
    float[] x = new float[3 * g.length];
    for (int c = 0; c < 3; c++) {
      System.arraycopy(g, 0, x, c * g.length, g.length);
    }
    return x;
  }

  private static double mean(float[] x) {
    double s = 0;
    for (float v : x) {
      s += v;
    }
    return s / x.length;
  }

  /** Asserts lo <= min and max <= hi in one assertion (per-element AssertJ calls are slow). */
  private static void assertRange(float[] x, float lo, float hi) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isGreaterThanOrEqualTo(lo);
    assertThat(max).isLessThanOrEqualTo(hi);
  }

  @Test
  void outputStaysInRangeForEveryBranch() {
    float[] img = randomImage(3, 0f, 1f, 1);
    img[0] = 0f;
    img[1] = 1f;
    SplittableRandom rng = new SplittableRandom(2);
    for (double sigma : new double[] {0.0, 0.01, 0.05, 0.051, 0.3, 0.7, 2.0}) {
      assertRange(SpeckleNoise.speckle(img, 3, H, W, sigma, rng).noisy(), 1e-8f, 1f);
    }
    assertRange(SpeckleNoise.gammaSpeckle(img, 3, H, W, 1, rng).noisy(), 1e-8f, 1f);
  }

  @Test
  void branchThresholdIsStrictlyAboveFivePercent() {
    float[] img = constant(1, 0.3f);
    SplittableRandom rng = new SplittableRandom(3);
    assertThat(SpeckleNoise.speckle(img, 1, H, W, 0.05, rng).branch())
        .isEqualTo(Branch.GAMMA_MEAN_RESCALED);
    assertThat(SpeckleNoise.speckle(img, 1, H, W, 0.0500001, rng).branch())
        .isEqualTo(Branch.LOG_NORMAL);
  }

  @Test
  void grayscaleStaysChannelIdenticalAndColourGetsIndependentNoise() {
    SplittableRandom rng = new SplittableRandom(4);
    int plane = H * W;
    for (double sigma : new double[] {0.02, 0.4}) {
      float[] out = SpeckleNoise.speckle(grayRgb(0.1f, 0.5f, 5), 3, H, W, sigma, rng).noisy();
      assertThat(Arrays.copyOfRange(out, plane, 2 * plane))
          .isEqualTo(Arrays.copyOfRange(out, 0, plane));
      assertThat(Arrays.copyOfRange(out, 2 * plane, 3 * plane))
          .isEqualTo(Arrays.copyOfRange(out, 0, plane));
    }
    float[] gamma = SpeckleNoise.gammaSpeckle(grayRgb(0.1f, 0.5f, 5), 3, H, W, 3, rng).noisy();
    assertThat(Arrays.copyOfRange(gamma, plane, 2 * plane))
        .isEqualTo(Arrays.copyOfRange(gamma, 0, plane));

    float[] colour = SpeckleNoise.speckle(constant(3, 0.2f), 3, H, W, 0.4, rng).noisy();
    // Constant channels are identical too: noise is shared. A real colour image is not:
    float[] rgb = randomImage(3, 0.1f, 0.5f, 6);
    float[] noisy = SpeckleNoise.speckle(rgb, 3, H, W, 0.4, rng).noisy();
    double r0 = noisy[0] / rgb[0];
    double g0 = noisy[plane] / rgb[plane];
    assertThat(r0).isNotCloseTo(g0, within(1e-6));
    assertThat(colour[0]).isEqualTo(colour[plane]);
  }

  @Test
  void gammaBranchPreservesTheMean() {
    SplittableRandom rng = new SplittableRandom(8);
    for (double sigma : new double[] {0.0, 0.001, 0.03, 0.05}) {
      float[] clean = randomImage(3, 0.2f, 0.6f, 9);
      SpeckleNoise.Result r = SpeckleNoise.speckle(clean, 3, H, W, sigma, rng);
      assertThat(r.branch()).isEqualTo(Branch.GAMMA_MEAN_RESCALED);
      assertThat(mean(r.noisy()) / mean(clean)).isCloseTo(1.0, within(1e-6));
    }
    // And the noise is really there with the expected coefficient of variation 2 sigma.
    float[] clean = constant(1, 0.3f);
    float[] noisy = SpeckleNoise.speckle(clean, 1, H, W, 0.05, rng).noisy();
    double m = mean(noisy);
    double var = 0;
    for (float v : noisy) {
      var += (v - m) * (v - m);
    }
    assertThat(Math.sqrt(var / noisy.length) / m).isCloseTo(0.1, within(0.002));
  }

  @Test
  void logNormalBranchHasZeroMeanLogRatioWithStdSigma() {
    SplittableRandom rng = new SplittableRandom(10);
    for (double sigma : new double[] {0.1, 0.3, 0.7}) {
      float[] clean = randomImage(1, 0.02f, 0.1f, 11);
      SpeckleNoise.Result r = SpeckleNoise.speckle(clean, 1, H, W, sigma, rng);
      assertThat(r.branch()).isEqualTo(Branch.LOG_NORMAL);
      double sum = 0;
      double sumSq = 0;
      int n = 0;
      for (int i = 0; i < clean.length; i++) {
        float v = r.noisy()[i];
        if (v < 1f && v > 1e-8f) {
          double l = Math.log(v / clean[i]);
          sum += l;
          sumSq += l * l;
          n++;
        }
      }
      double m = sum / n;
      assertThat(n).isGreaterThan(clean.length * 99 / 100);
      assertThat(m).isCloseTo(0.0, within(0.01));
      assertThat(Math.sqrt(sumSq / n - m * m)).isCloseTo(sigma, within(0.01 * sigma + 0.002));
    }
  }

  @Test
  void logNormalMeanFactorAtSigmaPointSevenIsExpSigmaSquaredHalf() {
    // Dark pixels (0.01) never reach the clamp at 1, so this is the factor before clamping.
    float[] clean = constant(1, 0.01f);
    float[] noisy = SpeckleNoise.speckle(clean, 1, H, W, 0.7, new SplittableRandom(12)).noisy();
    assertThat(mean(noisy) / 0.01).isCloseTo(1.2776, within(0.015));
  }

  @Test
  void fractionOfNoisySamplesFollowsRatio() {
    SpeckleNoise noise = SpeckleNoise.builder().optRatio(0.3).build();
    SplittableRandom rng = new SplittableRandom(13);
    float[] img = new float[3 * 4 * 4];
    Arrays.fill(img, 0.5f);
    int noisy = 0;
    int n = 5000;
    for (int i = 0; i < n; i++) {
      SpeckleNoise.Result r = noise.apply(img, 3, 4, 4, rng);
      if (r.applied()) {
        noisy++;
        assertThat(r.sigma()).isBetween(0.0, 0.7);
      } else {
        assertThat(r.branch()).isEqualTo(Branch.NONE);
        assertThat(r.noisy()).isEqualTo(img).isNotSameAs(img);
      }
    }
    assertThat((double) noisy / n).isCloseTo(0.3, within(0.025));
    assertThat(SpeckleNoise.builder().optRatio(1).build().apply(img, 3, 4, 4, rng).applied())
        .isTrue();
    assertThat(SpeckleNoise.builder().optRatio(0).build().apply(img, 3, 4, 4, rng).applied())
        .isFalse();
  }

  @Test
  void referenceModeTakesTheGammaBranchForSigmaUpToFivePercent() {
    // sigma ~ U[0, 0.7): P(sigma <= 0.05) = 1/14 (reference §2.3).
    SpeckleNoise noise = SpeckleNoise.builder().optRatio(1).build();
    SplittableRandom rng = new SplittableRandom(19);
    float[] img = new float[2 * 2];
    Arrays.fill(img, 0.5f);
    int gamma = 0;
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      SpeckleNoise.Result r = noise.apply(img, 1, 2, 2, rng);
      assertThat(r.sigma()).isGreaterThanOrEqualTo(0.0).isLessThan(0.7);
      assertThat(r.branch())
          .isEqualTo(r.sigma() > 0.05 ? Branch.LOG_NORMAL : Branch.GAMMA_MEAN_RESCALED);
      gamma += r.branch() == Branch.GAMMA_MEAN_RESCALED ? 1 : 0;
    }
    assertThat((double) gamma / n).isCloseTo(1.0 / 14, within(0.01));
  }

  @Test
  void gammaModeHasUnitMeanAndVarianceOneOverLooks() {
    SpeckleNoise noise =
        SpeckleNoise.builder().optMode(SpeckleNoise.Mode.GAMMA).optRatio(1).optLooks(4).build();
    float[] clean = constant(1, 0.01f);
    SpeckleNoise.Result r = noise.apply(clean, 1, H, W, new SplittableRandom(14));
    assertThat(r.branch()).isEqualTo(Branch.GAMMA_LOOKS);
    assertThat(r.looks()).isEqualTo(4);
    double m = mean(r.noisy()) / 0.01;
    double var = 0;
    for (float v : r.noisy()) {
      double f = v / 0.01 - m;
      var += f * f;
    }
    assertThat(m).isCloseTo(1.0, within(0.01));
    assertThat(var / clean.length).isCloseTo(0.25, within(0.01));
  }

  @Test
  void gammaModeDrawsLooksUniformlyBetweenBounds() {
    SpeckleNoise noise =
        SpeckleNoise.builder()
            .optMode(SpeckleNoise.Mode.GAMMA)
            .optRatio(1)
            .optLooks(2)
            .optLooksMax(5)
            .build();
    int[] seen = new int[6];
    SplittableRandom rng = new SplittableRandom(15);
    float[] img = new float[4];
    Arrays.fill(img, 0.5f);
    for (int i = 0; i < 400; i++) {
      seen[noise.apply(img, 1, 2, 2, rng).looks()]++;
    }
    assertThat(seen[0]).isZero();
    assertThat(seen[1]).isZero();
    for (int l = 2; l <= 5; l++) {
      assertThat(seen[l]).isGreaterThan(60);
    }
  }

  @Test
  void nonFiniteResultKeepsTheOriginal() {
    float[] img = constant(1, 0.5f);
    img[3] = Float.NaN;
    SpeckleNoise.Result r = SpeckleNoise.speckle(img, 1, H, W, 0.3, new SplittableRandom(16));
    assertThat(r.branch()).isEqualTo(Branch.INVALID_KEPT_ORIGINAL);
    assertThat(r.applied()).isFalse();
    assertThat(r.noisy()[0]).isEqualTo(0.5f);
  }

  @Test
  void sameSeedSameNoise() {
    float[] img = randomImage(3, 0f, 1f, 17);
    float[] a = SpeckleNoise.speckle(img, 3, H, W, 0.4, new SplittableRandom(18)).noisy();
    float[] b = SpeckleNoise.speckle(img, 3, H, W, 0.4, new SplittableRandom(18)).noisy();
    assertThat(a).isEqualTo(b);
  }

  @Test
  void builderRejectsBadSettings() {
    assertThatThrownBy(() -> SpeckleNoise.builder().optRatio(1.5).build())
        .hasMessageContaining("noise.ratio");
    assertThatThrownBy(() -> SpeckleNoise.builder().optSigma(0.5, 0.5).build())
        .hasMessageContaining("noise.sigmaMin");
    assertThatThrownBy(() -> SpeckleNoise.builder().optLooks(0).build())
        .hasMessageContaining("noise.looks");
  }
}
