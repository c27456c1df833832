package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Desired state of a SARMAE pretraining run. */
@ValidationRule(value = SpecRules.IMMUTABLE_PRETRAIN, message = SpecRules.IMMUTABLE_MESSAGE)
@ValidationRule(
    value =
        "!has(self.replicas) || self.replicas == 1 || (has(self.gpusPerReplica) && self.gpusPerReplica == 0)",
    message =
        "replicas > 1 needs gpusPerReplica: 0: multi-pod runs are CPU pods in this version (docs/distributed.md); for GPUs use one pod with several GPUs")
@ValidationRule(
    value = SpecRules.RANDOM_TEACHER,
    message = SpecRules.RANDOM_TEACHER_MESSAGE,
    messageExpression = SpecRules.RANDOM_TEACHER_MESSAGE_EXPRESSION)
@ValidationRule(
    value = SpecRules.PRETRAIN_RECIPE_WEIGHTS,
    message = SpecRules.PRETRAIN_RECIPE_WEIGHTS_MESSAGE)
@ValidationRule(value = SpecRules.BF16_ATTENTION, message = SpecRules.BF16_ATTENTION_MESSAGE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SarmaePretrainSpec extends JobSpecCommon {

  @JsonPropertyDescription(
      "A named paper protocol (docs/method.md, Named recipes): sets every trainer key the reference fixes for the paper's ViT-B or ViT-L pretraining (model, SARE, SARC with DINOv3, optimiser). Needs initWeights (the ImageNet-1k MAE encoder) and opticalWeights (DINOv3). A field of this spec left at its default takes the recipe's value; a field set to another value overrides the recipe. Trainer key recipe.")
  private PretrainRecipe recipe;

  public PretrainRecipe getRecipe() {
    return recipe;
  }

  public void setRecipe(PretrainRecipe recipe) {
    this.recipe = recipe;
  }

  @JsonPropertyDescription("Model settings.")
  private ModelSettings model;

  @JsonPropertyDescription("SARE noise settings.")
  private NoiseSettings noise;

  @JsonPropertyDescription("SARC alignment settings.")
  private AlignmentSettings alignment;

  @JsonPropertyDescription("Optimisation settings.")
  private OptimSettings optim;

  @JsonPropertyDescription("Dataset location.")
  @Required
  private PretrainData data;

  @JsonPropertyDescription(
      "Optional encoder initialisation (safetensors with reference key names). Trainer key checkpoint.initWeights.")
  private WeightsRef initWeights;

  @JsonPropertyDescription(
      "Weights of the frozen optical teacher: for stem its patch_embed.proj and norm tensors, for dinov3 the DINOv3 .pth. Without them the teacher is a seeded random encoder, which the operator and the trainer refuse unless alignment.randomTeacher is true or the alignment is off. Trainer key alignment.opticalWeights.")
  private WeightsRef opticalWeights;

  @JsonPropertyDescription("Multi-pod settings (replicas > 1).")
  private DistributedSettings distributed;

  public DistributedSettings getDistributed() {
    return distributed;
  }

  public void setDistributed(DistributedSettings distributed) {
    this.distributed = distributed;
  }

  public ModelSettings getModel() {
    return model;
  }

  public void setModel(ModelSettings model) {
    this.model = model;
  }

  public NoiseSettings getNoise() {
    return noise;
  }

  public void setNoise(NoiseSettings noise) {
    this.noise = noise;
  }

  public AlignmentSettings getAlignment() {
    return alignment;
  }

  public void setAlignment(AlignmentSettings alignment) {
    this.alignment = alignment;
  }

  public OptimSettings getOptim() {
    return optim;
  }

  public void setOptim(OptimSettings optim) {
    this.optim = optim;
  }

  public PretrainData getData() {
    return data;
  }

  public void setData(PretrainData data) {
    this.data = data;
  }

  public WeightsRef getInitWeights() {
    return initWeights;
  }

  public void setInitWeights(WeightsRef initWeights) {
    this.initWeights = initWeights;
  }

  public WeightsRef getOpticalWeights() {
    return opticalWeights;
  }

  public void setOpticalWeights(WeightsRef opticalWeights) {
    this.opticalWeights = opticalWeights;
  }
}
