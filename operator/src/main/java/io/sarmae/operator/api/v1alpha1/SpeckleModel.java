package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How SARE draws speckle noise. */
public enum SpeckleModel {
  @JsonProperty("reference")
  REFERENCE,
  @JsonProperty("gamma")
  GAMMA;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return SpeckleModel.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
