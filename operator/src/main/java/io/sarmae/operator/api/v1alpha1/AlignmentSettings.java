package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * SARC alignment of SAR features to a frozen optical encoder (trainer config section {@code
 * alignment}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlignmentSettings {

  @JsonPropertyDescription("Add the alignment loss to the MAE loss. Trainer key alignment.enabled.")
  @Default(Defaults.ALIGNMENT_ENABLED)
  private Boolean enabled;

  @JsonPropertyDescription(
      "Frozen optical encoder: stem (the reference's patch-embedding conv + LayerNorm stand-in) or dinov3 (a full frozen DINOv3 ViT; give its .pth in opticalWeights and set opticalDim to its width, 768 for ViT-B/16). Trainer key alignment.opticalEncoder.")
  @Default(Defaults.ALIGNMENT_OPTICAL_ENCODER)
  private OpticalEncoder opticalEncoder;

  @JsonPropertyDescription(
      "Consent to align to a seeded random optical teacher. Without spec.opticalWeights the frozen teacher is a seeded random patch projection (stem) or ViT-B/16 (dinov3), so the alignment loss aligns SAR features to noise; such a spec is refused (InvalidSpec, and the trainer exits 2) unless this is true or the alignment is off (enabled: false or alignWeight: 0). Set it for smoke tests and ablations that want a fixed random teacher on purpose. Trainer key alignment.randomTeacher.")
  @Default(Defaults.ALIGNMENT_RANDOM_TEACHER)
  private Boolean randomTeacher;

  @JsonPropertyDescription("Optical feature width E, 16 to 4096. Trainer key alignment.opticalDim.")
  @Min(16)
  @Max(4096)
  @Default(Defaults.ALIGNMENT_OPTICAL_DIM)
  private Integer opticalDim;

  @JsonPropertyDescription(
      "Weight of the reconstruction loss (wMae), at least 0. Trainer key alignment.maeWeight.")
  @Min(0)
  @Default(Defaults.ALIGNMENT_MAE_WEIGHT)
  private Double maeWeight;

  @JsonPropertyDescription(
      "Weight of the alignment loss (wAlign), at least 0. Trainer key alignment.alignWeight.")
  @Min(0)
  @Default(Defaults.ALIGNMENT_ALIGN_WEIGHT)
  private Double alignWeight;

  @JsonPropertyDescription(
      "Schedule of the alignment weight: constant, cosine or linear. Trainer key alignment.schedule.")
  @Default(Defaults.ALIGNMENT_SCHEDULE)
  private AlignmentSchedule schedule;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public OpticalEncoder getOpticalEncoder() {
    return opticalEncoder;
  }

  public void setOpticalEncoder(OpticalEncoder opticalEncoder) {
    this.opticalEncoder = opticalEncoder;
  }

  public Boolean getRandomTeacher() {
    return randomTeacher;
  }

  public void setRandomTeacher(Boolean randomTeacher) {
    this.randomTeacher = randomTeacher;
  }

  public Integer getOpticalDim() {
    return opticalDim;
  }

  public void setOpticalDim(Integer opticalDim) {
    this.opticalDim = opticalDim;
  }

  public Double getMaeWeight() {
    return maeWeight;
  }

  public void setMaeWeight(Double maeWeight) {
    this.maeWeight = maeWeight;
  }

  public Double getAlignWeight() {
    return alignWeight;
  }

  public void setAlignWeight(Double alignWeight) {
    this.alignWeight = alignWeight;
  }

  public AlignmentSchedule getSchedule() {
    return schedule;
  }

  public void setSchedule(AlignmentSchedule schedule) {
    this.schedule = schedule;
  }
}
