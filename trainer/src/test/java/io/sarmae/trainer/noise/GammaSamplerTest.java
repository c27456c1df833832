package io.sarmae.trainer.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GammaSamplerTest {

  @ParameterizedTest
  @ValueSource(doubles = {0.5, 1, 4, 100, 1e6, 1e8})
  void momentsMatchShape(double shape) {
    SplittableRandom rng = new SplittableRandom(42);
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double x = GammaSampler.sample(rng, shape);
      assertThat(x).isGreaterThanOrEqualTo(0);
      sum += x;
      sumSq += x * x;
    }
    double mean = sum / n;
    double var = sumSq / n - mean * mean;
    // Standard error of the mean is sqrt(shape / n); allow 5 of them.
    assertThat(mean).isCloseTo(shape, within(5 * Math.sqrt(shape / n)));
    // Relative standard error of the variance is about sqrt((2 + 6 / shape) / n) < 0.9%.
    assertThat(var / shape).isCloseTo(1.0, within(0.05));
  }

  @Test
  void unitMeanHasVarianceOneOverShape() {
    SplittableRandom rng = new SplittableRandom(7);
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double x = GammaSampler.sampleUnitMean(rng, 4);
      sum += x;
      sumSq += x * x;
    }
    double mean = sum / n;
    assertThat(mean).isCloseTo(1.0, within(0.005));
    assertThat(sumSq / n - mean * mean).isCloseTo(0.25, within(0.01));
  }

  @Test
  void hugeShapesAreFast() {
    SplittableRandom rng = new SplittableRandom(1);
    long start = System.nanoTime();
    double sum = 0;
    for (int i = 0; i < 1_000_000; i++) {
      sum += GammaSampler.sampleUnitMean(rng, 1e8);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(sum / 1_000_000).isCloseTo(1.0, within(1e-5));
    assertThat(seconds).isLessThan(2.0);
  }

  @Test
  void rejectsInvalidShape() {
    SplittableRandom rng = new SplittableRandom(1);
    assertThatThrownBy(() -> GammaSampler.sample(rng, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GammaSampler.sample(rng, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
