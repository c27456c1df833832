package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One rank (pod index) of the run, across attempts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RankStatus {

  @JsonPropertyDescription("Rank (pod index, label sarmae.io/replica-index).")
  private Integer index;

  @JsonPropertyDescription("Pod of the current attempt for this rank.")
  private String pod;

  @JsonPropertyDescription(
      "UID of that pod once the operator has seen it; a pod that vanishes after being seen was deleted.")
  private String podUid;

  @JsonPropertyDescription("Phase of that pod: Pending, Running, Succeeded, Failed or Deleted.")
  private String phase;

  @JsonPropertyDescription(
      "Attempts of this rank that ended without success (failed, deleted, killed), all attempts together.")
  private Integer restarts;

  @JsonPropertyDescription("Exit code of this rank's last ended container, when there was one.")
  private Integer lastExitCode;

  @JsonPropertyDescription(
      "Why this rank last ended without success (failure class, e.g. OOMKilled, PodDeleted).")
  private String lastReason;

  public Integer getIndex() {
    return index;
  }

  public void setIndex(Integer index) {
    this.index = index;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getPodUid() {
    return podUid;
  }

  public void setPodUid(String podUid) {
    this.podUid = podUid;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public Integer getRestarts() {
    return restarts;
  }

  public void setRestarts(Integer restarts) {
    this.restarts = restarts;
  }

  public Integer getLastExitCode() {
    return lastExitCode;
  }

  public void setLastExitCode(Integer lastExitCode) {
    this.lastExitCode = lastExitCode;
  }

  public String getLastReason() {
    return lastReason;
  }

  public void setLastReason(String lastReason) {
    this.lastReason = lastReason;
  }
}
