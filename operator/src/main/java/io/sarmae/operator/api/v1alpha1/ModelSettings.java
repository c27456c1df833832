package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Masked-autoencoder model settings (trainer config section {@code model}). */
@ValidationRule(
    value = "!has(self.patchSize) || !has(self.imageSize) || self.imageSize % self.patchSize == 0",
    message = "model.patchSize must divide model.imageSize")
@ValidationRule(
    value =
        "!has(self.decoderDim) || self.decoderDim % 4 == 0 && (!has(self.decoderHeads) || self.decoderDim % self.decoderHeads == 0)",
    message = "model.decoderDim must be divisible by 4 and by model.decoderHeads")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSettings {

  @JsonPropertyDescription(
      "ViT encoder size: tiny, small, base, large or huge (huge uses patch 14 by convention; patchSize wins). Trainer key model.size.")
  @Default(Defaults.MODEL_SIZE)
  private ModelSize size;

  @JsonPropertyDescription(
      "Patch edge in pixels; must divide imageSize. Trainer key model.patchSize.")
  @Min(2)
  @Max(64)
  @Default(Defaults.MODEL_PATCH_SIZE)
  private Integer patchSize;

  @JsonPropertyDescription(
      "SAR and optical images are resized to this square edge in pixels. Trainer key model.imageSize.")
  @Min(16)
  @Max(1024)
  @Default(Defaults.MODEL_IMAGE_SIZE)
  private Integer imageSize;

  @JsonPropertyDescription(
      "Input channels: 3 replicates the gray SAR image to RGB as the reference does, 1 keeps it single-channel. Trainer key model.inChannels.")
  @Min(1)
  @Max(3)
  @ValidationRule(value = "self == 1 || self == 3", message = "inChannels must be 1 or 3")
  @Default(Defaults.MODEL_IN_CHANNELS)
  private Integer inChannels;

  @JsonPropertyDescription(
      "Width of the MAE decoder; divisible by decoderHeads and by 4. Trainer key model.decoderDim.")
  @Min(16)
  @Max(2048)
  @Default(Defaults.MODEL_DECODER_DIM)
  private Integer decoderDim;

  @JsonPropertyDescription("Number of decoder blocks. Trainer key model.decoderDepth.")
  @Min(1)
  @Max(32)
  @Default(Defaults.MODEL_DECODER_DEPTH)
  private Integer decoderDepth;

  @JsonPropertyDescription("Attention heads of the decoder. Trainer key model.decoderHeads.")
  @Min(1)
  @Max(64)
  @Default(Defaults.MODEL_DECODER_HEADS)
  private Integer decoderHeads;

  @JsonPropertyDescription(
      "Fraction of patches removed from the encoder input, exclusive of 0 and 1. Trainer key model.maskRatio.")
  @Min(value = 0, inclusive = false)
  @Max(value = 1, inclusive = false)
  @Default(Defaults.MODEL_MASK_RATIO)
  private Double maskRatio;

  @JsonPropertyDescription(
      "Normalise each target patch by its mean and variance (the reference never enables it). Trainer key model.normPixLoss.")
  @Default(Defaults.MODEL_NORM_PIX_LOSS)
  private Boolean normPixLoss;

  @JsonPropertyDescription(
      "Attention kernel of every ViT: plain (DJL matmul + softmax), fused (libtorch's own scaled_dot_product_attention through the trainer's ops bridge; the trainer exits 2 when the bridge cannot load, e.g. on an unverified libtorch) or auto (fused when the bridge loads, else plain). Same function within 1e-5; fused keeps less memory (docs/performance.md). Trainer key model.attention.")
  @Default(Defaults.MODEL_ATTENTION)
  private AttentionKernel attention;

  @JsonPropertyDescription(
      "Activation checkpointing per transformer block: the trainer keeps only each block's input in forward and recomputes the block in backward (MAE encoder and decoder when pretraining, the ViT backbone when fine-tuning). Same losses and gradients up to float rounding, less activation memory, about one more forward pass of the blocks per step (docs/performance.md). Trainer key model.activationCheckpointing.")
  @Default(Defaults.MODEL_ACTIVATION_CHECKPOINTING)
  private Boolean activationCheckpointing;

  @JsonPropertyDescription(
      "Globs (* = any characters) of encoder tensors the initial weights (spec.initWeights when pretraining, the pretrained weights when fine-tuning) may lack or hold in another shape; they stay at their initialisation. Any other missing or mis-shaped encoder tensor makes the trainer exit 2 with a one-line summary. Trainer key model.allowMissing.")
  @Size(max = 64)
  private List<String> allowMissing;

  public ModelSize getSize() {
    return size;
  }

  public void setSize(ModelSize size) {
    this.size = size;
  }

  public Integer getPatchSize() {
    return patchSize;
  }

  public void setPatchSize(Integer patchSize) {
    this.patchSize = patchSize;
  }

  public Integer getImageSize() {
    return imageSize;
  }

  public void setImageSize(Integer imageSize) {
    this.imageSize = imageSize;
  }

  public Integer getInChannels() {
    return inChannels;
  }

  public void setInChannels(Integer inChannels) {
    this.inChannels = inChannels;
  }

  public Integer getDecoderDim() {
    return decoderDim;
  }

  public void setDecoderDim(Integer decoderDim) {
    this.decoderDim = decoderDim;
  }

  public Integer getDecoderDepth() {
    return decoderDepth;
  }

  public void setDecoderDepth(Integer decoderDepth) {
    this.decoderDepth = decoderDepth;
  }

  public Integer getDecoderHeads() {
    return decoderHeads;
  }

  public void setDecoderHeads(Integer decoderHeads) {
    this.decoderHeads = decoderHeads;
  }

  public Double getMaskRatio() {
    return maskRatio;
  }

  public void setMaskRatio(Double maskRatio) {
    this.maskRatio = maskRatio;
  }

  public Boolean getActivationCheckpointing() {
    return activationCheckpointing;
  }

  public void setActivationCheckpointing(Boolean activationCheckpointing) {
    this.activationCheckpointing = activationCheckpointing;
  }

  public AttentionKernel getAttention() {
    return attention;
  }

  public void setAttention(AttentionKernel attention) {
    this.attention = attention;
  }

  public Boolean getNormPixLoss() {
    return normPixLoss;
  }

  public void setNormPixLoss(Boolean normPixLoss) {
    this.normPixLoss = normPixLoss;
  }

  public List<String> getAllowMissing() {
    return allowMissing;
  }

  public void setAllowMissing(List<String> allowMissing) {
    this.allowMissing = allowMissing;
  }
}
