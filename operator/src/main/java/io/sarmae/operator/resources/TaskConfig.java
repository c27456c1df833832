package io.sarmae.operator.resources;

import static io.sarmae.operator.resources.Effective.d;
import static io.sarmae.operator.resources.Effective.i;

import io.sarmae.operator.api.v1alpha1.Defaults;
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
public sealed interface TaskConfig permits TaskConfig.Classification, TaskConfig.Segmentation {

  /**
   * The task's rendering, or empty when this operator version does not support the task (the run is
   * rejected by {@code SpecValidation}).
   */
  static Optional<TaskConfig> of(FinetuneTask task) {
    return switch (task == null ? FinetuneTask.CLASSIFICATION : task) {
      case CLASSIFICATION -> Optional.of(new Classification());
      case SEGMENTATION -> Optional.of(new Segmentation());
      case DETECTION -> Optional.empty();
    };
  }

  /** Tasks this operator version runs, as written in manifests (those {@link #of} knows). */
  List<String> SUPPORTED =
      Arrays.stream(FinetuneTask.values())
          .filter(t -> of(t).isPresent())
          .map(FinetuneTask::wireName)
          .toList();

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
      seg.put("channels", i(s.getChannels(), Defaults.SEG_CHANNELS));
      seg.put("auxChannels", i(s.getAuxChannels(), Defaults.SEG_AUX_CHANNELS));
      seg.put("auxWeight", d(s.getAuxWeight(), Defaults.SEG_AUX_WEIGHT));
      seg.put("dropout", d(s.getDropout(), Defaults.SEG_DROPOUT));
      seg.put(
          "lossNorm",
          s.getLossNorm() != null ? s.getLossNorm().wireName() : Defaults.SEG_LOSS_NORM);
      seg.put(
          "classWeights",
          s.getClassWeights() != null ? List.copyOf(s.getClassWeights()) : List.of());
      seg.put("scaleLong", d(s.getScaleLong(), Defaults.SEG_SCALE_LONG));
      seg.put("scaleShort", d(s.getScaleShort(), Defaults.SEG_SCALE_SHORT));
      seg.put(
          "ratioRange",
          List.of(
              d(s.getRatioMin(), Defaults.SEG_RATIO_MIN),
              d(s.getRatioMax(), Defaults.SEG_RATIO_MAX)));
      seg.put("catMaxRatio", d(s.getCatMaxRatio(), Defaults.SEG_CAT_MAX_RATIO));
      seg.put("hflip", d(s.getHflip(), Defaults.SEG_HFLIP));
      seg.put("vflip", d(s.getVflip(), Defaults.SEG_VFLIP));
      seg.put(
          "inference",
          s.getInference() != null ? s.getInference().wireName() : Defaults.SEG_INFERENCE);
      seg.put("slideStride", i(s.getSlideStride(), Defaults.SEG_SLIDE_STRIDE));
      if (s.getBinaryClass() != null) {
        seg.put("binaryClass", s.getBinaryClass());
      }
    }
  }
}
