package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Multi-pod data-parallel settings (trainer config section {@code distributed}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DistributedSettings {

  @JsonPropertyDescription(
      "With replicas > 1: seconds a rank waits for the others, at the rendezvous (every pod scheduled and started) and in every collective (rank 0 writing a checkpoint makes the others wait). A rank that died is noticed at once; one that hangs after this time. Trainer key distributed.timeoutSeconds.")
  @Min(10)
  @Max(86400)
  @Default(Defaults.DIST_TIMEOUT_SECONDS)
  private Integer timeoutSeconds;

  @JsonPropertyDescription(
      "With replicas > 1: gloo worker threads per pod. Trainer key distributed.glooThreads.")
  @Min(1)
  @Max(64)
  @Default(Defaults.DIST_GLOO_THREADS)
  private Integer glooThreads;

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Integer getGlooThreads() {
    return glooThreads;
  }

  public void setGlooThreads(Integer glooThreads) {
    this.glooThreads = glooThreads;
  }
}
