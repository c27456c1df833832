package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Labelled dataset for fine-tuning: a PersistentVolumeClaim mounted read-only at /data. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FinetuneDataset {

  @JsonPropertyDescription(
      "Dataset name as the trainer knows it (for example fusar-ship, mstar, sar-acd).")
  @Required
  @Pattern("^[a-z0-9][-a-z0-9_.]*$")
  @Size(min = 1, max = 63)
  private String name;

  @JsonPropertyDescription("PersistentVolumeClaim holding the dataset; mounted read-only at /data.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(min = 1, max = 253)
  private String claimName;

  @JsonPropertyDescription("Directory inside the claim; empty means the claim root.")
  @Pattern("^$|^[^/](.*[^/])?$")
  @Size(max = 1024)
  @ValidationRule(value = "!self.contains('..')", message = "must not contain '..'")
  private String path;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

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
}
