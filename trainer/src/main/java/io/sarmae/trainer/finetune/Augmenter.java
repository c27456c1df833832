package io.sarmae.trainer.finetune;

import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.noise.SpeckleNoise;
import java.util.random.RandomGenerator;

/**
 * Training-time augmentation of one image in [0, 1] (CHW), all draws from the given generator:
 * random resized crop (torchvision's: area in {@code [cropScaleMin, 1]} of the image, aspect
 * log-uniform in [3/4, 4/3], ten tries then the whole image), horizontal and vertical flips and
 * optional L-look Gamma speckle. The reference trains its SAR datasets without any augmentation
 * (§6.2); {@code augment.cropScaleMin: 1}, {@code hflip: false} reproduce that.
 */
public final class Augmenter {
  private final FinetuneConfig.Augment cfg;

  public Augmenter(FinetuneConfig.Augment cfg) {
    this.cfg = cfg;
  }

  /** A new augmented copy of {@code chw} ({@code channels x size x size}). */
  public float[] apply(float[] chw, int channels, int size, RandomGenerator rng) {
    float[] x = chw;
    if (cfg.cropScaleMin < 1.0) {
      x = randomResizedCrop(x, channels, size, cfg.cropScaleMin, rng);
    }
    if (cfg.hflip && rng.nextBoolean()) {
      x = flip(x, channels, size, true);
    }
    if (cfg.vflip && rng.nextBoolean()) {
      x = flip(x, channels, size, false);
    }
    if (cfg.speckle && rng.nextDouble() < cfg.speckleRatio) {
      x = SpeckleNoise.gammaSpeckle(x, channels, size, size, cfg.speckleLooks, rng).noisy();
    }
    return x == chw ? chw.clone() : x;
  }

  static float[] randomResizedCrop(
      float[] src, int channels, int size, double scaleMin, RandomGenerator rng) {
    double area = (double) size * size;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (scaleMin + (1 - scaleMin) * rng.nextDouble());
      double logRatio =
          Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * rng.nextDouble();
      double ratio = Math.exp(logRatio);
      int w = (int) Math.round(Math.sqrt(target * ratio));
      int h = (int) Math.round(Math.sqrt(target / ratio));
      if (w > 0 && h > 0 && w <= size && h <= size) {
        int top = rng.nextInt(size - h + 1);
        int left = rng.nextInt(size - w + 1);
        float[] crop = new float[channels * h * w];
        for (int c = 0; c < channels; c++) {
          for (int y = 0; y < h; y++) {
            System.arraycopy(src, (c * size + top + y) * size + left, crop, (c * h + y) * w, w);
          }
        }
        return ImageDecoder.resize(crop, channels, h, w, size, size);
      }
    }
    return src.clone();
  }

  static float[] flip(float[] src, int channels, int size, boolean horizontal) {
    float[] out = new float[src.length];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int sy = horizontal ? y : size - 1 - y;
          int sx = horizontal ? size - 1 - x : x;
          out[(c * size + y) * size + x] = src[(c * size + sy) * size + sx];
        }
      }
    }
    return out;
  }
}
