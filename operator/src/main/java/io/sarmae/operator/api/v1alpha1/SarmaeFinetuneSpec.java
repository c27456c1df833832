package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Desired state of a SARMAE fine-tuning run. */
@ValidationRule(value = SpecRules.IMMUTABLE_FINETUNE, message = SpecRules.IMMUTABLE_MESSAGE)
@ValidationRule(
    value = "!has(self.replicas) || self.replicas == 1",
    message =
        "replicas must be 1: the fine-tune trainer runs one process (use gpusPerReplica for several GPUs)")
@ValidationRule(
    value = "has(self.fromPretrain) != has(self.pretrainedWeights)",
    message = "set exactly one of fromPretrain and pretrainedWeights")
@ValidationRule(
    value = SarmaeFinetuneSpec.SEG_SETTINGS_RULE,
    message = SarmaeFinetuneSpec.SEG_SETTINGS_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.SEG_MODE_RULE,
    message = SarmaeFinetuneSpec.SEG_MODE_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.SEG_BATCH_RULE,
    message = SarmaeFinetuneSpec.SEG_BATCH_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.SEG_CROP_RULE,
    message = SarmaeFinetuneSpec.SEG_CROP_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.SEG_STRIDE_RULE,
    message = SarmaeFinetuneSpec.SEG_STRIDE_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.DET_SETTINGS_RULE,
    message = SarmaeFinetuneSpec.DET_SETTINGS_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.DET_MODE_RULE,
    message = SarmaeFinetuneSpec.DET_MODE_MESSAGE)
@ValidationRule(
    value = SarmaeFinetuneSpec.DET_SIZE_RULE,
    message = SarmaeFinetuneSpec.DET_SIZE_MESSAGE)
@ValidationRule(
    value = SpecRules.FINETUNE_RECIPE_TASK,
    message = SpecRules.FINETUNE_RECIPE_TASK_MESSAGE)
@ValidationRule(value = SpecRules.BF16_ATTENTION, message = SpecRules.BF16_ATTENTION_MESSAGE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SarmaeFinetuneSpec extends JobSpecCommon {

  @JsonPropertyDescription(
      "A named paper protocol (docs/method.md, Named recipes): sets every trainer key the reference fixes for one experiment of the paper (ViT-B/16, normalisation, no flips, crop scale, batch 8, 30 epochs, 5 repeats, one fixed split). A field of this spec left at its default takes the recipe's value; a field set to another value overrides the recipe. Classification only. Trainer key recipe.")
  private FinetuneRecipe recipe;

  public FinetuneRecipe getRecipe() {
    return recipe;
  }

  public void setRecipe(FinetuneRecipe recipe) {
    this.recipe = recipe;
  }

  // Cross-field rules of task: detection (FinetuneConfigValidator.checkDetection; CelMirror
  // repeats them with the same messages).
  private static final String DET = "has(self.task) && self.task == 'detection'";

  public static final String DET_SETTINGS_RULE = "!has(self.detection) || " + DET;
  public static final String DET_SETTINGS_MESSAGE =
      "spec.detection is only valid with task: detection";

  public static final String DET_MODE_RULE =
      "!(" + DET + ") || !has(self.mode) || self.mode == 'finetune'";
  public static final String DET_MODE_MESSAGE =
      "task detection trains the whole model: mode linprobe is not available, use finetune";

  /**
   * The detection input side: model.imageSize, else {@link Defaults#DET_IMAGE_SIZE} (the API server
   * fills in the schema's 224 whenever spec.model is written, which this rule then refuses with the
   * fix).
   */
  public static final String DET_SIZE_RULE =
      "!("
          + DET
          + ") || (has(self.model) && has(self.model.imageSize) ? self.model.imageSize : "
          + Defaults.DET_IMAGE_SIZE
          + ") % (has(self.detection) && has(self.detection.strides)"
          + " && size(self.detection.strides) > 0"
          + " ? self.detection.strides[size(self.detection.strides) - 1] : 64) == 0";

  public static final String DET_SIZE_MESSAGE =
      "task detection needs model.imageSize to be a multiple of the largest detection stride (64"
          + " with the default detection.strides): set model.imageSize, e.g. 512 (the schema's"
          + " default 224 is not one)";

  // Cross-field rules of task: segmentation, the trainer's FinetuneConfigValidator checks that the
  // schema can see (CelMirror repeats them with the same messages).
  private static final String SEG = "has(self.task) && self.task == 'segmentation'";

  public static final String SEG_SETTINGS_RULE = "!has(self.segmentation) || " + SEG;
  public static final String SEG_SETTINGS_MESSAGE =
      "spec.segmentation is only valid with task: segmentation";

  public static final String SEG_MODE_RULE =
      "!(" + SEG + ") || !has(self.mode) || self.mode == 'finetune'";
  public static final String SEG_MODE_MESSAGE =
      "task segmentation trains the whole model: mode linprobe is not available, use finetune";

  public static final String SEG_BATCH_RULE =
      "!("
          + SEG
          + ") || !has(self.optim) || !has(self.optim.batchSize) || self.optim.batchSize >= 2";
  public static final String SEG_BATCH_MESSAGE =
      "task segmentation needs optim.batchSize >= 2 (its BatchNorm layers need two images per"
          + " batch)";

  public static final String SEG_CROP_RULE =
      "!("
          + SEG
          + ") || !has(self.model) || !has(self.model.imageSize) || self.model.imageSize >= 32";
  public static final String SEG_CROP_MESSAGE =
      "task segmentation needs model.imageSize (the training crop) >= 32: the stride-32 pyramid"
          + " level needs a pixel";

  public static final String SEG_STRIDE_RULE =
      "!has(self.segmentation) || !has(self.segmentation.slideStride)"
          + " || self.segmentation.slideStride <= (has(self.model) && has(self.model.imageSize)"
          + " ? self.model.imageSize : "
          + Defaults.MODEL_IMAGE_SIZE
          + ")";
  public static final String SEG_STRIDE_MESSAGE =
      "segmentation.slideStride must not exceed model.imageSize (the window)";

  @JsonPropertyDescription(
      "The downstream task: classification (image-folder dataset, top-1; the default), segmentation (ViT + UperNet on an mmsegmentation-layout dataset, mIoU; settings in spec.segmentation) or detection (FCOS on the ViTDet feature pyramid over a COCO, DOTA or VOC dataset, mAP; settings in spec.detection). Trainer key task.")
  @Default(Defaults.FINETUNE_TASK)
  private FinetuneTask task;

  @JsonPropertyDescription(
      "Settings of task segmentation (the trainer's segmentation.* keys); only valid with task: segmentation. The training crop is model.imageSize, the ignore label 255, the classes those of the dataset's classes.txt.")
  private SegmentationSettings segmentation;

  @JsonPropertyDescription(
      "Settings of task detection (the trainer's detection.* keys: annotation format, FCOS head, losses, post-processing, augmentation, DOTA AP method); only valid with task: detection. The input side is model.imageSize (512 when spec.model is absent; must be a multiple of the largest stride), the classes those of the dataset.")
  private DetectionSettings detection;

  public DetectionSettings getDetection() {
    return detection;
  }

  public void setDetection(DetectionSettings detection) {
    this.detection = detection;
  }

  public FinetuneTask getTask() {
    return task;
  }

  public void setTask(FinetuneTask task) {
    this.task = task;
  }

  public SegmentationSettings getSegmentation() {
    return segmentation;
  }

  public void setSegmentation(SegmentationSettings segmentation) {
    this.segmentation = segmentation;
  }

  @JsonPropertyDescription(
      "Name of a SarmaePretrain in the same namespace. The run waits (condition WaitingForPretrain) until it succeeds and then starts from its final checkpoint. Exactly one of fromPretrain and pretrainedWeights.")
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 253)
  private String fromPretrain;

  @JsonPropertyDescription("Pretrained encoder weights given by path instead of fromPretrain.")
  private WeightsRef pretrainedWeights;

  @JsonPropertyDescription("Labelled dataset.")
  @Required
  private FinetuneDataset dataset;

  @JsonPropertyDescription("Evaluation protocol.")
  @Required
  private Protocol protocol;

  @JsonPropertyDescription(
      "finetune trains the whole encoder and a linear head; linprobe is MAE's linear probe: the encoder frozen, a BatchNorm without learned parameters and a linear head trained (cheaper; its defaults: weight decay 0, blr 0.1, no label smoothing; mixup and cutmix are not allowed). Trainer key model.mode.")
  @Default(Defaults.FINETUNE_MODE)
  private FinetuneMode mode;

  @JsonPropertyDescription(
      "Independent repeats (different seeds and, for kshot, different shots); results report mean and standard deviation. Default 1, the reference command line's --exp_num; its README recipe uses 5.")
  @Min(1)
  @Max(100)
  @Default(Defaults.FINETUNE_REPEATS)
  private Integer repeats;

  @JsonPropertyDescription(
      "Encoder settings; must match the pretrained weights. Decoder settings are ignored.")
  private ModelSettings model;

  @JsonPropertyDescription("Optimisation settings.")
  private FinetuneOptim optim;

  public FinetuneMode getMode() {
    return mode;
  }

  public void setMode(FinetuneMode mode) {
    this.mode = mode;
  }

  public String getFromPretrain() {
    return fromPretrain;
  }

  public void setFromPretrain(String fromPretrain) {
    this.fromPretrain = fromPretrain;
  }

  public WeightsRef getPretrainedWeights() {
    return pretrainedWeights;
  }

  public void setPretrainedWeights(WeightsRef pretrainedWeights) {
    this.pretrainedWeights = pretrainedWeights;
  }

  public FinetuneDataset getDataset() {
    return dataset;
  }

  public void setDataset(FinetuneDataset dataset) {
    this.dataset = dataset;
  }

  public Protocol getProtocol() {
    return protocol;
  }

  public void setProtocol(Protocol protocol) {
    this.protocol = protocol;
  }

  public Integer getRepeats() {
    return repeats;
  }

  public void setRepeats(Integer repeats) {
    this.repeats = repeats;
  }

  public ModelSettings getModel() {
    return model;
  }

  public void setModel(ModelSettings model) {
    this.model = model;
  }

  public FinetuneOptim getOptim() {
    return optim;
  }

  public void setOptim(FinetuneOptim optim) {
    this.optim = optim;
  }
}
