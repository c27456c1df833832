package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A named paper protocol of a pretraining (the trainer's pretraining recipes, trainer key {@code
 * recipe}; docs/method.md "Named recipes").
 */
public enum PretrainRecipe {
  @JsonProperty("pretrain-vitb-paper")
  PRETRAIN_VITB_PAPER,
  @JsonProperty("pretrain-vitl-paper")
  PRETRAIN_VITL_PAPER;

  /** The value as written in manifests and in the trainer config. */
  public String wireName() {
    try {
      return PretrainRecipe.class.getField(name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
