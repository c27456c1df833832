package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** Scheduler, gang scheduling and queue settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Scheduling {

  @JsonPropertyDescription(
      "none: plain pods, created together; if only some of them get scheduled, rank 0 waits for the others up to the trainer's rendezvous timeout and the group restarts (reason PeerLost, counted). volcano: a scheduling.volcano.sh/v1beta1 PodGroup with minMember = replicas and schedulerName volcano. coscheduling: a scheduling.x-k8s.io/v1alpha1 PodGroup (scheduler-plugins) with minMember = replicas. Pods carry the group label and annotation.")
  @Default(Defaults.SCHEDULING_GANG)
  private GangScheduler gang;

  @JsonPropertyDescription(
      "Scheduler of the pods. Absent: volcano for gang volcano, scheduler-plugins-scheduler for gang coscheduling, the cluster default otherwise.")
  @Size(max = 253)
  private String schedulerName;

  @JsonPropertyDescription(
      "Volcano queue of the PodGroup (gang volcano only). For Kueue, put the kueue.x-k8s.io/queue-name label on the resource instead: the operator then creates one Kueue Workload for the run (all ranks in one pod set) and starts pods only while Kueue admits it (docs/operator.md, Kueue).")
  @Size(max = 253)
  private String queueName;

  @JsonPropertyDescription(
      "coscheduling only: seconds the scheduler waits for the whole group before rejecting it.")
  @Min(1)
  @Max(86400)
  @Default(Defaults.SCHEDULING_SCHEDULE_TIMEOUT_SECONDS)
  private Integer scheduleTimeoutSeconds;

  public GangScheduler getGang() {
    return gang;
  }

  public void setGang(GangScheduler gang) {
    this.gang = gang;
  }

  public String getSchedulerName() {
    return schedulerName;
  }

  public void setSchedulerName(String schedulerName) {
    this.schedulerName = schedulerName;
  }

  public String getQueueName() {
    return queueName;
  }

  public void setQueueName(String queueName) {
    this.queueName = queueName;
  }

  public Integer getScheduleTimeoutSeconds() {
    return scheduleTimeoutSeconds;
  }

  public void setScheduleTimeoutSeconds(Integer scheduleTimeoutSeconds) {
    this.scheduleTimeoutSeconds = scheduleTimeoutSeconds;
  }
}
