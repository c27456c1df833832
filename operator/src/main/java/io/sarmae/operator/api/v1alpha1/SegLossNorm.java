package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the summed per-pixel cross-entropy is divided by (trainer key segmentation.lossNorm). */
public enum SegLossNorm {
  /** All pixels, ignored ones included: mmsegmentation's default (avg_non_ignore=False). */
  @JsonProperty("all-pixels")
  ALL_PIXELS,
  /** The non-ignored pixels (mmsegmentation avg_non_ignore=True). */
  @JsonProperty("non-ignored")
  NON_IGNORED,
  /** The sum of the class weights of the non-ignored pixels (PyTorch's weighted mean). */
  @JsonProperty("weight-sum")
  WEIGHT_SUM;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return SegLossNorm.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
