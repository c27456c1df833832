package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Fine-tuning evaluation protocol. */
public enum ProtocolType {
  @JsonProperty("kShot")
  K_SHOT,
  @JsonProperty("fraction")
  FRACTION,
  @JsonProperty("full")
  FULL;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return ProtocolType.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
