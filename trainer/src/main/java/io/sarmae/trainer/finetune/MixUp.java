package io.sarmae.trainer.finetune;

import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.noise.GammaSampler;
import java.util.random.RandomGenerator;

/**
 * Batch-mode mixup and cutmix (timm {@code Mixup}, mode {@code batch}, probability 1): each sample
 * is mixed with the sample at the mirrored batch position using one {@code lambda ~ Beta(alpha,
 * alpha)} per batch; with both enabled, cutmix is chosen with probability 0.5. Targets are mixed
 * with the same weight (cutmix's lambda is corrected to the pasted box's area). Off by default, as
 * in the reference.
 */
public final class MixUp {
  private MixUp() {}

  /**
   * Mixes {@code x} ({@code batch x C x S x S}, in place) and returns the mixed targets (or {@code
   * targets} unchanged when both alphas are 0).
   */
  public static float[] apply(
      FinetuneConfig.Augment cfg,
      float[] x,
      float[] targets,
      int batch,
      int channels,
      int size,
      int classes,
      RandomGenerator rng) {
    boolean mixup = cfg.mixup > 0;
    boolean cutmix = cfg.cutmix > 0;
    if (!mixup && !cutmix) {
      return targets;
    }
    boolean useCutmix = cutmix && (!mixup || rng.nextBoolean());
    double alpha = useCutmix ? cfg.cutmix : cfg.mixup;
    double g1 = GammaSampler.sample(rng, alpha);
    double g2 = GammaSampler.sample(rng, alpha);
    double lambda = g1 + g2 == 0 ? 1.0 : g1 / (g1 + g2);
    int per = channels * size * size;
    float[] src = x.clone();
    if (useCutmix) {
      double cut = Math.sqrt(1 - lambda);
      int ch = (int) (size * cut);
      int cw = (int) (size * cut);
      int cy = rng.nextInt(size);
      int cx = rng.nextInt(size);
      int y0 = Math.max(0, cy - ch / 2);
      int y1 = Math.min(size, cy + ch / 2);
      int x0 = Math.max(0, cx - cw / 2);
      int x1 = Math.min(size, cx + cw / 2);
      for (int b = 0; b < batch; b++) {
        int other = batch - 1 - b;
        for (int c = 0; c < channels; c++) {
          for (int yy = y0; yy < y1; yy++) {
            int row = (c * size + yy) * size;
            System.arraycopy(src, other * per + row + x0, x, b * per + row + x0, x1 - x0);
          }
        }
      }
      lambda = 1.0 - (double) (y1 - y0) * (x1 - x0) / ((double) size * size);
    } else {
      float l = (float) lambda;
      for (int b = 0; b < batch; b++) {
        int other = batch - 1 - b;
        for (int i = 0; i < per; i++) {
          x[b * per + i] = l * src[b * per + i] + (1 - l) * src[other * per + i];
        }
      }
    }
    float[] mixed = new float[targets.length];
    for (int b = 0; b < batch; b++) {
      int other = batch - 1 - b;
      for (int c = 0; c < classes; c++) {
        mixed[b * classes + c] =
            (float)
                (lambda * targets[b * classes + c] + (1 - lambda) * targets[other * classes + c]);
      }
    }
    return mixed;
  }
}
