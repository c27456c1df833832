package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Map;

/**
 * Additions merged into every trainer pod. The operator owns the container command, args, ports,
 * probes and rendezvous environment; these fields add to them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodOverlay {

  @JsonPropertyDescription(
      "Extra pod labels (for example for network policies or cost allocation).")
  @Size(max = 64)
  private Map<String, String> labels;

  @JsonPropertyDescription("Extra pod annotations.")
  @Size(max = 64)
  private Map<String, String> annotations;

  @JsonPropertyDescription(
      "Extra environment variables of the trainer container (for example JAVA_OPTS). Rendezvous variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) are set by the operator and cannot be overridden.")
  @Size(max = 64)
  private List<EnvVar> env;

  @JsonPropertyDescription("Extra pod volumes; names must not start with sarmae-.")
  @Size(max = 32)
  private List<Volume> volumes;

  @JsonPropertyDescription(
      "Extra mounts of the trainer container; must not use /data, /checkpoints, /weights or /etc/sarmae.")
  @Size(max = 32)
  private List<VolumeMount> volumeMounts;

  @JsonPropertyDescription(
      "Service account of the pods; absent means the namespace default. The trainer needs no API access.")
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 253)
  private String serviceAccountName;

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }

  public List<EnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVar> env) {
    this.env = env;
  }

  public List<Volume> getVolumes() {
    return volumes;
  }

  public void setVolumes(List<Volume> volumes) {
    this.volumes = volumes;
  }

  public List<VolumeMount> getVolumeMounts() {
    return volumeMounts;
  }

  public void setVolumeMounts(List<VolumeMount> volumeMounts) {
    this.volumeMounts = volumeMounts;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }
}
