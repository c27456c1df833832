package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Annotation format of a detection dataset (trainer key detection.format; layouts in
 * docs/detection.md).
 */
public enum DetFormat {
  /** COCO JSON, annotations/<split>.json: horizontal boxes (SSDD coco_style, SARDet-100k). */
  @JsonProperty("coco")
  COCO,
  /** DOTA label files, <split>/labelTxt or annfiles: oriented boxes (RSAR, DOTA). */
  @JsonProperty("dota")
  DOTA,
  /** Pascal VOC XML with ImageSets/Main/<split>.txt: horizontal boxes (SSDD VOC release). */
  @JsonProperty("voc")
  VOC;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return DetFormat.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
