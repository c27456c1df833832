package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Frozen optical encoder used by SARC alignment. */
public enum OpticalEncoder {
  @JsonProperty("stem")
  STEM,
  @JsonProperty("dinov3")
  DINOV3;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return OpticalEncoder.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
