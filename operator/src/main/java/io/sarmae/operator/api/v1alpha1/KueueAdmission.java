package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** The Kueue Workload of a queued run and what Kueue decided about it (condition Admitted). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KueueAdmission {

  @JsonPropertyDescription(
      "Name of the kueue.x-k8s.io Workload the operator created for this run (one for the run's life, owned by it).")
  private String workload;

  @JsonPropertyDescription("LocalQueue of the run (its kueue.x-k8s.io/queue-name label).")
  private String queue;

  @JsonPropertyDescription("ClusterQueue that admitted the run; empty while it is not admitted.")
  private String clusterQueue;

  @JsonPropertyDescription(
      "ResourceFlavor assigned to each resource (cpu, memory, nvidia.com/gpu...) of the admission; the pods carry the flavors' node labels and tolerations.")
  private Map<String, String> flavors;

  @JsonPropertyDescription("How many times Kueue evicted (e.g. preempted) the run so far.")
  private Integer evictions;

  public String getWorkload() {
    return workload;
  }

  public void setWorkload(String workload) {
    this.workload = workload;
  }

  public String getQueue() {
    return queue;
  }

  public void setQueue(String queue) {
    this.queue = queue;
  }

  public String getClusterQueue() {
    return clusterQueue;
  }

  public void setClusterQueue(String clusterQueue) {
    this.clusterQueue = clusterQueue;
  }

  public Map<String, String> getFlavors() {
    return flavors;
  }

  public void setFlavors(Map<String, String> flavors) {
    this.flavors = flavors;
  }

  public Integer getEvictions() {
    return evictions;
  }

  public void setEvictions(Integer evictions) {
    this.evictions = evictions;
  }
}
