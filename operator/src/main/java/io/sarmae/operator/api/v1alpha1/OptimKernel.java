package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the trainer runs the gradient norm and the AdamW update (trainer key optim.fused;
 * docs/performance.md).
 */
public enum OptimKernel {
  /** on where the trainer's ops bridge loads, else off. */
  @JsonProperty("auto")
  AUTO,
  /** libtorch's fused calls through the ops bridge; refused when it cannot load. */
  @JsonProperty("on")
  ON,
  /** DJL's per-parameter norm and Adam update. */
  @JsonProperty("off")
  OFF;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return OptimKernel.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
