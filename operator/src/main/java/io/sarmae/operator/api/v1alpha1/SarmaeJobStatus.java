package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** Observed state of a SARMAE run, written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SarmaeJobStatus {

  @JsonPropertyDescription("Pending, Running, Restarting, Suspended, Succeeded or Failed.")
  private Phase phase;

  @JsonPropertyDescription(
      "Why the run is in its phase (the reason of its phase condition, e.g. Training, ImagePullBackOff, PodDeleted, BackoffLimitExceeded).")
  private String reason;

  @JsonPropertyDescription(
      "metadata.generation the operator has seen. Whether that generation's spec was accepted is condition SpecAccepted; acceptedGeneration is the last accepted one.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "metadata.generation of the last spec the operator accepted (the one the pods run). Below observedGeneration when a later edit changed an immutable field (condition SpecAccepted False, reason SpecRejected).")
  private Long acceptedGeneration;

  @JsonPropertyDescription(
      "SHA-256 of the immutable part of the accepted spec (everything except suspend, ttlSecondsAfterFinished, activeDeadlineSeconds, failurePolicy and scheduling); an edit that changes it is rejected.")
  private String acceptedSpecDigest;

  @JsonPropertyDescription(
      "Ready, Reconciling and Stalled (kstatus) plus Scheduled, Running, Succeeded, Failed, Suspended, WaitingForPretrain and (for a run queued through Kueue) Admitted.")
  private List<Condition> conditions;

  @JsonPropertyDescription("When the current pods were created (reset by a resume).")
  private String startTime;

  @JsonPropertyDescription("When the run succeeded or failed.")
  private String completionTime;

  @JsonPropertyDescription("Number of pod groups created so far (1 for the first).")
  private Integer attempt;

  @JsonPropertyDescription("Group restarts of any kind.")
  private Integer restartCount;

  @JsonPropertyDescription("Restarts that counted against backoffLimit.")
  private Integer failedAttempts;

  @JsonPropertyDescription("When the next pod group will be created after a backoff.")
  private String nextRestartTime;

  @JsonPropertyDescription("Pods of the current attempt.")
  private PodSummary pods;

  @JsonPropertyDescription("Training progress.")
  private TrainingProgress progress;

  @JsonPropertyDescription(
      "Per rank (pod index), the first 64 ranks: phase of the current pod, restarts, last exit code and reason.")
  @Size(max = 64)
  private List<RankStatus> ranks;

  @JsonPropertyDescription(
      "Latest failure, kept after the restart: the failed pod, its exit code and the trainer's termination message (or the tail of its log).")
  private FailureRecord lastFailure;

  @JsonPropertyDescription(
      "Pods named after this run but owned by an earlier incarnation (another UID): ignored, reported by a ForeignPods event, and waited for when their names are needed.")
  @Size(max = 64)
  private List<String> foreignPods;

  @JsonPropertyDescription("Final metrics and checkpoint of a finished run.")
  private RunResult result;

  @JsonPropertyDescription(
      "Kueue admission of a run that carries the kueue.x-k8s.io/queue-name label (absent otherwise).")
  private KueueAdmission admission;

  @JsonPropertyDescription(
      "Fine-tune: weights file the run starts from (resolved from fromPretrain).")
  private String pretrainedWeights;

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public Integer getRestartCount() {
    return restartCount;
  }

  public void setRestartCount(Integer restartCount) {
    this.restartCount = restartCount;
  }

  public Integer getFailedAttempts() {
    return failedAttempts;
  }

  public void setFailedAttempts(Integer failedAttempts) {
    this.failedAttempts = failedAttempts;
  }

  public String getNextRestartTime() {
    return nextRestartTime;
  }

  public void setNextRestartTime(String nextRestartTime) {
    this.nextRestartTime = nextRestartTime;
  }

  public PodSummary getPods() {
    return pods;
  }

  public void setPods(PodSummary pods) {
    this.pods = pods;
  }

  public TrainingProgress getProgress() {
    return progress;
  }

  public void setProgress(TrainingProgress progress) {
    this.progress = progress;
  }

  public FailureRecord getLastFailure() {
    return lastFailure;
  }

  public void setLastFailure(FailureRecord lastFailure) {
    this.lastFailure = lastFailure;
  }

  public RunResult getResult() {
    return result;
  }

  public void setResult(RunResult result) {
    this.result = result;
  }

  public String getPretrainedWeights() {
    return pretrainedWeights;
  }

  public void setPretrainedWeights(String pretrainedWeights) {
    this.pretrainedWeights = pretrainedWeights;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Long getAcceptedGeneration() {
    return acceptedGeneration;
  }

  public void setAcceptedGeneration(Long acceptedGeneration) {
    this.acceptedGeneration = acceptedGeneration;
  }

  public String getAcceptedSpecDigest() {
    return acceptedSpecDigest;
  }

  public void setAcceptedSpecDigest(String acceptedSpecDigest) {
    this.acceptedSpecDigest = acceptedSpecDigest;
  }

  public List<RankStatus> getRanks() {
    return ranks;
  }

  public void setRanks(List<RankStatus> ranks) {
    this.ranks = ranks;
  }

  public List<String> getForeignPods() {
    return foreignPods;
  }

  public void setForeignPods(List<String> foreignPods) {
    this.foreignPods = foreignPods;
  }

  public KueueAdmission getAdmission() {
    return admission;
  }

  public void setAdmission(KueueAdmission admission) {
    this.admission = admission;
  }
}
