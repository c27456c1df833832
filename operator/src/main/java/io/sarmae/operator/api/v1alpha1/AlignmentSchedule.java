package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Schedule of the alignment-loss weight over training. */
public enum AlignmentSchedule {
  @JsonProperty("constant")
  CONSTANT,
  @JsonProperty("cosine")
  COSINE,
  @JsonProperty("linear")
  LINEAR;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return AlignmentSchedule.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
