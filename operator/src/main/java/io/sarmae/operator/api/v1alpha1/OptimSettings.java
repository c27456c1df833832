package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Optimisation settings (trainer config section {@code optim}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OptimSettings {

  @JsonPropertyDescription("Training epochs, 1 to 100000. Trainer key optim.epochs.")
  @Min(1)
  @Max(100000)
  @Default(Defaults.OPTIM_EPOCHS)
  private Integer epochs;

  @JsonPropertyDescription(
      "Batch size per process (split across the GPUs inside it), 1 to 65536. Trainer key optim.batchSize.")
  @Min(1)
  @Max(65536)
  @Default(Defaults.OPTIM_BATCH_SIZE)
  private Integer batchSize;

  @JsonPropertyDescription("Gradient-accumulation steps, 1 to 1024. Trainer key optim.accumIter.")
  @Min(1)
  @Max(1024)
  @Default(Defaults.OPTIM_ACCUM_ITER)
  private Integer accumIter;

  @JsonPropertyDescription(
      "Absolute peak learning rate; when absent the trainer uses blr * effectiveBatch / 256. Trainer key optim.lr.")
  @Min(value = 0, inclusive = false)
  private Double lr;

  @JsonPropertyDescription("Base learning rate, above 0. Trainer key optim.blr.")
  @Min(value = 0, inclusive = false)
  @Default(Defaults.OPTIM_BLR)
  private Double blr;

  @JsonPropertyDescription("Floor of the cosine schedule, at least 0. Trainer key optim.minLr.")
  @Min(0)
  @Default(Defaults.OPTIM_MIN_LR)
  private Double minLr;

  @JsonPropertyDescription(
      "Linear warm-up length in epochs (fractions allowed), at least 0. Trainer key optim.warmupEpochs.")
  @Min(0)
  @Default(Defaults.OPTIM_WARMUP_EPOCHS)
  private Double warmupEpochs;

  @JsonPropertyDescription("AdamW weight decay, at least 0. Trainer key optim.weightDecay.")
  @Min(0)
  @Default(Defaults.OPTIM_WEIGHT_DECAY)
  private Double weightDecay;

  @JsonPropertyDescription("AdamW beta1 in [0, 1). Trainer key optim.beta1.")
  @Min(0)
  @Max(value = 1, inclusive = false)
  @Default(Defaults.OPTIM_BETA1)
  private Double beta1;

  @JsonPropertyDescription("AdamW beta2 in [0, 1). Trainer key optim.beta2.")
  @Min(0)
  @Max(value = 1, inclusive = false)
  @Default(Defaults.OPTIM_BETA2)
  private Double beta2;

  @JsonPropertyDescription(
      "Global L2-norm gradient clipping threshold; 0 turns clipping off. Trainer key optim.clipGrad.")
  @Min(0)
  @Default(Defaults.OPTIM_CLIP_GRAD)
  private Double clipGrad;

  @JsonPropertyDescription(
      "Apply weight decay to cls_token and mask_token as the reference does. Trainer key optim.decayTokens.")
  @Default(Defaults.OPTIM_DECAY_TOKENS)
  private Boolean decayTokens;

  @JsonPropertyDescription(
      "Consecutive non-finite steps tolerated before the trainer exits with code 4 (diverged). Trainer key optim.maxSkippedSteps.")
  @Min(1)
  @Max(1000000)
  @Default(Defaults.OPTIM_MAX_SKIPPED_STEPS)
  private Integer maxSkippedSteps;

  @JsonPropertyDescription(
      "Share of the attempted steps, 0 to 1, that may be skipped as non-finite; above it the run is diverged (exit code 4) and final/ is not published. Trainer key optim.maxSkippedFraction.")
  @Min(0)
  @Max(1)
  @Default(Defaults.OPTIM_MAX_SKIPPED_FRACTION)
  private Double maxSkippedFraction;

  @JsonPropertyDescription(
      "Gradient norm and AdamW update: on (a few libtorch calls over all parameters, _foreach_norm and _fused_adamw_, through the trainer's ops bridge; the trainer exits 2 when the bridge cannot load), off (DJL's per-parameter norm and update) or auto (on when the bridge loads, else off). Same semantics and checkpoints; weights equal to off within rounding (docs/performance.md). In YAML quote 'on' and 'off': unquoted they are booleans, which the API server refuses for this string field. Trainer key optim.fused.")
  @Default(Defaults.OPTIM_FUSED)
  private OptimKernel fused;

  @JsonPropertyDescription(
      "Compute precision of every ViT Linear and attention: fp32, or bf16 (inputs cast to bf16 inside the trainer's ops bridge, libtorch's bf16 kernels, results back in fp32; weights, gradients, optimizer state, loss and checkpoints stay fp32; on a CPU attention stays on libtorch's fp32 flash kernel, faster there than its bf16 one). bf16 needs model.attention auto or fused; the trainer exits 2 when its bridge cannot load or a GPU is older than compute capability 8.0 (docs/performance.md). Trainer key optim.precision.")
  @Default(Defaults.OPTIM_PRECISION)
  private Precision precision;

  public Integer getEpochs() {
    return epochs;
  }

  public void setEpochs(Integer epochs) {
    this.epochs = epochs;
  }

  public Integer getBatchSize() {
    return batchSize;
  }

  public void setBatchSize(Integer batchSize) {
    this.batchSize = batchSize;
  }

  public Integer getAccumIter() {
    return accumIter;
  }

  public void setAccumIter(Integer accumIter) {
    this.accumIter = accumIter;
  }

  public Double getLr() {
    return lr;
  }

  public void setLr(Double lr) {
    this.lr = lr;
  }

  public Double getBlr() {
    return blr;
  }

  public void setBlr(Double blr) {
    this.blr = blr;
  }

  public Double getMinLr() {
    return minLr;
  }

  public void setMinLr(Double minLr) {
    this.minLr = minLr;
  }

  public Double getWarmupEpochs() {
    return warmupEpochs;
  }

  public void setWarmupEpochs(Double warmupEpochs) {
    this.warmupEpochs = warmupEpochs;
  }

  public Double getWeightDecay() {
    return weightDecay;
  }

  public void setWeightDecay(Double weightDecay) {
    this.weightDecay = weightDecay;
  }

  public Double getBeta1() {
    return beta1;
  }

  public void setBeta1(Double beta1) {
    this.beta1 = beta1;
  }

  public Double getBeta2() {
    return beta2;
  }

  public void setBeta2(Double beta2) {
    this.beta2 = beta2;
  }

  public Double getClipGrad() {
    return clipGrad;
  }

  public void setClipGrad(Double clipGrad) {
    this.clipGrad = clipGrad;
  }

  public Boolean getDecayTokens() {
    return decayTokens;
  }

  public void setDecayTokens(Boolean decayTokens) {
    this.decayTokens = decayTokens;
  }

  public Integer getMaxSkippedSteps() {
    return maxSkippedSteps;
  }

  public void setMaxSkippedSteps(Integer maxSkippedSteps) {
    this.maxSkippedSteps = maxSkippedSteps;
  }

  public OptimKernel getFused() {
    return fused;
  }

  public void setFused(OptimKernel fused) {
    this.fused = fused;
  }

  public Double getMaxSkippedFraction() {
    return maxSkippedFraction;
  }

  public void setMaxSkippedFraction(Double maxSkippedFraction) {
    this.maxSkippedFraction = maxSkippedFraction;
  }

  public Precision getPrecision() {
    return precision;
  }

  public void setPrecision(Precision precision) {
    this.precision = precision;
  }
}
