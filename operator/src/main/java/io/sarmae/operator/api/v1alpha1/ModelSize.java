package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Size of the ViT encoder (tiny 192, small 384, base 768, large 1024, huge 1280 wide). */
public enum ModelSize {
  @JsonProperty("tiny")
  TINY,
  @JsonProperty("small")
  SMALL,
  @JsonProperty("base")
  BASE,
  @JsonProperty("large")
  LARGE,
  @JsonProperty("huge")
  HUGE;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return ModelSize.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
