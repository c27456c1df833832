package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Fine-tuning evaluation protocol, spelled as the trainer's {@code data.protocol} (one spelling on
 * the wire, docs/operator.md). The aliases read objects stored before the rename (v1alpha1 used
 * {@code kShot} and {@code full}); the CRD schema accepts only the new values.
 */
public enum ProtocolType {
  @JsonProperty("kshot")
  @JsonAlias("kShot")
  K_SHOT,
  @JsonProperty("fraction")
  FRACTION,
  @JsonProperty("all")
  @JsonAlias("full")
  ALL;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return ProtocolType.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
