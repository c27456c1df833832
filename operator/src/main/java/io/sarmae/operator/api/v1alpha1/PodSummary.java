package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Counts of the trainer pods of the current attempt by phase. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodSummary {

  @JsonPropertyDescription("Pods that exist.")
  private Integer total;

  @JsonPropertyDescription("Pods not yet running (unscheduled, pulling, initialising).")
  private Integer pending;

  @JsonPropertyDescription("Pods running.")
  private Integer running;

  @JsonPropertyDescription("Pods that exited 0.")
  private Integer succeeded;

  @JsonPropertyDescription("Pods that failed.")
  private Integer failed;

  public Integer getTotal() {
    return total;
  }

  public void setTotal(Integer total) {
    this.total = total;
  }

  public Integer getPending() {
    return pending;
  }

  public void setPending(Integer pending) {
    this.pending = pending;
  }

  public Integer getRunning() {
    return running;
  }

  public void setRunning(Integer running) {
    this.running = running;
  }

  public Integer getSucceeded() {
    return succeeded;
  }

  public void setSucceeded(Integer succeeded) {
    this.succeeded = succeeded;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }
}
