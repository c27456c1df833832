package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How 16-bit and float SAR images are scaled to [0, 1]. */
public enum PixelScaling {
  @JsonProperty("percentile")
  PERCENTILE,
  @JsonProperty("range")
  RANGE;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return PixelScaling.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
