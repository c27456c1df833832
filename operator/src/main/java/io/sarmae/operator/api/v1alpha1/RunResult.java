package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Final metrics of a finished run, from the trainer's termination message. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunResult {

  @JsonPropertyDescription(
      "Final checkpoint (model) path inside the checkpoint claim, as the trainer saw it.")
  private String checkpoint;

  @JsonPropertyDescription("Claim holding the final checkpoint.")
  private String checkpointClaim;

  @JsonPropertyDescription("Epochs completed.")
  private Integer epoch;

  @JsonPropertyDescription("Optimizer steps completed.")
  private Long step;

  @JsonPropertyDescription("Final loss.")
  private Double loss;

  @JsonPropertyDescription(
      "Fine-tune: the task's primary metric, which selects the best epoch: top1 (classification) or mIoU (segmentation).")
  private String primaryMetric;

  @JsonPropertyDescription(
      "Fine-tune: mean of the primary metric over repeats (last epoch), in percent.")
  private Double primaryMean;

  @JsonPropertyDescription(
      "Fine-tune: standard deviation of the primary metric over repeats (sample std, 0 for one repeat).")
  private Double primaryStd;

  @JsonPropertyDescription("Fine-tune: the primary metric of each repeat (last epoch), in percent.")
  private List<Double> primary;

  @JsonPropertyDescription(
      "Fine-tune: path of results.json inside the pod, on the checkpoint claim (checkpointClaim): per-repeat results, the per-class table (per-class IoU and accuracy for segmentation, the confusion matrix for classification) and mean ± std of every metric.")
  private String results;

  @JsonPropertyDescription(
      "Fine-tune, classification: mean top-1 accuracy over repeats, in percent (also primaryMean).")
  private Double top1Mean;

  @JsonPropertyDescription("Fine-tune: standard deviation of top-1 over repeats.")
  private Double top1Std;

  @JsonPropertyDescription("Fine-tune: top-1 accuracy of each repeat.")
  private List<Double> top1;

  @JsonPropertyDescription("Trainer's final message.")
  private String message;

  public String getCheckpoint() {
    return checkpoint;
  }

  public void setCheckpoint(String checkpoint) {
    this.checkpoint = checkpoint;
  }

  public String getCheckpointClaim() {
    return checkpointClaim;
  }

  public void setCheckpointClaim(String checkpointClaim) {
    this.checkpointClaim = checkpointClaim;
  }

  public Integer getEpoch() {
    return epoch;
  }

  public void setEpoch(Integer epoch) {
    this.epoch = epoch;
  }

  public Long getStep() {
    return step;
  }

  public void setStep(Long step) {
    this.step = step;
  }

  public Double getLoss() {
    return loss;
  }

  public void setLoss(Double loss) {
    this.loss = loss;
  }

  public String getPrimaryMetric() {
    return primaryMetric;
  }

  public void setPrimaryMetric(String primaryMetric) {
    this.primaryMetric = primaryMetric;
  }

  public Double getPrimaryMean() {
    return primaryMean;
  }

  public void setPrimaryMean(Double primaryMean) {
    this.primaryMean = primaryMean;
  }

  public Double getPrimaryStd() {
    return primaryStd;
  }

  public void setPrimaryStd(Double primaryStd) {
    this.primaryStd = primaryStd;
  }

  public List<Double> getPrimary() {
    return primary;
  }

  public void setPrimary(List<Double> primary) {
    this.primary = primary;
  }

  public String getResults() {
    return results;
  }

  public void setResults(String results) {
    this.results = results;
  }

  public Double getTop1Mean() {
    return top1Mean;
  }

  public void setTop1Mean(Double top1Mean) {
    this.top1Mean = top1Mean;
  }

  public Double getTop1Std() {
    return top1Std;
  }

  public void setTop1Std(Double top1Std) {
    this.top1Std = top1Std;
  }

  public List<Double> getTop1() {
    return top1;
  }

  public void setTop1(List<Double> top1) {
    this.top1 = top1;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
