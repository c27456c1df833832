package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Image pull policy of the trainer container. */
public enum PullPolicy {
  @JsonProperty("Always")
  ALWAYS,
  @JsonProperty("IfNotPresent")
  IF_NOT_PRESENT,
  @JsonProperty("Never")
  NEVER;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return PullPolicy.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
