package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Training progress read from the rank-0 trainer's /progress endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingProgress {

  @JsonPropertyDescription("Trainer phase: Starting, Training, Checkpointing, Succeeded or Failed.")
  private String phase;

  @JsonPropertyDescription("Completed epochs.")
  private Integer epoch;

  @JsonPropertyDescription("Planned epochs.")
  private Integer epochs;

  @JsonPropertyDescription("Optimizer steps since the start of the run (kept across resumes).")
  private Long step;

  @JsonPropertyDescription("Planned optimizer steps.")
  private Long totalSteps;

  @JsonPropertyDescription("Completion in percent.")
  private Double percent;

  @JsonPropertyDescription("Latest total loss.")
  private Double loss;

  @JsonPropertyDescription("Latest reconstruction loss.")
  private Double maeLoss;

  @JsonPropertyDescription("Latest alignment loss.")
  private Double alignLoss;

  @JsonPropertyDescription("Current learning rate.")
  private Double lr;

  @JsonPropertyDescription("Training throughput.")
  private Double imagesPerSecond;

  @JsonPropertyDescription("Estimated seconds to completion.")
  private Long etaSeconds;

  @JsonPropertyDescription("etaSeconds in human form (for example 2h13m).")
  private String eta;

  @JsonPropertyDescription(
      "Fine-tune: the task's primary metric (top1 or mIoU) of the latest evaluation, after the first one.")
  private String evalMetric;

  @JsonPropertyDescription(
      "Fine-tune: the latest value of evalMetric on the eval split, in percent (current repeat).")
  private Double evalValue;

  public String getEvalMetric() {
    return evalMetric;
  }

  public void setEvalMetric(String evalMetric) {
    this.evalMetric = evalMetric;
  }

  public Double getEvalValue() {
    return evalValue;
  }

  public void setEvalValue(Double evalValue) {
    this.evalValue = evalValue;
  }

  @JsonPropertyDescription("Path of the newest checkpoint inside the pod.")
  private String lastCheckpoint;

  @JsonPropertyDescription("When the operator last read the progress (RFC 3339).")
  private String lastUpdated;

  @JsonPropertyDescription(
      "When the step last advanced (RFC 3339); the no-progress watchdog measures from here.")
  private String stepAdvancedAt;

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public Integer getEpoch() {
    return epoch;
  }

  public void setEpoch(Integer epoch) {
    this.epoch = epoch;
  }

  public Integer getEpochs() {
    return epochs;
  }

  public void setEpochs(Integer epochs) {
    this.epochs = epochs;
  }

  public Long getStep() {
    return step;
  }

  public void setStep(Long step) {
    this.step = step;
  }

  public Long getTotalSteps() {
    return totalSteps;
  }

  public void setTotalSteps(Long totalSteps) {
    this.totalSteps = totalSteps;
  }

  public Double getPercent() {
    return percent;
  }

  public void setPercent(Double percent) {
    this.percent = percent;
  }

  public Double getLoss() {
    return loss;
  }

  public void setLoss(Double loss) {
    this.loss = loss;
  }

  public Double getMaeLoss() {
    return maeLoss;
  }

  public void setMaeLoss(Double maeLoss) {
    this.maeLoss = maeLoss;
  }

  public Double getAlignLoss() {
    return alignLoss;
  }

  public void setAlignLoss(Double alignLoss) {
    this.alignLoss = alignLoss;
  }

  public Double getLr() {
    return lr;
  }

  public void setLr(Double lr) {
    this.lr = lr;
  }

  public Double getImagesPerSecond() {
    return imagesPerSecond;
  }

  public void setImagesPerSecond(Double imagesPerSecond) {
    this.imagesPerSecond = imagesPerSecond;
  }

  public Long getEtaSeconds() {
    return etaSeconds;
  }

  public void setEtaSeconds(Long etaSeconds) {
    this.etaSeconds = etaSeconds;
  }

  public String getEta() {
    return eta;
  }

  public void setEta(String eta) {
    this.eta = eta;
  }

  public String getLastCheckpoint() {
    return lastCheckpoint;
  }

  public void setLastCheckpoint(String lastCheckpoint) {
    this.lastCheckpoint = lastCheckpoint;
  }

  public String getLastUpdated() {
    return lastUpdated;
  }

  public void setLastUpdated(String lastUpdated) {
    this.lastUpdated = lastUpdated;
  }

  public String getStepAdvancedAt() {
    return stepAdvancedAt;
  }

  public void setStepAdvancedAt(String stepAdvancedAt) {
    this.stepAdvancedAt = stepAdvancedAt;
  }
}
