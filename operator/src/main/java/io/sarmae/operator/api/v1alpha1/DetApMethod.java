package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** DOTA AP definition of oriented detection (trainer key detection.apMethod). */
public enum DetApMethod {
  /** VOC 2007 11-point interpolation (the DOTA devkit and mmrotate default). */
  @JsonProperty("voc07")
  VOC07,
  /** All-point interpolation (the area under the monotone precision envelope). */
  @JsonProperty("all-point")
  ALL_POINT;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return DetApMethod.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
