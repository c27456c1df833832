package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Desired state of a SARMAE fine-tuning run. */
@ValidationRule(value = SpecRules.IMMUTABLE_FINETUNE, message = SpecRules.IMMUTABLE_MESSAGE)
@ValidationRule(
    value = "!has(self.replicas) || self.replicas == 1",
    message =
        "replicas must be 1: the fine-tune trainer runs one process (use gpusPerReplica for several GPUs)")
@ValidationRule(
    value = "has(self.fromPretrain) != has(self.pretrainedWeights)",
    message = "set exactly one of fromPretrain and pretrainedWeights")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SarmaeFinetuneSpec extends JobSpecCommon {

  @JsonPropertyDescription(
      "Name of a SarmaePretrain in the same namespace. The run waits (condition WaitingForPretrain) until it succeeds and then starts from its final checkpoint. Exactly one of fromPretrain and pretrainedWeights.")
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 253)
  private String fromPretrain;

  @JsonPropertyDescription("Pretrained encoder weights given by path instead of fromPretrain.")
  private WeightsRef pretrainedWeights;

  @JsonPropertyDescription("Labelled dataset.")
  @Required
  private FinetuneDataset dataset;

  @JsonPropertyDescription("Evaluation protocol.")
  @Required
  private Protocol protocol;

  @JsonPropertyDescription(
      "finetune trains the whole encoder and a linear head; linprobe is MAE's linear probe: the encoder frozen, a BatchNorm without learned parameters and a linear head trained (cheaper; its defaults: weight decay 0, blr 0.1, no label smoothing; mixup and cutmix are not allowed). Trainer key model.mode.")
  @Default(Defaults.FINETUNE_MODE)
  private FinetuneMode mode;

  @JsonPropertyDescription(
      "Independent repeats (different seeds and, for kshot, different shots); results report mean and standard deviation. Default 1, the reference command line's --exp_num; its README recipe uses 5.")
  @Min(1)
  @Max(100)
  @Default(Defaults.FINETUNE_REPEATS)
  private Integer repeats;

  @JsonPropertyDescription(
      "Encoder settings; must match the pretrained weights. Decoder settings are ignored.")
  private ModelSettings model;

  @JsonPropertyDescription("Optimisation settings.")
  private FinetuneOptim optim;

  public FinetuneMode getMode() {
    return mode;
  }

  public void setMode(FinetuneMode mode) {
    this.mode = mode;
  }

  public String getFromPretrain() {
    return fromPretrain;
  }

  public void setFromPretrain(String fromPretrain) {
    this.fromPretrain = fromPretrain;
  }

  public WeightsRef getPretrainedWeights() {
    return pretrainedWeights;
  }

  public void setPretrainedWeights(WeightsRef pretrainedWeights) {
    this.pretrainedWeights = pretrainedWeights;
  }

  public FinetuneDataset getDataset() {
    return dataset;
  }

  public void setDataset(FinetuneDataset dataset) {
    this.dataset = dataset;
  }

  public Protocol getProtocol() {
    return protocol;
  }

  public void setProtocol(Protocol protocol) {
    this.protocol = protocol;
  }

  public Integer getRepeats() {
    return repeats;
  }

  public void setRepeats(Integer repeats) {
    this.repeats = repeats;
  }

  public ModelSettings getModel() {
    return model;
  }

  public void setModel(ModelSettings model) {
    this.model = model;
  }

  public FinetuneOptim getOptim() {
    return optim;
  }

  public void setOptim(FinetuneOptim optim) {
    this.optim = optim;
  }
}
