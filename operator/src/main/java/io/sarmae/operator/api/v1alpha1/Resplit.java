package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a kshot or fraction labelled subset is drawn across repeats, spelled as the trainer's {@code
 * data.resplit}: {@code perRepeat} draws it again for every repeat, {@code fixed} draws it once and
 * every repeat differs only in its training seed (the paper's protocol).
 */
public enum Resplit {
  @JsonProperty("perRepeat")
  PER_REPEAT,
  @JsonProperty("fixed")
  FIXED;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return Resplit.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
