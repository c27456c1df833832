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

/** Where the SAR-1M style dataset lives: a PersistentVolumeClaim mounted read-only at /data. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PretrainData {

  @JsonPropertyDescription(
      "Name of the PersistentVolumeClaim (same namespace) that holds the dataset. Mounted read-only at /data in every pod; with replicas > 1 on several nodes it must be ReadOnlyMany or ReadWriteMany.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(min = 1, max = 253)
  private String claimName;

  @JsonPropertyDescription(
      "Directory inside the claim with the SAR/, OPT/, paired.json and unpaired.json layout; empty means the claim root. Relative, no leading slash. Becomes trainer key data.path = /data/<path>.")
  @Pattern("^$|^[^/](.*[^/])?$")
  @Size(max = 1024)
  @ValidationRule(value = "!self.contains('..')", message = "must not contain '..'")
  private String path;

  @JsonPropertyDescription(
      "all: every paired and unpaired sample once per epoch; reference: the fixed 70/30 mix of the paper. Trainer key data.mixing.")
  @Default(Defaults.DATA_MIXING)
  private DataMixing mixing;

  @JsonPropertyDescription(
      "Share of paired samples in reference mixing, in (0, 1]. Trainer key data.pairedRatio.")
  @Min(value = 0, inclusive = false)
  @Max(1)
  @Default(Defaults.DATA_PAIRED_RATIO)
  private Double pairedRatio;

  @JsonPropertyDescription("Image-decoding threads, 1 to 64. Trainer key data.workers.")
  @Min(1)
  @Max(64)
  @Default(Defaults.DATA_WORKERS)
  private Integer workers;

  @JsonPropertyDescription(
      "Batches decoded ahead of the training step, 1 to 64. Trainer key data.prefetchBatches.")
  @Min(1)
  @Max(64)
  @Default(Defaults.DATA_PREFETCH_BATCHES)
  private Integer prefetchBatches;

  @JsonPropertyDescription(
      "symmetric: x*2-1 always; reference: ImageNet statistics when noise is off. Trainer key data.sarNormalization.")
  @Default(Defaults.DATA_SAR_NORMALIZATION)
  private SarNormalization sarNormalization;

  @JsonPropertyDescription(
      "16-bit and float images: percentile stretches the 0.5th-99.5th percentile to [0, 1], range divides by the type's range (float clamped). 8-bit images are always divided by 255. Trainer key data.scaling.")
  @Default(Defaults.DATA_SCALING)
  private PixelScaling scaling;

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

  public DataMixing getMixing() {
    return mixing;
  }

  public void setMixing(DataMixing mixing) {
    this.mixing = mixing;
  }

  public Double getPairedRatio() {
    return pairedRatio;
  }

  public void setPairedRatio(Double pairedRatio) {
    this.pairedRatio = pairedRatio;
  }

  public Integer getWorkers() {
    return workers;
  }

  public void setWorkers(Integer workers) {
    this.workers = workers;
  }

  public Integer getPrefetchBatches() {
    return prefetchBatches;
  }

  public void setPrefetchBatches(Integer prefetchBatches) {
    this.prefetchBatches = prefetchBatches;
  }

  public SarNormalization getSarNormalization() {
    return sarNormalization;
  }

  public void setSarNormalization(SarNormalization sarNormalization) {
    this.sarNormalization = sarNormalization;
  }

  public PixelScaling getScaling() {
    return scaling;
  }

  public void setScaling(PixelScaling scaling) {
    this.scaling = scaling;
  }
}
