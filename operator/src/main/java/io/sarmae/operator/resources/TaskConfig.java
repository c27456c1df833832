package io.sarmae.operator.resources;

import static io.sarmae.operator.resources.Effective.boolOr;
import static io.sarmae.operator.resources.Effective.doubleOr;
import static io.sarmae.operator.resources.Effective.intOr;

import io.sarmae.operator.api.v1alpha1.Defaults;
import io.sarmae.operator.api.v1alpha1.DetectionSettings;
import io.sarmae.operator.api.v1alpha1.FinetuneTask;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SegmentationSettings;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one fine-tuning task adds to the trainer config: its default split names and its own
 * section. Everything else (the shared keys, the status from the termination message, which names
 * its primary metric itself) is task-independent, so a new task (detection) is one more
 * implementation here and one more constant in {@link #of}.
 */
public sealed interface TaskConfig
    permits TaskConfig.Classification, TaskConfig.Segmentation, TaskConfig.Detection {

  /**
   * The task's rendering, or empty when this operator version does not support the task (the run is
   * rejected by {@code SpecValidation}).
   */
  static Optional<TaskConfig> of(FinetuneTask task) {
    return switch (task == null ? FinetuneTask.CLASSIFICATION : task) {
      case CLASSIFICATION -> Optional.of(new Classification());
      case SEGMENTATION -> Optional.of(new Segmentation());
      case DETECTION -> Optional.of(new Detection());
    };
  }

  /** Tasks this operator version runs, as written in manifests (those {@link #of} knows). */
  List<String> SUPPORTED =
      Arrays.stream(FinetuneTask.values())
          .filter(t -> of(t).isPresent())
          .map(FinetuneTask::wireName)
          .toList();

  /**
   * The task of {@code spec} (classification when absent); every task this operator version runs,
   * so callers after {@code SpecValidation} need no empty case.
   */
  static TaskConfig forSpec(SarmaeFinetuneSpec spec) {
    FinetuneTask task = spec.getTask() != null ? spec.getTask() : FinetuneTask.CLASSIFICATION;
    return of(task)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "task " + task.wireName() + " is not supported by this operator version"));
  }

  /** {@code model.imageSize} when the spec gives none. */
  default String defaultImageSize() {
    return Defaults.MODEL_IMAGE_SIZE;
  }

  /** {@code data.trainSplit} when the spec gives none. */
  String trainSplit();

  /** {@code data.evalSplit} when the spec gives none. */
  String evalSplit();

  /** Adds the task's own section(s) to the config being rendered. */
  void render(Map<String, Map<String, Object>> config, SarmaeFinetuneSpec spec);

  /** Image-folder classification: the trainer's default split names, no section of its own. */
  record Classification() implements TaskConfig {
    @Override
    public String trainSplit() {
      return "Train";
    }

    @Override
    public String evalSplit() {
      return "Val";
    }

    @Override
    public void render(Map<String, Map<String, Object>> config, SarmaeFinetuneSpec spec) {}
  }

  /** ViT + UperNet: the mmsegmentation split names and the {@code segmentation} section. */
  record Segmentation() implements TaskConfig {
    @Override
    public String trainSplit() {
      return "train";
    }

    @Override
    public String evalSplit() {
      return "val";
    }

    @Override
    public void render(Map<String, Map<String, Object>> config, SarmaeFinetuneSpec spec) {
      SegmentationSettings s =
          spec.getSegmentation() != null ? spec.getSegmentation() : new SegmentationSettings();
      Map<String, Object> seg = config.computeIfAbsent("segmentation", k -> new LinkedHashMap<>());
      seg.put("channels", intOr(s.getChannels(), Defaults.SEG_CHANNELS));
      seg.put("auxChannels", intOr(s.getAuxChannels(), Defaults.SEG_AUX_CHANNELS));
      seg.put("auxWeight", doubleOr(s.getAuxWeight(), Defaults.SEG_AUX_WEIGHT));
      seg.put("dropout", doubleOr(s.getDropout(), Defaults.SEG_DROPOUT));
      seg.put(
          "lossNorm",
          s.getLossNorm() != null ? s.getLossNorm().wireName() : Defaults.SEG_LOSS_NORM);
      seg.put(
          "classWeights",
          s.getClassWeights() != null ? List.copyOf(s.getClassWeights()) : List.of());
      seg.put("scaleLong", doubleOr(s.getScaleLong(), Defaults.SEG_SCALE_LONG));
      seg.put("scaleShort", doubleOr(s.getScaleShort(), Defaults.SEG_SCALE_SHORT));
      seg.put(
          "ratioRange",
          List.of(
              doubleOr(s.getRatioMin(), Defaults.SEG_RATIO_MIN),
              doubleOr(s.getRatioMax(), Defaults.SEG_RATIO_MAX)));
      seg.put("catMaxRatio", doubleOr(s.getCatMaxRatio(), Defaults.SEG_CAT_MAX_RATIO));
      seg.put("hflip", doubleOr(s.getHflip(), Defaults.SEG_HFLIP));
      seg.put("vflip", doubleOr(s.getVflip(), Defaults.SEG_VFLIP));
      seg.put(
          "inference",
          s.getInference() != null ? s.getInference().wireName() : Defaults.SEG_INFERENCE);
      seg.put("slideStride", intOr(s.getSlideStride(), Defaults.SEG_SLIDE_STRIDE));
      if (s.getBinaryClass() != null) {
        seg.put("binaryClass", s.getBinaryClass());
      }
    }
  }

  /**
   * FCOS on the ViTDet pyramid: the split names of SSDD / RSAR / the synthetic benchmark (train,
   * val), the {@code detection} section and an input side of 512 unless the spec sets one.
   */
  record Detection() implements TaskConfig {
    @Override
    public String defaultImageSize() {
      return Defaults.DET_IMAGE_SIZE;
    }

    @Override
    public String trainSplit() {
      return "train";
    }

    @Override
    public String evalSplit() {
      return "val";
    }

    @Override
    public void render(Map<String, Map<String, Object>> config, SarmaeFinetuneSpec spec) {
      DetectionSettings s =
          spec.getDetection() != null ? spec.getDetection() : new DetectionSettings();
      Map<String, Object> det = config.computeIfAbsent("detection", k -> new LinkedHashMap<>());
      det.put("format", s.getFormat() != null ? s.getFormat().wireName() : Defaults.DET_FORMAT);
      det.put("oriented", boolOr(s.getOriented(), Defaults.DET_ORIENTED));
      det.put(
          "strides",
          s.getStrides() != null && !s.getStrides().isEmpty()
              ? List.copyOf(s.getStrides())
              : Defaults.DET_STRIDES);
      det.put("channels", intOr(s.getChannels(), Defaults.DET_CHANNELS));
      det.put("headConvs", intOr(s.getHeadConvs(), Defaults.DET_HEAD_CONVS));
      det.put("centerness", boolOr(s.getCenterness(), Defaults.DET_CENTERNESS));
      det.put("centerSampling", boolOr(s.getCenterSampling(), Defaults.DET_CENTER_SAMPLING));
      det.put("centerRadius", doubleOr(s.getCenterRadius(), Defaults.DET_CENTER_RADIUS));
      det.put("focalAlpha", doubleOr(s.getFocalAlpha(), Defaults.DET_FOCAL_ALPHA));
      det.put("focalGamma", doubleOr(s.getFocalGamma(), Defaults.DET_FOCAL_GAMMA));
      det.put("boxLossWeight", doubleOr(s.getBoxLossWeight(), Defaults.DET_BOX_LOSS_WEIGHT));
      det.put("angleLossWeight", doubleOr(s.getAngleLossWeight(), Defaults.DET_ANGLE_LOSS_WEIGHT));
      det.put("scoreThreshold", doubleOr(s.getScoreThreshold(), Defaults.DET_SCORE_THRESHOLD));
      det.put("topKPerLevel", intOr(s.getTopKPerLevel(), Defaults.DET_TOP_K_PER_LEVEL));
      if (s.getNmsIou() != null) {
        // Absent: the trainer picks 0.5 (horizontal) or 0.1 (rotated) by detection.oriented.
        det.put("nmsIou", s.getNmsIou());
      }
      det.put("maxPerImage", intOr(s.getMaxPerImage(), Defaults.DET_MAX_PER_IMAGE));
      det.put("minBoxSize", doubleOr(s.getMinBoxSize(), Defaults.DET_MIN_BOX_SIZE));
      det.put("hflip", doubleOr(s.getHflip(), Defaults.DET_HFLIP));
      det.put("vflip", doubleOr(s.getVflip(), Defaults.DET_VFLIP));
      det.put("rot90", doubleOr(s.getRot90(), Defaults.DET_ROT90));
      det.put("crop", doubleOr(s.getCrop(), Defaults.DET_CROP));
      det.put("cropScaleMin", doubleOr(s.getCropScaleMin(), Defaults.DET_CROP_SCALE_MIN));
      det.put(
          "apMethod",
          s.getApMethod() != null ? s.getApMethod().wireName() : Defaults.DET_AP_METHOD);
    }
  }
}
