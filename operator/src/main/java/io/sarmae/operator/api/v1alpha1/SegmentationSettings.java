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
 * Settings of {@code task: segmentation} (ViT + UperNet, docs/segmentation.md): the trainer's
 * {@code segmentation.*} keys, one field each, with the trainer's defaults and ranges. The training
 * crop is {@code model.imageSize}; the ignore index is 255 (fixed by the trainer, as mmseg's); the
 * classes come from the dataset's {@code classes.txt}.
 */
@ValidationRule(
    value = SegmentationSettings.RATIO_RULE,
    message = SegmentationSettings.RATIO_MESSAGE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SegmentationSettings {

  /** CEL (absent fields take their defaults): the RandomResize ratio range is ordered. */
  public static final String RATIO_RULE =
      "(has(self.ratioMin) ? self.ratioMin : "
          + Defaults.SEG_RATIO_MIN
          + ") <= (has(self.ratioMax) ? self.ratioMax : "
          + Defaults.SEG_RATIO_MAX
          + ")";

  public static final String RATIO_MESSAGE =
      "segmentation.ratioMin must not exceed segmentation.ratioMax";

  public static final String CLASS_WEIGHTS_MESSAGE = "class weights are 0 to 1000000";

  @JsonPropertyDescription(
      "Channels of the UperNet decode head (mmseg ViT and SARMAE: 512; MAE's config: 768). Trainer key segmentation.channels.")
  @Min(1)
  @Max(4096)
  @Default(Defaults.SEG_CHANNELS)
  private Integer channels;

  @JsonPropertyDescription(
      "Channels of the FCN auxiliary head on pyramid level 2 (stride 16); 0 removes the auxiliary head. Trainer key segmentation.auxChannels.")
  @Min(0)
  @Max(4096)
  @Default(Defaults.SEG_AUX_CHANNELS)
  private Integer auxChannels;

  @JsonPropertyDescription(
      "Weight of the auxiliary head's loss: loss = decode + auxWeight x auxiliary (mmseg configs: 0.4). Trainer key segmentation.auxWeight.")
  @Min(0)
  @Max(10)
  @Default(Defaults.SEG_AUX_WEIGHT)
  private Double auxWeight;

  @JsonPropertyDescription(
      "Dropout2d before both classifiers, in [0, 1). Trainer key segmentation.dropout.")
  @Min(0)
  @Max(value = 1, inclusive = false)
  @Default(Defaults.SEG_DROPOUT)
  private Double dropout;

  @JsonPropertyDescription(
      "Divisor of the summed per-pixel cross-entropy (ignore index 255): all-pixels (mmseg's default, avg_non_ignore=False; the MAE, BEiT and SARMAE recipes), non-ignored (avg_non_ignore=True) or weight-sum (PyTorch's weighted mean). Trainer key segmentation.lossNorm.")
  @Default(Defaults.SEG_LOSS_NORM)
  private SegLossNorm lossNorm;

  @JsonPropertyDescription(
      "One loss weight per class of the dataset's classes.txt, in index order, each 0 to 1000000; absent or empty for none. A count other than the dataset's classes makes the trainer exit 2 (the operator cannot see the dataset). Trainer key segmentation.classWeights.")
  @Size(max = 254)
  @ValidationRule(
      value = "self.all(w, w >= 0.0 && w <= 1000000.0)",
      message = CLASS_WEIGHTS_MESSAGE)
  private List<Double> classWeights;

  @JsonPropertyDescription(
      "RandomResize base scale, long side, in training crops (mmseg's scale=(2048, 512) for crop 512 is 4). Trainer key segmentation.scaleLong.")
  @Min(value = 0, inclusive = false)
  @Max(64)
  @Default(Defaults.SEG_SCALE_LONG)
  private Double scaleLong;

  @JsonPropertyDescription(
      "RandomResize base scale, short side, in training crops (1). Trainer key segmentation.scaleShort.")
  @Min(value = 0, inclusive = false)
  @Max(64)
  @Default(Defaults.SEG_SCALE_SHORT)
  private Double scaleShort;

  @JsonPropertyDescription(
      "Lower end of RandomResize's ratio range (mmseg 0.5; SARMAE 0.75); at most ratioMax. Trainer key segmentation.ratioRange[0].")
  @Min(value = 0, inclusive = false)
  @Max(16)
  @Default(Defaults.SEG_RATIO_MIN)
  private Double ratioMin;

  @JsonPropertyDescription(
      "Upper end of RandomResize's ratio range (mmseg 2.0; SARMAE 1.25). Trainer key segmentation.ratioRange[1].")
  @Min(value = 0, inclusive = false)
  @Max(16)
  @Default(Defaults.SEG_RATIO_MAX)
  private Double ratioMax;

  @JsonPropertyDescription(
      "RandomCrop's largest share of one class in a crop, in (0, 1]; 1 disables the check. Trainer key segmentation.catMaxRatio.")
  @Min(value = 0, inclusive = false)
  @Max(1)
  @Default(Defaults.SEG_CAT_MAX_RATIO)
  private Double catMaxRatio;

  @JsonPropertyDescription("Horizontal flip probability, 0 to 1. Trainer key segmentation.hflip.")
  @Min(0)
  @Max(1)
  @Default(Defaults.SEG_HFLIP)
  private Double hflip;

  @JsonPropertyDescription(
      "Vertical flip probability, 0 to 1 (SARMAE: 0.5). Trainer key segmentation.vflip.")
  @Min(0)
  @Max(1)
  @Default(Defaults.SEG_VFLIP)
  private Double vflip;

  @JsonPropertyDescription(
      "Evaluation: whole (the whole image, any size, padded to a multiple of 32) or slide (windows of the training crop model.imageSize, logits averaged over overlaps). Trainer key segmentation.inference.")
  @Default(Defaults.SEG_INFERENCE)
  private SegInference inference;

  @JsonPropertyDescription(
      "Sliding-window stride in pixels, at most model.imageSize; 0 = two thirds of the crop (MAE: 341 for 512). Trainer key segmentation.slideStride.")
  @Min(0)
  @Max(1024)
  @Default(Defaults.SEG_SLIDE_STRIDE)
  private Integer slideStride;

  @JsonPropertyDescription(
      "Index of a foreground class (e.g. Water) whose binary IoU against everything else is reported too; absent for none. Must be below the number of classes (checked by the trainer, exit 2). Trainer key segmentation.binaryClass.")
  @Min(0)
  @Max(254)
  private Integer binaryClass;

  public Integer getChannels() {
    return channels;
  }

  public void setChannels(Integer channels) {
    this.channels = channels;
  }

  public Integer getAuxChannels() {
    return auxChannels;
  }

  public void setAuxChannels(Integer auxChannels) {
    this.auxChannels = auxChannels;
  }

  public Double getAuxWeight() {
    return auxWeight;
  }

  public void setAuxWeight(Double auxWeight) {
    this.auxWeight = auxWeight;
  }

  public Double getDropout() {
    return dropout;
  }

  public void setDropout(Double dropout) {
    this.dropout = dropout;
  }

  public SegLossNorm getLossNorm() {
    return lossNorm;
  }

  public void setLossNorm(SegLossNorm lossNorm) {
    this.lossNorm = lossNorm;
  }

  public List<Double> getClassWeights() {
    return classWeights;
  }

  public void setClassWeights(List<Double> classWeights) {
    this.classWeights = classWeights;
  }

  public Double getScaleLong() {
    return scaleLong;
  }

  public void setScaleLong(Double scaleLong) {
    this.scaleLong = scaleLong;
  }

  public Double getScaleShort() {
    return scaleShort;
  }

  public void setScaleShort(Double scaleShort) {
    this.scaleShort = scaleShort;
  }

  public Double getRatioMin() {
    return ratioMin;
  }

  public void setRatioMin(Double ratioMin) {
    this.ratioMin = ratioMin;
  }

  public Double getRatioMax() {
    return ratioMax;
  }

  public void setRatioMax(Double ratioMax) {
    this.ratioMax = ratioMax;
  }

  public Double getCatMaxRatio() {
    return catMaxRatio;
  }

  public void setCatMaxRatio(Double catMaxRatio) {
    this.catMaxRatio = catMaxRatio;
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

  public SegInference getInference() {
    return inference;
  }

  public void setInference(SegInference inference) {
    this.inference = inference;
  }

  public Integer getSlideStride() {
    return slideStride;
  }

  public void setSlideStride(Integer slideStride) {
    this.slideStride = slideStride;
  }

  public Integer getBinaryClass() {
    return binaryClass;
  }

  public void setBinaryClass(Integer binaryClass) {
    this.binaryClass = binaryClass;
  }
}
