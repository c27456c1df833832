package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The latest failure of a pod group. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailureRecord {

  @JsonPropertyDescription("Pod that failed.")
  private String pod;

  @JsonPropertyDescription("UID of the pod that failed; a failure is handled once per pod.")
  private String podUid;

  @JsonPropertyDescription(
      "Class: Evicted, Preempted, NodeLost, PodDeleted (deleted by someone else, e.g. kubectl delete pod), OOMKilled, Signal, Crashed, Interrupted, RetryableExitCode, ExitCode, NoProgress, PeerLost, DeadlineExceeded. PeerLost: every failed rank of the group only reported losing a peer (exit code 76).")
  private String reason;

  @JsonPropertyDescription("Container exit code, when there was one.")
  private Integer exitCode;

  @JsonPropertyDescription("Details, including the trainer's termination message.")
  private String message;

  @JsonPropertyDescription("Whether it counted against backoffLimit.")
  private Boolean counted;

  @JsonPropertyDescription("Attempt (pod group) that failed.")
  private Integer attempt;

  @JsonPropertyDescription("When the operator saw it (RFC 3339).")
  private String time;

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

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Integer getExitCode() {
    return exitCode;
  }

  public void setExitCode(Integer exitCode) {
    this.exitCode = exitCode;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Boolean getCounted() {
    return counted;
  }

  public void setCounted(Boolean counted) {
    this.counted = counted;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }
}
