package io.sarmae.trainer.data;

/**
 * How SAR images in [0, 1] are normalised for the encoder ({@code data.sarNormalization}), and the
 * ImageNet normalisation of optical images.
 */
public enum SarNormalization {
  /** {@code x * 2 - 1} for input and target, with or without noise: range [-1, 1]. */
  SYMMETRIC,
  /**
   * The reference (§2.4): mean 0.5 / std 0.5 (i.e. {@code x * 2 - 1}) when noise is enabled, but
   * ImageNet mean/std when it is disabled, so switching SARE off changes the input distribution.
   * Kept for parity runs only.
   */
  REFERENCE;

  /** ImageNet channel means (RGB). */
  public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

  /** ImageNet channel standard deviations (RGB). */
  public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  /** Single-channel stand-ins for ImageNet statistics: the averages of the three channels. */
  static final float[] IMAGENET_GRAY_MEAN = {0.449f};

  static final float[] IMAGENET_GRAY_STD = {0.226f};

  /** Normalises a SAR image in place and returns it. */
  public float[] normalizeSar(float[] chw, int channels, boolean noiseEnabled) {
    if (this == SYMMETRIC || noiseEnabled) {
      for (int i = 0; i < chw.length; i++) {
        chw[i] = chw[i] * 2f - 1f;
      }
      return chw;
    }
    return imagenet(chw, channels);
  }

  /** ImageNet normalisation in place (optical images always; 1-channel uses the gray averages). */
  public static float[] imagenet(float[] chw, int channels) {
    float[] mean = channels == 3 ? IMAGENET_MEAN : IMAGENET_GRAY_MEAN;
    float[] std = channels == 3 ? IMAGENET_STD : IMAGENET_GRAY_STD;
    if (channels != mean.length) {
      throw new IllegalArgumentException("ImageNet normalisation needs 1 or 3 channels");
    }
    int plane = chw.length / channels;
    for (int c = 0; c < channels; c++) {
      float m = mean[c];
      float s = std[c];
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        chw[i] = (chw[i] - m) / s;
      }
    }
    return chw;
  }
}
