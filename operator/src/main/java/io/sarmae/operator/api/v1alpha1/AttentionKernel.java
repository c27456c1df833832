package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The attention kernel of every ViT (trainer key model.attention; docs/performance.md). */
public enum AttentionKernel {
  /** fused where the trainer's ops bridge loads, else plain. */
  @JsonProperty("auto")
  AUTO,
  /**
   * libtorch's scaled_dot_product_attention through the ops bridge; refused when it cannot load.
   */
  @JsonProperty("fused")
  FUSED,
  /** DJL's matmul + softmax. */
  @JsonProperty("plain")
  PLAIN;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return AttentionKernel.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
