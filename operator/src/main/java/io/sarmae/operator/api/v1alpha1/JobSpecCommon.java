package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * Settings shared by SarmaePretrain and SarmaeFinetune: image, pods, placement, lifecycle and
 * failure policy.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class JobSpecCommon {

  @JsonPropertyDescription(
      "Trainer image; its entrypoint must be sarmae-trainer (see the trainer contract).")
  @Size(min = 1, max = 1024)
  @Default(Defaults.JOB_IMAGE)
  private String image;

  @JsonPropertyDescription("Pull policy of the trainer image.")
  @Default(Defaults.JOB_IMAGE_PULL_POLICY)
  private PullPolicy imagePullPolicy;

  @JsonPropertyDescription(
      "Number of trainer pods, one data-parallel rank each (RANK = pod index, WORLD_SIZE = replicas); they form one run through rank 0 (MASTER_ADDR/MASTER_PORT). SarmaePretrain: 1 to 1000. SarmaeFinetune: must be 1 (the fine-tune trainer runs one process). GPUs inside a pod come from gpusPerReplica.")
  @Min(1)
  @Max(1000)
  @Default(Defaults.JOB_REPLICAS)
  private Integer replicas;

  @JsonPropertyDescription(
      "nvidia.com/gpu requested (and limited) per pod; 0 runs on CPU (run.device cpu).")
  @Min(0)
  @Max(16)
  @Default(Defaults.JOB_GPUS_PER_REPLICA)
  private Integer gpusPerReplica;

  @JsonPropertyDescription(
      "CPU and memory requests and limits of the trainer container. GPUs come from gpusPerReplica and must not be set here.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("Node labels the pods must match.")
  @Size(max = 64)
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the pods (for example for GPU node taints).")
  @Size(max = 64)
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Affinity rules of the pods.")
  private Affinity affinity;

  @JsonPropertyDescription(
      "PriorityClass of the pods; a lower priority lets the run be preempted (restarts from its checkpoint do not count against backoffLimit).")
  @Size(max = 253)
  private String priorityClassName;

  @JsonPropertyDescription(
      "Extra labels, annotations, environment, volumes and mounts for the pods.")
  private PodOverlay podTemplate;

  @JsonPropertyDescription(
      "Suspend the run: pods are deleted (the trainer checkpoints on SIGTERM and exits 75), checkpoints are kept, and setting it back to false resumes from the last checkpoint. May change after creation. Kueue does not use it: a run with the kueue.x-k8s.io/queue-name label waits for its Workload's admission instead.")
  @Default(Defaults.JOB_SUSPEND)
  private Boolean suspend;

  @JsonPropertyDescription(
      "Seconds the run may be active (from the start of the current pods, reset by a resume) before it fails with reason DeadlineExceeded.")
  @Min(1)
  @Max(31536000)
  private Long activeDeadlineSeconds;

  @JsonPropertyDescription(
      "Delete the resource (and, through owner references, its pods) this many seconds after it succeeded or failed. Absent keeps it.")
  @Min(0)
  @Max(31536000)
  private Integer ttlSecondsAfterFinished;

  @JsonPropertyDescription("Which failures restart the run from its last checkpoint and how often.")
  private FailurePolicy failurePolicy;

  @JsonPropertyDescription("Scheduler, gang scheduling and queues.")
  private Scheduling scheduling;

  @JsonPropertyDescription("Checkpoint storage.")
  @Required
  private CheckpointStorage checkpoint;

  @JsonPropertyDescription(
      "Seeds model initialisation, shuffling, noise and masking. Trainer key run.seed.")
  @Min(0)
  @Default(Defaults.JOB_SEED)
  private Long seed;

  @JsonPropertyDescription(
      "Intra-op CPU threads; 0 = derived: the CPU limit (else request) minus a decode share, or the trainer's own container CPU budget when resources give no CPU. Trainer key run.threads.")
  @Min(0)
  @Max(1024)
  @Default(Defaults.JOB_THREADS)
  private Integer threads;

  @JsonPropertyDescription(
      "Log and progress granularity in optimizer steps. Trainer key observability.logEverySteps.")
  @Min(1)
  @Max(1000000)
  @Default(Defaults.JOB_LOG_EVERY_STEPS)
  private Integer logEverySteps;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public PullPolicy getImagePullPolicy() {
    return imagePullPolicy;
  }

  public void setImagePullPolicy(PullPolicy imagePullPolicy) {
    this.imagePullPolicy = imagePullPolicy;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getGpusPerReplica() {
    return gpusPerReplica;
  }

  public void setGpusPerReplica(Integer gpusPerReplica) {
    this.gpusPerReplica = gpusPerReplica;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }

  public PodOverlay getPodTemplate() {
    return podTemplate;
  }

  public void setPodTemplate(PodOverlay podTemplate) {
    this.podTemplate = podTemplate;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  public FailurePolicy getFailurePolicy() {
    return failurePolicy;
  }

  public void setFailurePolicy(FailurePolicy failurePolicy) {
    this.failurePolicy = failurePolicy;
  }

  public Scheduling getScheduling() {
    return scheduling;
  }

  public void setScheduling(Scheduling scheduling) {
    this.scheduling = scheduling;
  }

  public CheckpointStorage getCheckpoint() {
    return checkpoint;
  }

  public void setCheckpoint(CheckpointStorage checkpoint) {
    this.checkpoint = checkpoint;
  }

  public Long getSeed() {
    return seed;
  }

  public void setSeed(Long seed) {
    this.seed = seed;
  }

  public Integer getThreads() {
    return threads;
  }

  public void setThreads(Integer threads) {
    this.threads = threads;
  }

  public Integer getLogEverySteps() {
    return logEverySteps;
  }

  public void setLogEverySteps(Integer logEverySteps) {
    this.logEverySteps = logEverySteps;
  }
}
