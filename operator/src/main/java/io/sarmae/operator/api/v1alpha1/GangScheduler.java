package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which gang scheduler gets a PodGroup for the run. */
public enum GangScheduler {
  @JsonProperty("none")
  NONE,
  @JsonProperty("volcano")
  VOLCANO,
  @JsonProperty("coscheduling")
  COSCHEDULING;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return GangScheduler.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
