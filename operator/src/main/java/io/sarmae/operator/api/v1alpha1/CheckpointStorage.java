package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Checkpoint storage: a PersistentVolumeClaim mounted read-write at /checkpoints. Restarts, resumes
 * and preemptions continue from the newest complete checkpoint in it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointStorage {

  @JsonPropertyDescription(
      "Name of the PersistentVolumeClaim (same namespace) that stores checkpoints. Mounted at /checkpoints in every pod; only rank 0 reads and writes it. ReadWriteOnce is enough for one pod; with replicas > 1 on several nodes it must be ReadWriteMany.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(min = 1, max = 253)
  private String claimName;

  @JsonPropertyDescription(
      "Directory inside the claim for this run; absent means the resource name, so runs sharing a claim never collide. Becomes trainer key checkpoint.dir = /checkpoints/<path>.")
  @Pattern("^$|^[^/](.*[^/])?$")
  @Size(max = 1024)
  @ValidationRule(value = "!self.contains('..')", message = "must not contain '..'")
  private String path;

  @JsonPropertyDescription(
      "A checkpoint folder inside the claim (for example old-run/checkpoint-000001200 or old-run/final) that this run may resume from although another run identity wrote it. Without it a run resumes only checkpoints it wrote itself (same metadata.uid): a run deleted and re-created under the same name, with the same checkpoint folder, stops with a configuration error instead of silently continuing the old run. Trainer key checkpoint.resumeFrom = /checkpoints/<resumeFrom>.")
  @Pattern("^[^/](.*[^/])?$")
  @Size(max = 1024)
  @ValidationRule(value = "!self.contains('..')", message = "must not contain '..'")
  private String resumeFrom;

  @JsonPropertyDescription(
      "Write a checkpoint every N epochs; 0 writes only the final one. Trainer key checkpoint.everyEpochs.")
  @Min(0)
  @Max(100000)
  @Default(Defaults.CHECKPOINT_EVERY_EPOCHS)
  private Integer everyEpochs;

  @JsonPropertyDescription(
      "Extra checkpoint every N optimizer steps; 0 turns it off. Trainer key checkpoint.everySteps.")
  @Min(0)
  @Max(100000000)
  @Default(Defaults.CHECKPOINT_EVERY_STEPS)
  private Integer everySteps;

  @JsonPropertyDescription(
      "Number of newest checkpoint folders kept; older ones are deleted. Trainer key checkpoint.keepLast.")
  @Min(1)
  @Max(1000)
  @Default(Defaults.CHECKPOINT_KEEP_LAST)
  private Integer keepLast;

  public String getClaimName() {
    return claimName;
  }

  public void setClaimName(String claimName) {
    this.claimName = claimName;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Integer getEveryEpochs() {
    return everyEpochs;
  }

  public void setEveryEpochs(Integer everyEpochs) {
    this.everyEpochs = everyEpochs;
  }

  public Integer getEverySteps() {
    return everySteps;
  }

  public void setEverySteps(Integer everySteps) {
    this.everySteps = everySteps;
  }

  public Integer getKeepLast() {
    return keepLast;
  }

  public void setKeepLast(Integer keepLast) {
    this.keepLast = keepLast;
  }

  public String getResumeFrom() {
    return resumeFrom;
  }

  public void setResumeFrom(String resumeFrom) {
    this.resumeFrom = resumeFrom;
  }
}
