package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a segmentation model is evaluated (trainer key segmentation.inference). */
public enum SegInference {
  /** The whole image at once, padded to a multiple of 32. */
  @JsonProperty("whole")
  WHOLE,
  /** Sliding windows of the training crop, logits averaged over the overlaps. */
  @JsonProperty("slide")
  SLIDE;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return SegInference.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
