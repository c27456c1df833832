package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** SAR pixel normalisation. */
public enum SarNormalization {
  @JsonProperty("symmetric")
  SYMMETRIC,
  @JsonProperty("reference")
  REFERENCE;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return SarNormalization.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
