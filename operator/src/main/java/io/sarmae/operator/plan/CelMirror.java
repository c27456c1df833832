package io.sarmae.operator.plan;

import io.sarmae.operator.api.v1alpha1.AlignmentSettings;
import io.sarmae.operator.api.v1alpha1.AttentionKernel;
import io.sarmae.operator.api.v1alpha1.Defaults;
import io.sarmae.operator.api.v1alpha1.DetectionSettings;
import io.sarmae.operator.api.v1alpha1.FinetuneDataset;
import io.sarmae.operator.api.v1alpha1.FinetuneMode;
import io.sarmae.operator.api.v1alpha1.FinetuneTask;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.ModelSettings;
import io.sarmae.operator.api.v1alpha1.NoiseSettings;
import io.sarmae.operator.api.v1alpha1.Precision;
import io.sarmae.operator.api.v1alpha1.Protocol;
import io.sarmae.operator.api.v1alpha1.ProtocolType;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.api.v1alpha1.SegmentationSettings;
import io.sarmae.operator.api.v1alpha1.SpecRules;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.resources.Effective;
import java.util.List;

/**
 * The value rules of the CRDs' CEL {@code x-kubernetes-validations}, repeated in Java with the same
 * messages for API servers that do not evaluate CEL. {@code CelAgreementTest} evaluates the
 * generated CRD's CEL rules (cel-java) and these checks on the same table of manifests and fails
 * when their verdicts or messages differ, so the rules in the annotations stay the one source. The
 * transition rule (immutability) is {@link AcceptedSpec}; the name rule is in {@link
 * SpecValidation}.
 */
final class CelMirror {
  private CelMirror() {}

  static final String NO_DOTDOT = "must not contain '..'";

  static void check(JobSpecCommon spec, List<String> errors) {
    if (spec.getFailurePolicy() != null
        && spec.getFailurePolicy().getRetryableExitCodes() != null) {
      if (spec.getFailurePolicy().getRetryableExitCodes().stream()
          .anyMatch(c -> c == null || c < 1 || c > 255)) {
        errors.add("spec.failurePolicy.retryableExitCodes: exit codes are 1 to 255");
      }
    }
    if (spec.getCheckpoint() != null) {
      dotdot("spec.checkpoint.path", spec.getCheckpoint().getPath(), errors);
      dotdot("spec.checkpoint.resumeFrom", spec.getCheckpoint().getResumeFrom(), errors);
    }
    if (spec instanceof SarmaePretrainSpec p) {
      bf16Attention(
          p.getOptim() != null ? p.getOptim().getPrecision() : null, p.getModel(), errors);
      model(p.getModel(), errors);
      noise(p.getNoise(), errors);
      if (p.getData() != null) {
        dotdot("spec.data.path", p.getData().getPath(), errors);
      }
      weights("spec.initWeights", p.getInitWeights(), errors);
      weights("spec.opticalWeights", p.getOpticalWeights(), errors);
      randomTeacher(p, errors);
      if (p.getRecipe() != null && (p.getInitWeights() == null || p.getOpticalWeights() == null)) {
        errors.add(SpecRules.PRETRAIN_RECIPE_WEIGHTS_MESSAGE);
      }
    } else if (spec instanceof SarmaeFinetuneSpec f) {
      bf16Attention(
          f.getOptim() != null ? f.getOptim().getPrecision() : null, f.getModel(), errors);
      model(f.getModel(), errors);
      weights("spec.pretrainedWeights", f.getPretrainedWeights(), errors);
      if (f.getRecipe() != null
          && f.getTask() != null
          && f.getTask() != FinetuneTask.CLASSIFICATION) {
        errors.add(SpecRules.FINETUNE_RECIPE_TASK_MESSAGE);
      }
      if (f.getDataset() != null) {
        dotdot("spec.dataset.path", f.getDataset().getPath(), errors);
      }
      protocol(f.getProtocol(), errors);
      if (f.getDataset() != null
          && f.getDataset().getTestSplits() != null
          && !f.getDataset().getTestSplits().stream()
              .allMatch(t -> t != null && t.matches(FinetuneDataset.SPLIT_PATTERN))) {
        errors.add("spec.dataset.testSplits: " + FinetuneDataset.SPLIT_MESSAGE);
      }
      segmentation(f, errors);
      detection(f, errors);
    }
  }

  /** The rules of {@code task: detection} ({@link SarmaeFinetuneSpec}'s DET_* constants). */
  static void detection(SarmaeFinetuneSpec f, List<String> errors) {
    boolean det = f.getTask() == FinetuneTask.DETECTION;
    DetectionSettings s = f.getDetection();
    if (s != null && !det) {
      errors.add("spec: " + SarmaeFinetuneSpec.DET_SETTINGS_MESSAGE);
    }
    if (det && f.getMode() != null && f.getMode() != FinetuneMode.FINETUNE) {
      errors.add("spec: " + SarmaeFinetuneSpec.DET_MODE_MESSAGE);
    }
    List<Integer> strides = s != null ? s.getStrides() : null;
    boolean stridesOk = true;
    if (strides != null) {
      for (int k = 0; k < strides.size(); k++) {
        Integer st = strides.get(k);
        if (st == null
            || !Defaults.DET_STRIDES_ALLOWED.contains(st)
            || (k > 0 && strides.get(k - 1) != null && st <= strides.get(k - 1))) {
          stridesOk = false;
        }
      }
      if (!stridesOk || strides.isEmpty()) {
        errors.add("spec.detection.strides: " + DetectionSettings.STRIDES_MESSAGE);
      }
    }
    if (det && stridesOk) {
      int largest =
          strides != null && !strides.isEmpty()
              ? strides.get(strides.size() - 1)
              : Defaults.DET_STRIDES.get(Defaults.DET_STRIDES.size() - 1);
      if (Effective.finetuneImageSize(f) % largest != 0) {
        errors.add("spec: " + SarmaeFinetuneSpec.DET_SIZE_MESSAGE);
      }
    }
    if (s != null
        && Boolean.TRUE.equals(s.getOriented())
        && s.getFormat() != io.sarmae.operator.api.v1alpha1.DetFormat.DOTA) {
      errors.add("spec.detection: " + DetectionSettings.ORIENTED_MESSAGE);
    }
  }

  /** The rules of {@code task: segmentation} ({@link SarmaeFinetuneSpec}'s SEG_* constants). */
  static void segmentation(SarmaeFinetuneSpec f, List<String> errors) {
    boolean seg = f.getTask() == FinetuneTask.SEGMENTATION;
    SegmentationSettings s = f.getSegmentation();
    if (s != null && !seg) {
      errors.add("spec: " + SarmaeFinetuneSpec.SEG_SETTINGS_MESSAGE);
    }
    if (seg && f.getMode() != null && f.getMode() != FinetuneMode.FINETUNE) {
      errors.add("spec: " + SarmaeFinetuneSpec.SEG_MODE_MESSAGE);
    }
    if (seg
        && f.getOptim() != null
        && f.getOptim().getBatchSize() != null
        && f.getOptim().getBatchSize() < 2) {
      errors.add("spec: " + SarmaeFinetuneSpec.SEG_BATCH_MESSAGE);
    }
    Integer crop = f.getModel() != null ? f.getModel().getImageSize() : null;
    if (seg && crop != null && crop < 32) {
      errors.add("spec: " + SarmaeFinetuneSpec.SEG_CROP_MESSAGE);
    }
    if (s == null) {
      return;
    }
    if (s.getSlideStride() != null
        && s.getSlideStride()
            > (crop != null ? crop : Integer.parseInt(Defaults.MODEL_IMAGE_SIZE))) {
      errors.add("spec: " + SarmaeFinetuneSpec.SEG_STRIDE_MESSAGE);
    }
    if (Effective.doubleOr(s.getRatioMin(), Defaults.SEG_RATIO_MIN)
        > Effective.doubleOr(s.getRatioMax(), Defaults.SEG_RATIO_MAX)) {
      errors.add("spec.segmentation: " + SegmentationSettings.RATIO_MESSAGE);
    }
    if (s.getClassWeights() != null
        && !s.getClassWeights().stream().allMatch(w -> w != null && w >= 0 && w <= 1e6)) {
      errors.add("spec.segmentation.classWeights: " + SegmentationSettings.CLASS_WEIGHTS_MESSAGE);
    }
  }

  /** {@link SpecRules#BF16_ATTENTION}. */
  static void bf16Attention(Precision precision, ModelSettings m, List<String> errors) {
    if (precision == Precision.BF16 && m != null && m.getAttention() == AttentionKernel.PLAIN) {
      errors.add(SpecRules.BF16_ATTENTION_MESSAGE);
    }
  }

  static void model(ModelSettings m, List<String> errors) {
    if (m == null) {
      return;
    }
    if (m.getPatchSize() != null
        && m.getImageSize() != null
        && m.getPatchSize() != 0
        && m.getImageSize() % m.getPatchSize() != 0) {
      errors.add("spec.model: model.patchSize must divide model.imageSize");
    }
    Integer dim = m.getDecoderDim();
    if (dim != null
        && (dim % 4 != 0
            || (m.getDecoderHeads() != null
                && m.getDecoderHeads() != 0
                && dim % m.getDecoderHeads() != 0))) {
      errors.add("spec.model: model.decoderDim must be divisible by 4 and by model.decoderHeads");
    }
    if (m.getInChannels() != null && m.getInChannels() != 1 && m.getInChannels() != 3) {
      errors.add("spec.model.inChannels: inChannels must be 1 or 3");
    }
  }

  static void noise(NoiseSettings n, List<String> errors) {
    if (n != null
        && n.getSigmaMin() != null
        && n.getSigmaMax() != null
        && !(n.getSigmaMin() < n.getSigmaMax())) {
      errors.add("spec.noise: noise.sigmaMin must be below noise.sigmaMax");
    }
  }

  /** {@link SpecRules#RANDOM_TEACHER}: absent fields take their defaults. */
  static void randomTeacher(SarmaePretrainSpec p, List<String> errors) {
    AlignmentSettings a = p.getAlignment() != null ? p.getAlignment() : new AlignmentSettings();
    boolean enabled = Effective.boolOr(a.getEnabled(), Defaults.ALIGNMENT_ENABLED);
    double weight = Effective.doubleOr(a.getAlignWeight(), Defaults.ALIGNMENT_ALIGN_WEIGHT);
    boolean consent = Effective.boolOr(a.getRandomTeacher(), Defaults.ALIGNMENT_RANDOM_TEACHER);
    if (enabled && weight > 0 && p.getOpticalWeights() == null && !consent) {
      errors.add(
          SpecRules.randomTeacherMessage(
              a.getOpticalEncoder() != null
                  ? a.getOpticalEncoder().wireName()
                  : Defaults.ALIGNMENT_OPTICAL_ENCODER));
    }
  }

  static void weights(String field, WeightsRef w, List<String> errors) {
    if (w == null || w.getPath() == null) {
      return;
    }
    if ((w.getClaimName() != null) == w.getPath().startsWith("/")) {
      errors.add(
          field
              + ": path must be relative to the claim when claimName is set, and absolute"
              + " otherwise");
    }
    dotdot(field + ".path", w.getPath(), errors);
  }

  static void protocol(Protocol p, List<String> errors) {
    if (p == null || p.getType() == null) {
      return;
    }
    if (p.getType() != ProtocolType.K_SHOT && p.getShots() != null) {
      errors.add("spec.protocol: protocol.shots is only valid for kshot");
    }
    if (p.getType() != ProtocolType.FRACTION && p.getFraction() != null) {
      errors.add("spec.protocol: protocol.fraction is only valid for fraction");
    }
  }

  static void dotdot(String field, String value, List<String> errors) {
    if (value != null && value.contains("..")) {
      errors.add(field + ": " + NO_DOTDOT);
    }
  }
}
