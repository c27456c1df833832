package io.sarmae.trainer.model;

import java.util.Locale;

/**
 * Shape of a MAE ViT: encoder size from the ViT table, image/patch geometry and decoder width.
 *
 * <p>The encoder table is the one of the MAE/timm factories (§1.1): tiny 192/12/3, small 384/12/6,
 * base 768/12/12, large 1024/24/16, huge 1280/32/16; MLP ratio 4 everywhere.
 */
public record VitSpec(
    String size,
    int imageSize,
    int patchSize,
    int inChannels,
    int embedDim,
    int depth,
    int heads,
    int mlpRatio,
    int decoderDim,
    int decoderDepth,
    int decoderHeads) {

  /** Validates divisibility so a bad spec fails at build time, not deep inside a forward pass. */
  public VitSpec {
    requirePositive("imageSize", imageSize);
    requirePositive("patchSize", patchSize);
    requirePositive("inChannels", inChannels);
    requirePositive("embedDim", embedDim);
    requirePositive("depth", depth);
    requirePositive("heads", heads);
    requirePositive("mlpRatio", mlpRatio);
    requirePositive("decoderDim", decoderDim);
    requirePositive("decoderDepth", decoderDepth);
    requirePositive("decoderHeads", decoderHeads);
    if (imageSize % patchSize != 0) {
      throw new IllegalArgumentException(
          "imageSize " + imageSize + " is not a multiple of patchSize " + patchSize);
    }
    if (embedDim % heads != 0) {
      throw new IllegalArgumentException(
          "embedDim " + embedDim + " is not divisible by heads " + heads);
    }
    if (decoderDim % decoderHeads != 0) {
      throw new IllegalArgumentException(
          "decoderDim " + decoderDim + " is not divisible by decoderHeads " + decoderHeads);
    }
    // The 2-D sin-cos table splits the width into 4 equal parts.
    if (embedDim % 4 != 0) {
      throw new IllegalArgumentException("embedDim " + embedDim + " is not divisible by 4");
    }
    if (decoderDim % 4 != 0) {
      throw new IllegalArgumentException("decoderDim " + decoderDim + " is not divisible by 4");
    }
  }

  /**
   * Builds a spec from an encoder size name (tiny, small, base, large, huge).
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public static VitSpec of(
      String size,
      int imageSize,
      int patchSize,
      int inChannels,
      int decoderDim,
      int decoderDepth,
      int decoderHeads) {
    if (size == null) {
      throw new IllegalArgumentException("ViT size must be one of tiny|small|base|large|huge");
    }
    int[] enc =
        switch (size.toLowerCase(Locale.ROOT)) {
          case "tiny" -> new int[] {192, 12, 3};
          case "small" -> new int[] {384, 12, 6};
          case "base" -> new int[] {768, 12, 12};
          case "large" -> new int[] {1024, 24, 16};
          case "huge" -> new int[] {1280, 32, 16};
          default ->
              throw new IllegalArgumentException(
                  "unknown ViT size '" + size + "', expected tiny|small|base|large|huge");
        };
    return new VitSpec(
        size.toLowerCase(Locale.ROOT),
        imageSize,
        patchSize,
        inChannels,
        enc[0],
        enc[1],
        enc[2],
        4,
        decoderDim,
        decoderDepth,
        decoderHeads);
  }

  /** The MAE paper's decoder (512 wide, 8 blocks, 16 heads) on an RGB 224 image. */
  public static VitSpec mae(String size, int patchSize) {
    return of(size, 224, patchSize, 3, 512, 8, 16);
  }

  /** Patches per image side, {@code g = H / p}. */
  public int gridSize() {
    return imageSize / patchSize;
  }

  /** Patches per image, {@code L = g * g}. */
  public int numPatches() {
    return gridSize() * gridSize();
  }

  /** Values per patch, {@code p * p * C} (the width of a prediction token). */
  public int patchDim() {
    return patchSize * patchSize * inChannels;
  }

  /** Visible patches at a mask ratio, like Python's {@code int(L * (1 - r))}. */
  public int visiblePatches(float maskRatio) {
    return visiblePatches(numPatches(), maskRatio);
  }

  /**
   * {@code K = int(L * (1 - r))}, computed in double like Python so that e.g. r=0.9, L=196 gives 19
   * (not 20).
   */
  public static int visiblePatches(int numPatches, float maskRatio) {
    if (!(maskRatio >= 0f && maskRatio < 1f)) {
      throw new IllegalArgumentException("maskRatio " + maskRatio + " must be in [0, 1)");
    }
    // Python: float(0.75) is a double; the config value reaches us as a float, so widen through
    // its decimal string to get the double the user wrote (0.9f -> 0.9, not 0.8999999761...).
    double r = Double.parseDouble(Float.toString(maskRatio));
    return (int) (numPatches * (1.0 - r));
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
