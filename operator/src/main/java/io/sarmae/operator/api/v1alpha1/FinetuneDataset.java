package io.sarmae.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

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

  @JsonPropertyDescription(
      "Folder of the training split: <path>/<trainSplit>/<class>/ for classification, <path>/img_dir/<trainSplit>/ and ann_dir/<trainSplit>/ for segmentation; for detection the split's annotations/<trainSplit>.json (coco), <trainSplit>/labelTxt/ (dota) or ImageSets/Main/<trainSplit>.txt (voc). Default Train for classification, train (the mmsegmentation and DOTA layouts) for segmentation and detection. Trainer key data.trainSplit.")
  @Pattern(SPLIT_PATTERN)
  @Size(min = 1, max = 253)
  private String trainSplit;

  @JsonPropertyDescription(
      "Folder of the split evaluated every epoch; it gives the curves and the best epoch. Default Val for classification, val for segmentation and detection. Trainer key data.evalSplit.")
  @Pattern(SPLIT_PATTERN)
  @Size(min = 1, max = 253)
  private String evalSplit;

  @JsonPropertyDescription(
      "Folders evaluated once with the last-epoch model (e.g. [Test] or [test]); results.json reports them. Default none. Trainer key data.testSplits.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(s, s.matches('" + SPLIT_PATTERN + "'))",
      message = SPLIT_MESSAGE)
  private List<String> testSplits;

  /** A split is one folder name. */
  public static final String SPLIT_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

  public static final String SPLIT_MESSAGE =
      "test splits are folder names (letters, digits, _ . -)";

  public String getTrainSplit() {
    return trainSplit;
  }

  public void setTrainSplit(String trainSplit) {
    this.trainSplit = trainSplit;
  }

  public String getEvalSplit() {
    return evalSplit;
  }

  public void setEvalSplit(String evalSplit) {
    this.evalSplit = evalSplit;
  }

  public List<String> getTestSplits() {
    return testSplits;
  }

  public void setTestSplits(List<String> testSplits) {
    this.testSplits = testSplits;
  }

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
