package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;

/**
 * {@code nn.Dropout2d(p)}: whole channels zeroed per sample with probability {@code p}, the kept
 * ones scaled by {@code 1/(1-p)}. The mask is drawn from the caller's generator so a run stays
 * reproducible (and resumable); no generator or not training means identity.
 */
final class Dropout2d {

  private Dropout2d() {}

  /** {@code (B, C, H, W) -> (B, C, H, W)}. */
  static NDArray apply(NDArray x, double p, boolean training, RandomGenerator rng) {
    if (!training || rng == null || p <= 0) {
      return x;
    }
    Shape s = x.getShape();
    int b = (int) s.get(0);
    int c = (int) s.get(1);
    float[] mask = new float[b * c];
    float keep = (float) (1.0 - p);
    for (int i = 0; i < mask.length; i++) {
      mask[i] = rng.nextDouble() < keep ? 1f / keep : 0f;
    }
    NDArray m = x.getManager().create(mask, new Shape(b, c, 1, 1)).toDevice(x.getDevice(), false);
    return x.mul(m); // (B, C, H, W)
  }
}
