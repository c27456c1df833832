package io.sarmae.operator.api.v1alpha1;

import java.util.List;

/**
 * Which spec fields may change while a run exists, in one place: the CEL transition rules of both
 * CRDs are these constants, and the operator's own check (AcceptedSpec) digests exactly the fields
 * the rules compare. SpecRulesTest keeps the two lists and the spec classes in step.
 *
 * <p>Mutable, taking effect at once: {@code suspend}, {@code ttlSecondsAfterFinished}, {@code
 * activeDeadlineSeconds}, {@code failurePolicy} (backoff, retryable codes, timeouts) and {@code
 * scheduling} (used from the next pod group on). Everything else describes the training itself or
 * its pods and is immutable: create a new resource to change it.
 */
public final class SpecRules {
  private SpecRules() {}

  /** Spec fields that may change after creation. */
  public static final List<String> MUTABLE =
      List.of(
          "suspend",
          "ttlSecondsAfterFinished",
          "activeDeadlineSeconds",
          "failurePolicy",
          "scheduling");

  public static final String IMMUTABLE_MESSAGE =
      "spec is immutable after creation except suspend, ttlSecondsAfterFinished,"
          + " activeDeadlineSeconds, failurePolicy and scheduling; create a new resource to change"
          + " other settings";

  /** CEL: every immutable field of a SarmaePretrain spec is unchanged (presence included). */
  public static final String IMMUTABLE_PRETRAIN =
      "(has(self.image) ? has(oldSelf.image) && self.image == oldSelf.image : !has(oldSelf.image))"
          + " && "
          + "(has(self.imagePullPolicy) ? has(oldSelf.imagePullPolicy) && self.imagePullPolicy == oldSelf.imagePullPolicy : !has(oldSelf.imagePullPolicy))"
          + " && "
          + "(has(self.replicas) ? has(oldSelf.replicas) && self.replicas == oldSelf.replicas : !has(oldSelf.replicas))"
          + " && "
          + "(has(self.gpusPerReplica) ? has(oldSelf.gpusPerReplica) && self.gpusPerReplica == oldSelf.gpusPerReplica : !has(oldSelf.gpusPerReplica))"
          + " && "
          + "(has(self.resources) ? has(oldSelf.resources) && self.resources == oldSelf.resources : !has(oldSelf.resources))"
          + " && "
          + "(has(self.nodeSelector) ? has(oldSelf.nodeSelector) && self.nodeSelector == oldSelf.nodeSelector : !has(oldSelf.nodeSelector))"
          + " && "
          + "(has(self.tolerations) ? has(oldSelf.tolerations) && self.tolerations == oldSelf.tolerations : !has(oldSelf.tolerations))"
          + " && "
          + "(has(self.affinity) ? has(oldSelf.affinity) && self.affinity == oldSelf.affinity : !has(oldSelf.affinity))"
          + " && "
          + "(has(self.priorityClassName) ? has(oldSelf.priorityClassName) && self.priorityClassName == oldSelf.priorityClassName : !has(oldSelf.priorityClassName))"
          + " && "
          + "(has(self.podTemplate) ? has(oldSelf.podTemplate) && self.podTemplate == oldSelf.podTemplate : !has(oldSelf.podTemplate))"
          + " && "
          + "(has(self.checkpoint) ? has(oldSelf.checkpoint) && self.checkpoint == oldSelf.checkpoint : !has(oldSelf.checkpoint))"
          + " && "
          + "(has(self.seed) ? has(oldSelf.seed) && self.seed == oldSelf.seed : !has(oldSelf.seed))"
          + " && "
          + "(has(self.threads) ? has(oldSelf.threads) && self.threads == oldSelf.threads : !has(oldSelf.threads))"
          + " && "
          + "(has(self.logEverySteps) ? has(oldSelf.logEverySteps) && self.logEverySteps == oldSelf.logEverySteps : !has(oldSelf.logEverySteps))"
          + " && "
          + "(has(self.model) ? has(oldSelf.model) && self.model == oldSelf.model : !has(oldSelf.model))"
          + " && "
          + "(has(self.noise) ? has(oldSelf.noise) && self.noise == oldSelf.noise : !has(oldSelf.noise))"
          + " && "
          + "(has(self.alignment) ? has(oldSelf.alignment) && self.alignment == oldSelf.alignment : !has(oldSelf.alignment))"
          + " && "
          + "(has(self.optim) ? has(oldSelf.optim) && self.optim == oldSelf.optim : !has(oldSelf.optim))"
          + " && "
          + "(has(self.data) ? has(oldSelf.data) && self.data == oldSelf.data : !has(oldSelf.data))"
          + " && "
          + "(has(self.initWeights) ? has(oldSelf.initWeights) && self.initWeights == oldSelf.initWeights : !has(oldSelf.initWeights))"
          + " && "
          + "(has(self.opticalWeights) ? has(oldSelf.opticalWeights) && self.opticalWeights == oldSelf.opticalWeights : !has(oldSelf.opticalWeights))"
          + " && "
          + "(has(self.distributed) ? has(oldSelf.distributed) && self.distributed == oldSelf.distributed : !has(oldSelf.distributed))"
          + " && "
          + "(has(self.recipe) ? has(oldSelf.recipe) && self.recipe == oldSelf.recipe : !has(oldSelf.recipe))";

  /** CEL: every immutable field of a SarmaeFinetune spec is unchanged (presence included). */
  public static final String IMMUTABLE_FINETUNE =
      "(has(self.image) ? has(oldSelf.image) && self.image == oldSelf.image : !has(oldSelf.image))"
          + " && "
          + "(has(self.imagePullPolicy) ? has(oldSelf.imagePullPolicy) && self.imagePullPolicy == oldSelf.imagePullPolicy : !has(oldSelf.imagePullPolicy))"
          + " && "
          + "(has(self.replicas) ? has(oldSelf.replicas) && self.replicas == oldSelf.replicas : !has(oldSelf.replicas))"
          + " && "
          + "(has(self.gpusPerReplica) ? has(oldSelf.gpusPerReplica) && self.gpusPerReplica == oldSelf.gpusPerReplica : !has(oldSelf.gpusPerReplica))"
          + " && "
          + "(has(self.resources) ? has(oldSelf.resources) && self.resources == oldSelf.resources : !has(oldSelf.resources))"
          + " && "
          + "(has(self.nodeSelector) ? has(oldSelf.nodeSelector) && self.nodeSelector == oldSelf.nodeSelector : !has(oldSelf.nodeSelector))"
          + " && "
          + "(has(self.tolerations) ? has(oldSelf.tolerations) && self.tolerations == oldSelf.tolerations : !has(oldSelf.tolerations))"
          + " && "
          + "(has(self.affinity) ? has(oldSelf.affinity) && self.affinity == oldSelf.affinity : !has(oldSelf.affinity))"
          + " && "
          + "(has(self.priorityClassName) ? has(oldSelf.priorityClassName) && self.priorityClassName == oldSelf.priorityClassName : !has(oldSelf.priorityClassName))"
          + " && "
          + "(has(self.podTemplate) ? has(oldSelf.podTemplate) && self.podTemplate == oldSelf.podTemplate : !has(oldSelf.podTemplate))"
          + " && "
          + "(has(self.checkpoint) ? has(oldSelf.checkpoint) && self.checkpoint == oldSelf.checkpoint : !has(oldSelf.checkpoint))"
          + " && "
          + "(has(self.seed) ? has(oldSelf.seed) && self.seed == oldSelf.seed : !has(oldSelf.seed))"
          + " && "
          + "(has(self.threads) ? has(oldSelf.threads) && self.threads == oldSelf.threads : !has(oldSelf.threads))"
          + " && "
          + "(has(self.logEverySteps) ? has(oldSelf.logEverySteps) && self.logEverySteps == oldSelf.logEverySteps : !has(oldSelf.logEverySteps))"
          + " && "
          + "(has(self.fromPretrain) ? has(oldSelf.fromPretrain) && self.fromPretrain == oldSelf.fromPretrain : !has(oldSelf.fromPretrain))"
          + " && "
          + "(has(self.pretrainedWeights) ? has(oldSelf.pretrainedWeights) && self.pretrainedWeights == oldSelf.pretrainedWeights : !has(oldSelf.pretrainedWeights))"
          + " && "
          + "(has(self.dataset) ? has(oldSelf.dataset) && self.dataset == oldSelf.dataset : !has(oldSelf.dataset))"
          + " && "
          + "(has(self.protocol) ? has(oldSelf.protocol) && self.protocol == oldSelf.protocol : !has(oldSelf.protocol))"
          + " && "
          + "(has(self.mode) ? has(oldSelf.mode) && self.mode == oldSelf.mode : !has(oldSelf.mode))"
          + " && "
          + "(has(self.repeats) ? has(oldSelf.repeats) && self.repeats == oldSelf.repeats : !has(oldSelf.repeats))"
          + " && "
          + "(has(self.model) ? has(oldSelf.model) && self.model == oldSelf.model : !has(oldSelf.model))"
          + " && "
          + "(has(self.optim) ? has(oldSelf.optim) && self.optim == oldSelf.optim : !has(oldSelf.optim))"
          + " && "
          + "(has(self.task) ? has(oldSelf.task) && self.task == oldSelf.task : !has(oldSelf.task))"
          + " && "
          + "(has(self.segmentation) ? has(oldSelf.segmentation) && self.segmentation == oldSelf.segmentation : !has(oldSelf.segmentation))"
          + " && "
          + "(has(self.detection) ? has(oldSelf.detection) && self.detection == oldSelf.detection : !has(oldSelf.detection))"
          + " && "
          + "(has(self.recipe) ? has(oldSelf.recipe) && self.recipe == oldSelf.recipe : !has(oldSelf.recipe))";

  /**
   * CEL on a SarmaePretrain spec: alignment to a seeded random optical teacher needs consent. The
   * trainer refuses the same config (exit 2, {@code
   * ConfigValidator.alignsToUnconsentedRandomTeacher}, docs/method.md); absent fields take their
   * defaults (alignment on, alignWeight 0.8 > 0, randomTeacher false).
   */
  /**
   * optim.precision bf16 computes attention in the fused kernel: not with model.attention plain.
   */
  public static final String BF16_ATTENTION =
      "!has(self.optim) || !has(self.optim.precision) || self.optim.precision != 'bf16'"
          + " || !has(self.model) || !has(self.model.attention)"
          + " || self.model.attention != 'plain'";

  public static final String BF16_ATTENTION_MESSAGE =
      "optim.precision bf16 computes attention in libtorch's fused kernel: set model.attention"
          + " to auto or fused, or optim.precision to fp32";

  public static final String RANDOM_TEACHER =
      "has(self.opticalWeights) || (has(self.alignment)"
          + " && ((has(self.alignment.enabled) && !self.alignment.enabled)"
          + " || (has(self.alignment.alignWeight) && self.alignment.alignWeight <= 0.0)"
          + " || (has(self.alignment.randomTeacher) && self.alignment.randomTeacher)))";

  private static final String RANDOM_TEACHER_HEAD =
      "spec.opticalWeights: not set, so the frozen optical teacher (";
  private static final String RANDOM_TEACHER_TAIL =
      " and the alignment loss would align SAR features to noise; give the teacher's weights"
          + " (spec.opticalWeights), or set spec.alignment.randomTeacher: true to train against a"
          + " random teacher on purpose, or spec.alignment.enabled: false";

  /** Static fallback of {@link #RANDOM_TEACHER_MESSAGE_EXPRESSION} (servers before 1.27). */
  public static final String RANDOM_TEACHER_MESSAGE =
      RANDOM_TEACHER_HEAD
          + "stem or dinov3) would be a seeded random encoder"
          + RANDOM_TEACHER_TAIL;

  /** CEL message naming the encoder, the same text as {@link #randomTeacherMessage}. */
  public static final String RANDOM_TEACHER_MESSAGE_EXPRESSION =
      "\""
          + RANDOM_TEACHER_HEAD
          + "\" + (has(self.alignment) && has(self.alignment.opticalEncoder)"
          + " ? self.alignment.opticalEncoder : \""
          + Defaults.ALIGNMENT_OPTICAL_ENCODER
          + "\") + \") would be a seeded random \" + (has(self.alignment)"
          + " && has(self.alignment.opticalEncoder) && self.alignment.opticalEncoder == \"dinov3\""
          + " ? \"ViT-B/16\" : \"patch projection\") + \""
          + RANDOM_TEACHER_TAIL
          + "\"";

  /** The operator's message for {@link #RANDOM_TEACHER}, for the encoder's wire name. */
  public static String randomTeacherMessage(String opticalEncoder) {
    return RANDOM_TEACHER_HEAD
        + opticalEncoder
        + ") would be a seeded random "
        + ("dinov3".equals(opticalEncoder) ? "ViT-B/16" : "patch projection")
        + RANDOM_TEACHER_TAIL;
  }

  /**
   * A pretraining recipe starts from the reference's two weights files (the trainer's recipes
   * require {@code checkpoint.initWeights} and {@code alignment.opticalWeights}).
   */
  public static final String PRETRAIN_RECIPE_WEIGHTS =
      "!has(self.recipe) || (has(self.initWeights) && has(self.opticalWeights))";

  public static final String PRETRAIN_RECIPE_WEIGHTS_MESSAGE =
      "spec.recipe: the paper's pretraining starts from the ImageNet-1k MAE encoder and aligns to"
          + " DINOv3: give spec.initWeights (mae_pretrain_vit_base.pth, or _large for"
          + " pretrain-vitl-paper) and spec.opticalWeights (the DINOv3 ViT-B/16 .pth), or remove"
          + " spec.recipe";

  /** The fine-tuning recipes are the paper's classification protocols. */
  public static final String FINETUNE_RECIPE_TASK =
      "!has(self.recipe) || !has(self.task) || self.task == 'classification'";

  public static final String FINETUNE_RECIPE_TASK_MESSAGE =
      "spec.recipe: the paper's fine-tuning recipes are classification protocols; set task:"
          + " classification or remove spec.recipe";

  /** Longest run name (the operator's Names.MAX_NAME_LENGTH is this value). */
  public static final int MAX_NAME_LENGTH = 48;

  /**
   * Pod hostnames are {@code <name>-worker-<index>} and must stay DNS labels (63 characters) up to
   * 1000 replicas: checked at admission on the root of the object, where CEL sees metadata.name.
   */
  public static final String NAME_LENGTH = "self.metadata.name.size() <= " + MAX_NAME_LENGTH;

  public static final String NAME_LENGTH_MESSAGE =
      "metadata.name must be at most "
          + MAX_NAME_LENGTH
          + " characters so that pod hostnames stay DNS labels";
}
