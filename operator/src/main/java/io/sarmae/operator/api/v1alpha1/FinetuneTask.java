package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The downstream task of a fine-tune (trainer key {@code task}). */
public enum FinetuneTask {
  /** Target classification on an image-folder dataset (the paper's Table 1). */
  @JsonProperty("classification")
  CLASSIFICATION,
  /** Semantic segmentation, ViT + UperNet on an mmsegmentation-layout dataset (Table 3). */
  @JsonProperty("segmentation")
  SEGMENTATION,
  /** Object detection (Table 2): FCOS on the ViTDet pyramid, COCO / DOTA / VOC datasets, mAP. */
  @JsonProperty("detection")
  DETECTION;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return FinetuneTask.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
