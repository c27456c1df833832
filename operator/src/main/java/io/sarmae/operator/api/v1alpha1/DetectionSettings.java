package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Settings of {@code task: detection} (FCOS on the ViTDet simple feature pyramid,
 * docs/detection.md): the trainer's {@code detection.*} keys, one field each, with the trainer's
 * defaults and ranges. The input side is {@code model.imageSize} (images resized keeping their
 * aspect ratio and padded to a square), which must be a multiple of the largest stride; the classes
 * come from the dataset.
 */
@ValidationRule(
    value = DetectionSettings.ORIENTED_RULE,
    message = DetectionSettings.ORIENTED_MESSAGE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DetectionSettings {

  /** CEL (absent fields take their defaults): oriented boxes come from DOTA annotations only. */
  public static final String ORIENTED_RULE =
      "!has(self.oriented) || !self.oriented || (has(self.format) && self.format == 'dota')";

  public static final String ORIENTED_MESSAGE =
      "detection.oriented: true needs oriented annotations: set detection.format: dota (coco and"
          + " voc have horizontal boxes only) or oriented: false";

  /** CEL on the list: strides the pyramid can build, strictly ascending. */
  public static final String STRIDES_RULE =
      "self.all(s, s in [4, 8, 16, 32, 64])"
          + " && (size(self) < 2 || self[0] < self[1]) && (size(self) < 3 || self[1] < self[2])"
          + " && (size(self) < 4 || self[2] < self[3]) && (size(self) < 5 || self[3] < self[4])";

  public static final String STRIDES_MESSAGE =
      "detection.strides must be strictly ascending, each one of 4, 8, 16, 32, 64";

  @JsonPropertyDescription(
      "Annotation format under dataset.path: coco (annotations/<split>.json, horizontal boxes), dota (classes.txt, <split>/labelTxt or annfiles, oriented boxes) or voc (classes.txt, ImageSets/Main/<split>.txt, Annotations/*.xml). Layouts in docs/detection.md. Trainer key detection.format.")
  @Default(Defaults.DET_FORMAT)
  private DetFormat format;

  @JsonPropertyDescription(
      "Predict oriented (le90) boxes and score them as the DOTA devkit (mAP at IoU 0.5); needs format dota. false: horizontal boxes scored as pycocotools (mAP over IoU 0.50:0.95). Trainer key detection.oriented.")
  @Default(Defaults.DET_ORIENTED)
  private Boolean oriented;

  @JsonPropertyDescription(
      "Strides of the ViTDet simple feature pyramid, ascending, each one of 4, 8, 16, 32, 64 (default 8, 16, 32, 64). model.imageSize must be a multiple of the largest. Trainer key detection.strides.")
  @Size(min = 1, max = 5)
  @ValidationRule(
      value = DetectionSettings.STRIDES_RULE,
      message = DetectionSettings.STRIDES_MESSAGE)
  private List<Integer> strides;

  @JsonPropertyDescription(
      "Channels of the pyramid and of the FCOS head. Trainer key detection.channels.")
  @Min(1)
  @Max(4096)
  @Default(Defaults.DET_CHANNELS)
  private Integer channels;

  @JsonPropertyDescription(
      "3x3 conv + GroupNorm + ReLU layers of each FCOS tower (classification and regression). Trainer key detection.headConvs.")
  @Min(0)
  @Max(16)
  @Default(Defaults.DET_HEAD_CONVS)
  private Integer headConvs;

  @JsonPropertyDescription(
      "FCOS centre-ness branch (on the regression tower) and its weighting of the scores. Trainer key detection.centerness.")
  @Default(Defaults.DET_CENTERNESS)
  private Boolean centerness;

  @JsonPropertyDescription(
      "Positives only within centerRadius x stride of a box centre (FCOS center sampling). Trainer key detection.centerSampling.")
  @Default(Defaults.DET_CENTER_SAMPLING)
  private Boolean centerSampling;

  @JsonPropertyDescription(
      "Centre-sampling radius in strides, above 0. Trainer key detection.centerRadius.")
  @Min(value = 0, inclusive = false)
  @Max(100)
  @Default(Defaults.DET_CENTER_RADIUS)
  private Double centerRadius;

  @JsonPropertyDescription("Focal-loss alpha, 0 to 1. Trainer key detection.focalAlpha.")
  @Min(0)
  @Max(1)
  @Default(Defaults.DET_FOCAL_ALPHA)
  private Double focalAlpha;

  @JsonPropertyDescription("Focal-loss gamma, 0 to 10. Trainer key detection.focalGamma.")
  @Min(0)
  @Max(10)
  @Default(Defaults.DET_FOCAL_GAMMA)
  private Double focalGamma;

  @JsonPropertyDescription(
      "Weight of the box regression loss (GIoU; rotated IoU for oriented boxes), 0 to 100. Trainer key detection.boxLossWeight.")
  @Min(0)
  @Max(100)
  @Default(Defaults.DET_BOX_LOSS_WEIGHT)
  private Double boxLossWeight;

  @JsonPropertyDescription(
      "Weight of the angle loss (oriented only), 0 to 100. Trainer key detection.angleLossWeight.")
  @Min(0)
  @Max(100)
  @Default(Defaults.DET_ANGLE_LOSS_WEIGHT)
  private Double angleLossWeight;

  @JsonPropertyDescription(
      "Detections scoring below this are dropped before NMS, in [0, 1). Trainer key detection.scoreThreshold.")
  @Min(0)
  @Max(value = 1, inclusive = false)
  @Default(Defaults.DET_SCORE_THRESHOLD)
  private Double scoreThreshold;

  @JsonPropertyDescription(
      "Candidates kept per pyramid level before NMS. Trainer key detection.topKPerLevel.")
  @Min(1)
  @Max(1000000)
  @Default(Defaults.DET_TOP_K_PER_LEVEL)
  private Integer topKPerLevel;

  @JsonPropertyDescription(
      "Class-wise NMS IoU threshold in (0, 1]; absent: 0.5 for horizontal boxes, 0.1 (rotated IoU) for oriented ones, as the trainer. Trainer key detection.nmsIou.")
  @Min(value = 0, inclusive = false)
  @Max(1)
  private Double nmsIou;

  @JsonPropertyDescription(
      "Detections kept per image after NMS (COCO scores at most 100). Trainer key detection.maxPerImage.")
  @Min(1)
  @Max(100000)
  @Default(Defaults.DET_MAX_PER_IMAGE)
  private Integer maxPerImage;

  @JsonPropertyDescription(
      "A box narrower or lower than this (pixels) after clipping to the image is skipped and counted. Trainer key detection.minBoxSize.")
  @Min(0)
  @Max(10000)
  @Default(Defaults.DET_MIN_BOX_SIZE)
  private Double minBoxSize;

  @JsonPropertyDescription("Horizontal flip probability, 0 to 1. Trainer key detection.hflip.")
  @Min(0)
  @Max(1)
  @Default(Defaults.DET_HFLIP)
  private Double hflip;

  @JsonPropertyDescription("Vertical flip probability, 0 to 1. Trainer key detection.vflip.")
  @Min(0)
  @Max(1)
  @Default(Defaults.DET_VFLIP)
  private Double vflip;

  @JsonPropertyDescription(
      "Probability of a 90, 180 or 270 degree rotation, 0 to 1. Trainer key detection.rot90.")
  @Min(0)
  @Max(1)
  @Default(Defaults.DET_ROT90)
  private Double rot90;

  @JsonPropertyDescription(
      "Probability of a random crop (a box whose centre leaves the crop is dropped), 0 to 1. Trainer key detection.crop.")
  @Min(0)
  @Max(1)
  @Default(Defaults.DET_CROP)
  private Double crop;

  @JsonPropertyDescription(
      "Smallest crop side as a fraction of the image side, in (0, 1]. Trainer key detection.cropScaleMin.")
  @Min(value = 0, inclusive = false)
  @Max(1)
  @Default(Defaults.DET_CROP_SCALE_MIN)
  private Double cropScaleMin;

  @JsonPropertyDescription(
      "DOTA AP definition (oriented only): voc07 (11-point, the devkit's and mmrotate's default) or all-point. Trainer key detection.apMethod.")
  @Default(Defaults.DET_AP_METHOD)
  private DetApMethod apMethod;

  public DetFormat getFormat() {
    return format;
  }

  public void setFormat(DetFormat format) {
    this.format = format;
  }

  public Boolean getOriented() {
    return oriented;
  }

  public void setOriented(Boolean oriented) {
    this.oriented = oriented;
  }

  public List<Integer> getStrides() {
    return strides;
  }

  public void setStrides(List<Integer> strides) {
    this.strides = strides;
  }

  public Integer getChannels() {
    return channels;
  }

  public void setChannels(Integer channels) {
    this.channels = channels;
  }

  public Integer getHeadConvs() {
    return headConvs;
  }

  public void setHeadConvs(Integer headConvs) {
    this.headConvs = headConvs;
  }

  public Boolean getCenterness() {
    return centerness;
  }

  public void setCenterness(Boolean centerness) {
    this.centerness = centerness;
  }

  public Boolean getCenterSampling() {
    return centerSampling;
  }

  public void setCenterSampling(Boolean centerSampling) {
    this.centerSampling = centerSampling;
  }

  public Double getCenterRadius() {
    return centerRadius;
  }

  public void setCenterRadius(Double centerRadius) {
    this.centerRadius = centerRadius;
  }

  public Double getFocalAlpha() {
    return focalAlpha;
  }

  public void setFocalAlpha(Double focalAlpha) {
    this.focalAlpha = focalAlpha;
  }

  public Double getFocalGamma() {
    return focalGamma;
  }

  public void setFocalGamma(Double focalGamma) {
    this.focalGamma = focalGamma;
  }

  public Double getBoxLossWeight() {
    return boxLossWeight;
  }

  public void setBoxLossWeight(Double boxLossWeight) {
    this.boxLossWeight = boxLossWeight;
  }

  public Double getAngleLossWeight() {
    return angleLossWeight;
  }

  public void setAngleLossWeight(Double angleLossWeight) {
    this.angleLossWeight = angleLossWeight;
  }

  public Double getScoreThreshold() {
    return scoreThreshold;
  }

  public void setScoreThreshold(Double scoreThreshold) {
    this.scoreThreshold = scoreThreshold;
  }

  public Integer getTopKPerLevel() {
    return topKPerLevel;
  }

  public void setTopKPerLevel(Integer topKPerLevel) {
    this.topKPerLevel = topKPerLevel;
  }

  public Double getNmsIou() {
    return nmsIou;
  }

  public void setNmsIou(Double nmsIou) {
    this.nmsIou = nmsIou;
  }

  public Integer getMaxPerImage() {
    return maxPerImage;
  }

  public void setMaxPerImage(Integer maxPerImage) {
    this.maxPerImage = maxPerImage;
  }

  public Double getMinBoxSize() {
    return minBoxSize;
  }

  public void setMinBoxSize(Double minBoxSize) {
    this.minBoxSize = minBoxSize;
  }

  public Double getHflip() {
    return hflip;
  }

  public void setHflip(Double hflip) {
    this.hflip = hflip;
  }

  public Double getVflip() {
    return vflip;
  }

  public void setVflip(Double vflip) {
    this.vflip = vflip;
  }

  public Double getRot90() {
    return rot90;
  }

  public void setRot90(Double rot90) {
    this.rot90 = rot90;
  }

  public Double getCrop() {
    return crop;
  }

  public void setCrop(Double crop) {
    this.crop = crop;
  }

  public Double getCropScaleMin() {
    return cropScaleMin;
  }

  public void setCropScaleMin(Double cropScaleMin) {
    this.cropScaleMin = cropScaleMin;
  }

  public DetApMethod getApMethod() {
    return apMethod;
  }

  public void setApMethod(DetApMethod apMethod) {
    this.apMethod = apMethod;
  }
}
