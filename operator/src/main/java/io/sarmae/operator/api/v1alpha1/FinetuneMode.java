package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a fine-tuning run trains (trainer key {@code model.mode}). */
public enum FinetuneMode {
  /** The whole encoder and a linear head (layer-wise lr decay, drop path, mixup...). */
  @JsonProperty("finetune")
  FINETUNE,
  /** MAE's linear probe: the encoder frozen, a non-affine BatchNorm and a linear head trained. */
  @JsonProperty("linprobe")
  LINPROBE;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return FinetuneMode.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
