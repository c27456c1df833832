package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How paired and unpaired samples are mixed per epoch. */
public enum DataMixing {
  @JsonProperty("all")
  ALL,
  @JsonProperty("reference")
  REFERENCE;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return DataMixing.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
