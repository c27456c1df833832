package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * What happens when a trainer pod fails. Infrastructure failures (eviction, preemption, node loss,
 * exit 75 after a SIGTERM checkpoint, kill by signal) restart the whole group from the last
 * checkpoint without counting against backoffLimit; retryable exit codes, OOM kills and NoProgress
 * count; any other exit code fails the run.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailurePolicy {

  @JsonPropertyDescription(
      "Restarts that count (retryable exit codes, OOMKilled, Crashed, NoProgress, PeerLost) allowed before the run fails with reason BackoffLimitExceeded.")
  @Min(0)
  @Max(1000)
  @Default(Defaults.FAILURE_BACKOFF_LIMIT)
  private Integer backoffLimit;

  @JsonPropertyDescription(
      "Trainer exit codes that restart the group from the last checkpoint and count against backoffLimit. The trainer contract makes 1 (internal error) and 5 (checkpoint storage) retryable; 2, 3 and 4 are permanent. Absent means [1, 5]. 75 (Interrupted) and 76 (PeerLost) keep their own handling whatever this list says.")
  @Size(max = 32)
  @ValidationRule(value = "self.all(c, c >= 1 && c <= 255)", message = "exit codes are 1 to 255")
  private List<Integer> retryableExitCodes;

  @JsonPropertyDescription(
      "No-progress watchdog: restart the group (reason NoProgress) when the rank-0 step has not advanced for this long while running; includes start-up and data indexing. 0 turns it off.")
  @Min(0)
  @Max(604800)
  @Default(Defaults.FAILURE_PROGRESS_DEADLINE_SECONDS)
  private Integer progressDeadlineSeconds;

  @JsonPropertyDescription(
      "After this long with a pod that has not started (unschedulable, unbound volume, ImagePullBackOff, ErrImagePull, CreateContainerConfigError or any other waiting reason) the run reports Stalled (reason PendingTimeout) with the pod, the reason and the scheduler's or kubelet's message, and records a Warning event; the pods are kept. 0 turns the report off.")
  @Min(0)
  @Max(604800)
  @Default(Defaults.FAILURE_PENDING_TIMEOUT_SECONDS)
  private Integer pendingTimeoutSeconds;

  @JsonPropertyDescription(
      "First delay before a restart; doubles with every counted failure up to 32 times this value.")
  @Min(0)
  @Max(3600)
  @Default(Defaults.FAILURE_RESTART_BACKOFF_SECONDS)
  private Integer restartBackoffSeconds;

  public Integer getBackoffLimit() {
    return backoffLimit;
  }

  public void setBackoffLimit(Integer backoffLimit) {
    this.backoffLimit = backoffLimit;
  }

  public List<Integer> getRetryableExitCodes() {
    return retryableExitCodes;
  }

  public void setRetryableExitCodes(List<Integer> retryableExitCodes) {
    this.retryableExitCodes = retryableExitCodes;
  }

  public Integer getProgressDeadlineSeconds() {
    return progressDeadlineSeconds;
  }

  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) {
    this.progressDeadlineSeconds = progressDeadlineSeconds;
  }

  public Integer getPendingTimeoutSeconds() {
    return pendingTimeoutSeconds;
  }

  public void setPendingTimeoutSeconds(Integer pendingTimeoutSeconds) {
    this.pendingTimeoutSeconds = pendingTimeoutSeconds;
  }

  public Integer getRestartBackoffSeconds() {
    return restartBackoffSeconds;
  }

  public void setRestartBackoffSeconds(Integer restartBackoffSeconds) {
    this.restartBackoffSeconds = restartBackoffSeconds;
  }
}
