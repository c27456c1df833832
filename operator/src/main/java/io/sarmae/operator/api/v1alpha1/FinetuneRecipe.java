package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A named paper protocol of a fine-tune (the trainer's fine-tuning recipes, trainer key {@code
 * recipe}; docs/method.md "Named recipes").
 */
public enum FinetuneRecipe {
  @JsonProperty("fusar-40shot-vitb")
  FUSAR_40SHOT_VITB,
  @JsonProperty("mstar-40shot-vitb")
  MSTAR_40SHOT_VITB,
  @JsonProperty("saracd-30pct-vitb")
  SARACD_30PCT_VITB;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return FinetuneRecipe.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
