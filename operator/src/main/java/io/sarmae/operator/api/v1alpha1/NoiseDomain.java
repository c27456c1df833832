package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the SAR pixel values measure, for SARE's physical speckle (trainer key noise.domain). */
public enum NoiseDomain {
  @JsonProperty("intensity")
  INTENSITY,
  @JsonProperty("amplitude")
  AMPLITUDE,
  @JsonProperty("db")
  DB;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return NoiseDomain.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
