package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Desired state of a SARMAE pretraining run. */
@ValidationRule(
    value =
        "(has(self.image) ? has(oldSelf.image) && self.image == oldSelf.image : !has(oldSelf.image)) && (has(self.imagePullPolicy) ? has(oldSelf.imagePullPolicy) && self.imagePullPolicy == oldSelf.imagePullPolicy : !has(oldSelf.imagePullPolicy)) && (has(self.replicas) ? has(oldSelf.replicas) && self.replicas == oldSelf.replicas : !has(oldSelf.replicas)) && (has(self.gpusPerReplica) ? has(oldSelf.gpusPerReplica) && self.gpusPerReplica == oldSelf.gpusPerReplica : !has(oldSelf.gpusPerReplica)) && (has(self.resources) ? has(oldSelf.resources) && self.resources == oldSelf.resources : !has(oldSelf.resources)) && (has(self.nodeSelector) ? has(oldSelf.nodeSelector) && self.nodeSelector == oldSelf.nodeSelector : !has(oldSelf.nodeSelector)) && (has(self.tolerations) ? has(oldSelf.tolerations) && self.tolerations == oldSelf.tolerations : !has(oldSelf.tolerations)) && (has(self.affinity) ? has(oldSelf.affinity) && self.affinity == oldSelf.affinity : !has(oldSelf.affinity)) && (has(self.priorityClassName) ? has(oldSelf.priorityClassName) && self.priorityClassName == oldSelf.priorityClassName : !has(oldSelf.priorityClassName)) && (has(self.podTemplate) ? has(oldSelf.podTemplate) && self.podTemplate == oldSelf.podTemplate : !has(oldSelf.podTemplate)) && (has(self.activeDeadlineSeconds) ? has(oldSelf.activeDeadlineSeconds) && self.activeDeadlineSeconds == oldSelf.activeDeadlineSeconds : !has(oldSelf.activeDeadlineSeconds)) && (has(self.ttlSecondsAfterFinished) ? has(oldSelf.ttlSecondsAfterFinished) && self.ttlSecondsAfterFinished == oldSelf.ttlSecondsAfterFinished : !has(oldSelf.ttlSecondsAfterFinished)) && (has(self.failurePolicy) ? has(oldSelf.failurePolicy) && self.failurePolicy == oldSelf.failurePolicy : !has(oldSelf.failurePolicy)) && (has(self.scheduling) ? has(oldSelf.scheduling) && self.scheduling == oldSelf.scheduling : !has(oldSelf.scheduling)) && (has(self.checkpoint) ? has(oldSelf.checkpoint) && self.checkpoint == oldSelf.checkpoint : !has(oldSelf.checkpoint)) && (has(self.seed) ? has(oldSelf.seed) && self.seed == oldSelf.seed : !has(oldSelf.seed)) && (has(self.threads) ? has(oldSelf.threads) && self.threads == oldSelf.threads : !has(oldSelf.threads)) && (has(self.logEverySteps) ? has(oldSelf.logEverySteps) && self.logEverySteps == oldSelf.logEverySteps : !has(oldSelf.logEverySteps)) && (has(self.model) ? has(oldSelf.model) && self.model == oldSelf.model : !has(oldSelf.model)) && (has(self.noise) ? has(oldSelf.noise) && self.noise == oldSelf.noise : !has(oldSelf.noise)) && (has(self.alignment) ? has(oldSelf.alignment) && self.alignment == oldSelf.alignment : !has(oldSelf.alignment)) && (has(self.optim) ? has(oldSelf.optim) && self.optim == oldSelf.optim : !has(oldSelf.optim)) && (has(self.data) ? has(oldSelf.data) && self.data == oldSelf.data : !has(oldSelf.data)) && (has(self.initWeights) ? has(oldSelf.initWeights) && self.initWeights == oldSelf.initWeights : !has(oldSelf.initWeights)) && (has(self.opticalWeights) ? has(oldSelf.opticalWeights) && self.opticalWeights == oldSelf.opticalWeights : !has(oldSelf.opticalWeights)) && (has(self.distributed) ? has(oldSelf.distributed) && self.distributed == oldSelf.distributed : !has(oldSelf.distributed))",
    message =
        "spec is immutable after creation except spec.suspend; create a new resource to change settings")
@ValidationRule(
    value =
        "!has(self.replicas) || self.replicas == 1 || (has(self.gpusPerReplica) && self.gpusPerReplica == 0)",
    message =
        "replicas > 1 needs gpusPerReplica: 0: multi-pod runs are CPU pods in this version (docs/distributed.md); for GPUs use one pod with several GPUs")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SarmaePretrainSpec extends JobSpecCommon {

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
      "Optional weights of the frozen optical stem (patch_embed.proj and norm); a seeded random stem is used when absent. Trainer key alignment.opticalWeights.")
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
