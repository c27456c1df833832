package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Compute precision of every ViT Linear and attention (trainer key optim.precision;
 * docs/performance.md, "bf16 mixed precision").
 */
public enum Precision {
  /** Every op in fp32. */
  @JsonProperty("fp32")
  FP32,
  /**
   * Linear (and attention on a GPU) compute in bf16 inside the trainer's ops bridge; the rest fp32.
   */
  @JsonProperty("bf16")
  BF16;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return Precision.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
