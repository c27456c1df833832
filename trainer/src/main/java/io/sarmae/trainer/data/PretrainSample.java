package io.sarmae.trainer.data;

import io.sarmae.trainer.noise.SpeckleNoise;

/**
 * One pretraining sample, ready for collation.
 *
 * @param position the position in the epoch's order this sample fills
 * @param id the SAR path relative to {@code <data.path>/SAR} of the image actually used
 * @param sar encoder input: the (possibly noisy) image, normalised, {@code C x S x S}
 * @param target MAE target: the clean image, normalised, {@code C x S x S}
 * @param optical ImageNet-normalised optical image {@code 3 x S x S}, or null when unpaired
 * @param maskNoise {@code L} uniform values in [0, 1) for the MAE's random masking
 * @param noise which SARE branch ran
 * @param sigma the SARE sigma (reference mode) or 0
 * @param replaced true when the planned image was unreadable and a later one took its place
 */
public record PretrainSample(
    int position,
    String id,
    float[] sar,
    float[] target,
    float[] optical,
    float[] maskNoise,
    SpeckleNoise.Branch noise,
    double sigma,
    boolean replaced) {
  public boolean paired() {
    return optical != null;
  }
}
