package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** SARE speckle-noise injection on the encoder input (trainer config section {@code noise}). */
@ValidationRule(
    value = "!has(self.sigmaMin) || !has(self.sigmaMax) || self.sigmaMin < self.sigmaMax",
    message = "noise.sigmaMin must be below noise.sigmaMax")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NoiseSettings {

  @JsonPropertyDescription(
      "Inject speckle into the encoder input while reconstructing the clean image. Trainer key noise.enabled.")
  @Default(Defaults.NOISE_ENABLED)
  private Boolean enabled;

  @JsonPropertyDescription(
      "reference: log-normal / Gamma branches of the paper; gamma: unit-mean L-look Gamma. Trainer key noise.speckle.")
  @Default(Defaults.NOISE_SPECKLE)
  private SpeckleModel speckle;

  @JsonPropertyDescription(
      "Per-sample probability of adding noise, 0 to 1. Trainer key noise.ratio.")
  @Min(0)
  @Max(1)
  @Default(Defaults.NOISE_RATIO)
  private Double ratio;

  @JsonPropertyDescription(
      "Lower bound of sigma ~ U[sigmaMin, sigmaMax) in reference mode; 0 to 2 and below sigmaMax. Trainer key noise.sigmaMin.")
  @Min(0)
  @Max(2)
  @Default(Defaults.NOISE_SIGMA_MIN)
  private Double sigmaMin;

  @JsonPropertyDescription(
      "Upper bound of sigma in reference mode; 0 to 2 and above sigmaMin. Trainer key noise.sigmaMax.")
  @Min(0)
  @Max(2)
  @Default(Defaults.NOISE_SIGMA_MAX)
  private Double sigmaMax;

  @JsonPropertyDescription(
      "Equivalent number of looks in gamma mode, 1 to 100. Trainer key noise.looks.")
  @Min(1)
  @Max(100)
  @Default(Defaults.NOISE_LOOKS)
  private Integer looks;

  @JsonPropertyDescription(
      "What the pixel values measure, for speckle: gamma: intensity (multiplicative Gamma), amplitude (A * sqrt(Gamma(L, 1/L))) or db (additive log-Gamma over dbSpan decibels); speckle: reference accepts only intensity. Trainer key noise.domain.")
  @Default(Defaults.NOISE_DOMAIN)
  private NoiseDomain domain;

  @JsonPropertyDescription(
      "Decibels between pixel values 0 and 1, for domain: db; above 0, at most 200. Trainer key noise.dbSpan.")
  @Min(value = 0, inclusive = false)
  @Max(200)
  @Default(Defaults.NOISE_DB_SPAN)
  private Double dbSpan;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public SpeckleModel getSpeckle() {
    return speckle;
  }

  public void setSpeckle(SpeckleModel speckle) {
    this.speckle = speckle;
  }

  public Double getRatio() {
    return ratio;
  }

  public void setRatio(Double ratio) {
    this.ratio = ratio;
  }

  public Double getSigmaMin() {
    return sigmaMin;
  }

  public void setSigmaMin(Double sigmaMin) {
    this.sigmaMin = sigmaMin;
  }

  public Double getSigmaMax() {
    return sigmaMax;
  }

  public void setSigmaMax(Double sigmaMax) {
    this.sigmaMax = sigmaMax;
  }

  public Integer getLooks() {
    return looks;
  }

  public void setLooks(Integer looks) {
    this.looks = looks;
  }

  public NoiseDomain getDomain() {
    return domain;
  }

  public void setDomain(NoiseDomain domain) {
    this.domain = domain;
  }

  public Double getDbSpan() {
    return dbSpan;
  }

  public void setDbSpan(Double dbSpan) {
    this.dbSpan = dbSpan;
  }
}
