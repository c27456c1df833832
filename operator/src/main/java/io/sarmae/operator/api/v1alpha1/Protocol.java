package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Evaluation protocol of the fine-tune. */
@ValidationRule(
    value = "self.type != 'kshot' || has(self.shots)",
    message = "protocol.shots is required for kshot")
@ValidationRule(
    value = "self.type != 'fraction' || has(self.fraction)",
    message = "protocol.fraction is required for fraction")
@ValidationRule(
    value = "self.type == 'kshot' || !has(self.shots)",
    message = "protocol.shots is only valid for kshot")
@ValidationRule(
    value = "self.type == 'fraction' || !has(self.fraction)",
    message = "protocol.fraction is only valid for fraction")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Protocol {

  @JsonPropertyDescription(
      "kshot: N labelled images per class; fraction: a labelled fraction of the training split; all: the whole training split. The trainer's data.protocol values, rendered as they are. Trainer key data.protocol.")
  @Required
  private ProtocolType type;

  @JsonPropertyDescription("Images per class for kshot. Trainer key data.shots.")
  @Min(1)
  @Max(100000)
  private Integer shots;

  @JsonPropertyDescription("Labelled fraction for fraction, in (0, 1]. Trainer key data.fraction.")
  @Min(value = 0, inclusive = false)
  @Max(1)
  private Double fraction;

  @JsonPropertyDescription(
      "kshot and fraction: perRepeat draws a new labelled subset for every repeat (seed run.seed + k); fixed draws one subset and every repeat trains on it, differing only in the training seed (the paper's protocol: one split folder). Unset leaves the trainer's default, perRepeat; all ignores it. Changing it changes results. Trainer key data.resplit.")
  private Resplit resplit;

  public ProtocolType getType() {
    return type;
  }

  public void setType(ProtocolType type) {
    this.type = type;
  }

  public Integer getShots() {
    return shots;
  }

  public void setShots(Integer shots) {
    this.shots = shots;
  }

  public Double getFraction() {
    return fraction;
  }

  public void setFraction(Double fraction) {
    this.fraction = fraction;
  }

  public Resplit getResplit() {
    return resplit;
  }

  public void setResplit(Resplit resplit) {
    this.resplit = resplit;
  }
}
