package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Fine-tuning optimisation settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FinetuneOptim {

  @JsonPropertyDescription("Epochs per repeat (default 50, the reference command line's default).")
  @Min(1)
  @Max(100000)
  @Default(Defaults.FTOPTIM_EPOCHS)
  private Integer epochs;

  @JsonPropertyDescription("Batch size per process.")
  @Min(1)
  @Max(65536)
  @Default(Defaults.FTOPTIM_BATCH_SIZE)
  private Integer batchSize;

  @JsonPropertyDescription("Absolute peak learning rate; when absent blr * batch / 256.")
  @Min(value = 0, inclusive = false)
  private Double lr;

  @JsonPropertyDescription(
      "Base learning rate. When absent: 0.001 (the reference command line's default) for mode finetune, the trainer's 0.1 for mode linprobe.")
  @Min(value = 0, inclusive = false)
  private Double blr;

  @JsonPropertyDescription(
      "AdamW weight decay. When absent: 0.05 for mode finetune, the trainer's 0 for mode linprobe.")
  @Min(0)
  private Double weightDecay;

  @JsonPropertyDescription("Linear warm-up in epochs.")
  @Min(0)
  @Default(Defaults.FTOPTIM_WARMUP_EPOCHS)
  private Double warmupEpochs;

  @JsonPropertyDescription(
      "Layer-wise learning-rate decay: block i of a depth-d encoder trains at lr x layerDecay^(d+1-i), the head at lr (the trainer's default 0.75, BEiT/MAE fine-tuning; their segmentation recipes use 0.65). Not used by mode linprobe. Trainer key optim.layerDecay.")
  @Min(value = 0, inclusive = false)
  @Max(1)
  @Default(Defaults.FTOPTIM_LAYER_DECAY)
  private Double layerDecay;

  @JsonPropertyDescription(
      "Compute precision of every ViT Linear and attention: fp32, or bf16 (inputs cast to bf16 inside the trainer's ops bridge, libtorch's bf16 kernels, results back in fp32; weights, gradients, optimizer state, loss and checkpoints stay fp32; on a CPU attention stays on libtorch's fp32 flash kernel, faster there than its bf16 one). bf16 needs model.attention auto or fused; the trainer exits 2 when its bridge cannot load or a GPU is older than compute capability 8.0 (docs/performance.md). Trainer key optim.precision.")
  @Default(Defaults.OPTIM_PRECISION)
  private Precision precision;

  @JsonPropertyDescription(
      "Gradient norm and AdamW update: on (a few libtorch calls over all parameters, _foreach_norm and _fused_adamw_ once per learning-rate group, through the trainer's ops bridge; the trainer exits 2 when the bridge cannot load), off (DJL's per-parameter norm and update) or auto (on when the bridge loads, else off). Same semantics, layer-wise decay included, and checkpoints; weights equal to off within rounding (docs/performance.md). In YAML quote 'on' and 'off': unquoted they are booleans, which the API server refuses for this string field. Trainer key optim.fused.")
  @Default(Defaults.OPTIM_FUSED)
  private OptimKernel fused;

  public Double getLayerDecay() {
    return layerDecay;
  }

  public void setLayerDecay(Double layerDecay) {
    this.layerDecay = layerDecay;
  }

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

  public Double getWeightDecay() {
    return weightDecay;
  }

  public void setWeightDecay(Double weightDecay) {
    this.weightDecay = weightDecay;
  }

  public Double getWarmupEpochs() {
    return warmupEpochs;
  }

  public void setWarmupEpochs(Double warmupEpochs) {
    this.warmupEpochs = warmupEpochs;
  }

  public Precision getPrecision() {
    return precision;
  }

  public void setPrecision(Precision precision) {
    this.precision = precision;
  }

  public OptimKernel getFused() {
    return fused;
  }

  public void setFused(OptimKernel fused) {
    this.fused = fused;
  }
}
