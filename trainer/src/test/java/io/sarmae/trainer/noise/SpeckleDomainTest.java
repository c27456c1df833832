package io.sarmae.trainer.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.noise.SpeckleNoise.Domain;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Gamma-mode speckle in each pixel domain against the closed forms of {@code n ~ Gamma(L, 1/L)}:
 *
 * <ul>
 *   <li>amplitude: {@code E[sqrt(n)] = Gamma(L + 1/2) / (Gamma(L) sqrt(L))}, {@code Var[sqrt(n)] =
 *       1 - E[sqrt(n)]^2};
 *   <li>dB: {@code E[10 log10 n] = 10/ln10 (psi(L) - ln L)}, {@code Var[10 log10 n] = (10/ln10)^2
 *       psi'(L)};
 *   <li>intensity with the [1e-8, 1] clamp, 1 look: {@code E[min(I n, 1)] = I (1 - exp(-1/I))}, a
 *       fraction {@code exp(-1/I)} of the values clipped.
 * </ul>
 *
 * <p>Each statistic is a mean over {@code N = 256 * 256} seeded draws (one image); the tolerance is
 * {@value #Z} standard errors computed from the closed-form variance and N (two-sided false-alarm
 * probability about 6e-7 for a fresh seed; the seeds are fixed, so the test is deterministic).
 */
class SpeckleDomainTest {
  private static final int S = 256;
  private static final int N = S * S;
  private static final double Z = 5;
  private static final double EULER_GAMMA = 0.5772156649015329;
  private static final double DB = 10 / Math.log(10);

  private static float[] constant(float v) {
    float[] x = new float[N];
    Arrays.fill(x, v);
    return x;
  }

  /** psi(L) for an integer L: -gamma + sum_{k < L} 1/k. */
  private static double digamma(int looks) {
    double s = -EULER_GAMMA;
    for (int k = 1; k < looks; k++) {
      s += 1.0 / k;
    }
    return s;
  }

  /** psi'(L) for an integer L: pi^2/6 - sum_{k < L} 1/k^2. */
  private static double trigamma(int looks) {
    double s = Math.PI * Math.PI / 6;
    for (int k = 1; k < looks; k++) {
      s -= 1.0 / ((double) k * k);
    }
    return s;
  }

  /** Gamma(L + 1/2) / Gamma(L) for an integer L: sqrt(pi)/2 * prod_{k < L} (k + 1/2) / k. */
  private static double halfGammaRatio(int looks) {
    double r = Math.sqrt(Math.PI) / 2;
    for (int k = 1; k < looks; k++) {
      r *= (k + 0.5) / k;
    }
    return r;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double variance(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return s / (v.length - 1);
  }

  @Test
  void closedFormsOfTheHelpersMatchKnownValues() {
    // psi(1) = -gamma, psi'(1) = pi^2/6, Gamma(1.5) = sqrt(pi)/2: guards the helpers themselves
    assertThat(digamma(1)).isCloseTo(-0.5772156649, within(1e-9));
    assertThat(digamma(4)).isCloseTo(1.2561176684, within(1e-9));
    assertThat(trigamma(4)).isCloseTo(0.2838229557, within(1e-9));
    assertThat(halfGammaRatio(1)).isCloseTo(0.8862269255, within(1e-9));
    assertThat(halfGammaRatio(4)).isCloseTo(11.6317283966 / 6, within(1e-9));
  }

  @Test
  void amplitudeSpeckleHasTheMeanAndVarianceOfSqrtGamma() {
    float a = 0.2f; // clipping needs n > 25: probability below 1e-10 at L = 1
    for (int looks : new int[] {1, 4}) {
      SpeckleNoise.Result r =
          SpeckleNoise.gammaSpeckle(
              constant(a), 1, S, S, looks, Domain.AMPLITUDE, 25, new SplittableRandom(11 + looks));
      assertThat(r.clipped()).isZero();
      double[] factor = new double[N];
      for (int i = 0; i < N; i++) {
        factor[i] = r.noisy()[i] / (double) a;
      }
      double expected = halfGammaRatio(looks) / Math.sqrt(looks);
      double var = 1 - expected * expected;
      assertThat(mean(factor))
          .as("E[sqrt(n)], L=%d", looks)
          .isCloseTo(expected, within(Z * Math.sqrt(var / N)));
      // Var of the sample variance ~ (mu4 - sigma^4) / N, with the raw moments of X = sqrt(n):
      // E[X^2] = 1, E[X^3] = (L + 1/2) Gamma(L + 1/2) / (Gamma(L) L^1.5), E[X^4] = 1 + 1/L
      double e3 = (looks + 0.5) * halfGammaRatio(looks) / Math.pow(looks, 1.5);
      double e4 = 1 + 1.0 / looks;
      double m = expected;
      double mu4 = e4 - 4 * m * e3 + 6 * m * m - 3 * m * m * m * m;
      double varSe = Math.sqrt((mu4 - var * var) / N);
      assertThat(variance(factor))
          .as("Var[sqrt(n)], L=%d", looks)
          .isCloseTo(var, within(Z * varSe));
    }
  }

  @Test
  void dbSpeckleIsAdditiveLogGammaScaledByTheSpan() {
    float x = 0.5f;
    double span = 200; // clipping needs 10 log10 n < -100 dB: n < 1e-10, never at N = 65536
    for (int looks : new int[] {1, 4}) {
      SpeckleNoise.Result r =
          SpeckleNoise.gammaSpeckle(
              constant(x), 1, S, S, looks, Domain.DB, span, new SplittableRandom(21 + looks));
      assertThat(r.clipped()).isZero();
      double[] db = new double[N];
      for (int i = 0; i < N; i++) {
        db[i] = (r.noisy()[i] - x) * span; // dB added to the pixel
      }
      double expectedMean = DB * (digamma(looks) - Math.log(looks));
      double expectedVar = DB * DB * trigamma(looks);
      assertThat(mean(db))
          .as("E[10 log10 n], L=%d", looks)
          .isCloseTo(expectedMean, within(Z * Math.sqrt(expectedVar / N)));
      // log-Gamma has excess kurtosis psi'''(L)/psi'(L)^2 <= 2.4 (L = 1): Var(s^2) <= 4.4 s^4 / N
      double varSe = expectedVar * Math.sqrt(4.4 / N);
      assertThat(variance(db))
          .as("Var[10 log10 n], L=%d", looks)
          .isCloseTo(expectedVar, within(Z * varSe));
    }
    // -2.507 dB at one look: speckle darkens a dB image on average, unlike intensity speckle
    assertThat(DB * (digamma(1) - Math.log(1))).isCloseTo(-2.5068, within(1e-4));
  }

  @Test
  void clampLowersTheMeanOfOneLookIntensitySpeckleAndIsCounted() {
    float i0 = 0.5f;
    SpeckleNoise.Result r =
        SpeckleNoise.gammaSpeckle(
            constant(i0), 1, S, S, 1, Domain.INTENSITY, 25, new SplittableRandom(5));
    double p = Math.exp(-1 / i0); // P(n > 1/I) for n ~ Exp(1): 13.5 %
    assertThat((double) r.clipped() / N).isCloseTo(p, within(Z * Math.sqrt(p * (1 - p) / N)));
    double[] v = new double[N];
    for (int i = 0; i < N; i++) {
      v[i] = r.noisy()[i];
    }
    double expected = i0 * (1 - p); // 0.4323: 13.5 % below the unclamped mean 0.5
    // Var[min(I n, 1)] <= E[(I n)^2] = 2 I^2
    assertThat(mean(v)).isCloseTo(expected, within(Z * Math.sqrt(2 * i0 * i0 / N)));
    assertThat(1 - expected / i0).isCloseTo(0.135, within(1e-3));
  }

  @Test
  void applyTalliesClippedAndNoisedValues() {
    SpeckleNoise noise =
        SpeckleNoise.builder()
            .optMode(SpeckleNoise.Mode.GAMMA)
            .optLooks(1)
            .optRatio(1)
            .optDomain(Domain.AMPLITUDE)
            .build();
    SplittableRandom rng = new SplittableRandom(9);
    long clipped = 0;
    for (int k = 0; k < 3; k++) {
      clipped += noise.apply(constant(0.9f), 1, S, S, rng).clipped();
    }
    assertThat(noise.noisedValues()).isEqualTo(3L * N);
    assertThat(noise.clippedValues()).isEqualTo(clipped).isPositive();
  }

  @Test
  void otherDomainsAreRefusedForTheReferenceMode() {
    assertThatThrownBy(() -> SpeckleNoise.builder().optDomain(Domain.DB).build())
        .hasMessageContaining("noise.domain");
    assertThatThrownBy(
            () ->
                SpeckleNoise.builder()
                    .optMode(SpeckleNoise.Mode.GAMMA)
                    .optDomain(Domain.DB)
                    .optDbSpan(0)
                    .build())
        .hasMessageContaining("noise.dbSpan");
  }
}
