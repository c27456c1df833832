package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Lifecycle phase of a training run. */
public enum Phase {
  @JsonProperty("Pending")
  PENDING,
  @JsonProperty("Running")
  RUNNING,
  @JsonProperty("Restarting")
  RESTARTING,
  @JsonProperty("Suspended")
  SUSPENDED,
  @JsonProperty("Succeeded")
  SUCCEEDED,
  @JsonProperty("Failed")
  FAILED;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return Phase.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
