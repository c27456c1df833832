package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A weights file (safetensors or npz): a path inside a PersistentVolumeClaim mounted read-only, or,
 * without a claim, an absolute path inside the container (an image layer or an extra volume of
 * podTemplate).
 */
@ValidationRule(
    value = "has(self.claimName) ? !self.path.startsWith('/') : self.path.startsWith('/')",
    message = "path must be relative to the claim when claimName is set, and absolute otherwise")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WeightsRef {

  @JsonPropertyDescription(
      "PersistentVolumeClaim holding the file; mounted read-only. Absent: path is an absolute container path.")
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 253)
  private String claimName;

  @JsonPropertyDescription(
      "File path: relative to the claim root when claimName is set, otherwise absolute.")
  @Required
  @Size(min = 1, max = 1024)
  @ValidationRule(value = "!self.contains('..')", message = "must not contain '..'")
  private String path;

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
