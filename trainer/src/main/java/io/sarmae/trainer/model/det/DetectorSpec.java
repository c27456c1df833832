package io.sarmae.trainer.model.det;

import io.sarmae.trainer.config.FinetuneConfig;
import java.util.Arrays;

/**
 * Hyperparameters of the dense one-stage detector (FCOS on the ViTDet simple feature pyramid; see
 * docs/detection.md). The config's {@code detection.*} keys map one-to-one onto these fields, with
 * the same names; {@link #defaults} gives the documented defaults.
 *
 * @param numClasses object classes (no background class: the classifier is sigmoid / focal)
 * @param oriented true to predict an angle too (le90 oriented boxes), false for horizontal boxes
 * @param strides pyramid strides of the input, ascending, from {4, 8, 16, 32, 64}
 * @param channels feature-pyramid and head channels
 * @param headConvs 3x3 conv layers in each head tower (classification and regression)
 * @param centerness true to predict FCOS centerness (multiplied into the score at inference)
 * @param centerSampling true to take positives only within {@code centerRadius x stride} of a box
 *     centre (FCOS's centre sampling)
 * @param centerRadius the centre-sampling radius in strides
 * @param focalAlpha focal-loss alpha
 * @param focalGamma focal-loss gamma
 * @param boxLossWeight weight of the box regression loss (GIoU)
 * @param angleLossWeight weight of the angle loss (oriented only)
 * @param scoreThreshold detections below this score are dropped before NMS
 * @param topKPerLevel candidates kept per pyramid level before NMS
 * @param nmsIou class-wise NMS IoU threshold (horizontal or rotated IoU)
 * @param maxPerImage detections kept per image after NMS
 */
public record DetectorSpec(
    int numClasses,
    boolean oriented,
    int[] strides,
    int channels,
    int headConvs,
    boolean centerness,
    boolean centerSampling,
    double centerRadius,
    double focalAlpha,
    double focalGamma,
    double boxLossWeight,
    double angleLossWeight,
    double scoreThreshold,
    int topKPerLevel,
    double nmsIou,
    int maxPerImage) {

  public DetectorSpec {
    strides = strides.clone();
  }

  /** The documented defaults for {@code numClasses} classes. */
  public static DetectorSpec defaults(int numClasses, boolean oriented) {
    // The config's defaults are the one source (docs/detection.md lists them from there).
    FinetuneConfig.Detection d = new FinetuneConfig.Detection();
    return new DetectorSpec(
        numClasses,
        oriented,
        d.strides.stream().mapToInt(Integer::intValue).toArray(),
        d.channels,
        d.headConvs,
        d.centerness,
        d.centerSampling,
        d.centerRadius,
        d.focalAlpha,
        d.focalGamma,
        d.boxLossWeight,
        d.angleLossWeight,
        d.scoreThreshold,
        d.topKPerLevel,
        FinetuneConfig.Detection.defaultNmsIou(oriented),
        d.maxPerImage);
  }

  @Override
  public int[] strides() {
    return strides.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DetectorSpec s
        && numClasses == s.numClasses
        && oriented == s.oriented
        && Arrays.equals(strides, s.strides)
        && channels == s.channels
        && headConvs == s.headConvs
        && centerness == s.centerness
        && centerSampling == s.centerSampling
        && centerRadius == s.centerRadius
        && focalAlpha == s.focalAlpha
        && focalGamma == s.focalGamma
        && boxLossWeight == s.boxLossWeight
        && angleLossWeight == s.angleLossWeight
        && scoreThreshold == s.scoreThreshold
        && topKPerLevel == s.topKPerLevel
        && nmsIou == s.nmsIou
        && maxPerImage == s.maxPerImage;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(strides) + numClasses * 2 + (oriented ? 1 : 0);
  }

  @Override
  public String toString() {
    return "DetectorSpec[numClasses="
        + numClasses
        + ", oriented="
        + oriented
        + ", strides="
        + Arrays.toString(strides)
        + ", channels="
        + channels
        + ", headConvs="
        + headConvs
        + "]";
  }
}
