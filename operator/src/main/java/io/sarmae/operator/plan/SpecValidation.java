package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.ProtocolType;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.resources.Children;
import io.sarmae.operator.resources.ContainerLayout;
import io.sarmae.operator.resources.Effective;
import io.sarmae.operator.resources.Names;
import io.sarmae.operator.resources.TaskConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the schema and CEL rules cannot express (name length for pod hostnames, reserved volume
 * names and paths) and repeats the important CEL rules, for API servers that did not enforce them.
 * A violation makes the run fail with reason InvalidSpec; it is never retried.
 */
public final class SpecValidation {
  private SpecValidation() {}

  /**
   * Schema bound of spec.replicas; {@link Names#MAX_NAME_LENGTH} keeps hostnames valid up to it.
   */
  static final int MAX_REPLICAS = 1000;

  private static final List<String> RESERVED_PATHS = ContainerLayout.RESERVED;

  public static List<String> validate(HasMetadata resource) {
    List<String> errors = new ArrayList<>();
    String name = resource.getMetadata().getName();
    if (name.length() > Names.MAX_NAME_LENGTH) {
      errors.add(io.sarmae.operator.api.v1alpha1.SpecRules.NAME_LENGTH_MESSAGE);
    }
    JobSpecCommon spec;
    if (resource instanceof SarmaePretrain p) {
      spec = p.getSpec();
      if (spec == null) {
        return List.of("spec is required");
      }
      SarmaePretrainSpec ps = p.getSpec();
      if (ps.getData() == null || ps.getData().getClaimName() == null) {
        errors.add("spec.data.claimName is required");
      }
    } else if (resource instanceof SarmaeFinetune f) {
      spec = f.getSpec();
      if (spec == null) {
        return List.of("spec is required");
      }
      SarmaeFinetuneSpec fs = f.getSpec();
      if (fs.getTask() != null && TaskConfig.of(fs.getTask()).isEmpty()) {
        errors.add(
            "spec.task: "
                + fs.getTask().wireName()
                + " is not supported by this operator version yet; use one of "
                + String.join(", ", TaskConfig.SUPPORTED));
      }
      if ((fs.getFromPretrain() == null) == (fs.getPretrainedWeights() == null)) {
        errors.add("spec: set exactly one of fromPretrain and pretrainedWeights");
      }
      if (fs.getCheckpoint() != null && fs.getCheckpoint().getResumeFrom() != null) {
        errors.add(
            "spec.checkpoint.resumeFrom: only a SarmaePretrain can continue another run's"
                + " checkpoint; remove it (a fine-tune resumes its own checkpoints)");
      }
      if (fs.getDataset() == null || fs.getDataset().getClaimName() == null) {
        errors.add("spec.dataset.claimName is required");
      }
      if (fs.getProtocol() == null || fs.getProtocol().getType() == null) {
        errors.add("spec.protocol.type is required");
      } else {
        if (fs.getProtocol().getType() == ProtocolType.K_SHOT
            && fs.getProtocol().getShots() == null) {
          errors.add("protocol.shots is required for kshot");
        }
        if (fs.getProtocol().getType() == ProtocolType.FRACTION
            && fs.getProtocol().getFraction() == null) {
          errors.add("protocol.fraction is required for fraction");
        }
      }
    } else {
      return List.of("unsupported kind " + resource.getKind());
    }
    int replicas = Effective.replicas(spec);
    if (resource instanceof SarmaeFinetune && replicas != 1) {
      errors.add(
          "replicas must be 1: the fine-tune trainer runs one process (use gpusPerReplica for"
              + " several GPUs)");
    } else if (replicas < 1 || replicas > MAX_REPLICAS) {
      errors.add("replicas must be 1 to " + MAX_REPLICAS);
    }
    int gpus = Effective.gpus(spec);
    if (resource instanceof SarmaePretrain && replicas > 1 && gpus != 0) {
      errors.add(
          "replicas > 1 needs gpusPerReplica: 0: multi-pod runs are CPU pods in this version"
              + " (docs/distributed.md); for GPUs use one pod with several GPUs");
    }
    if (gpus < 0 || gpus > 16) {
      errors.add("gpusPerReplica must be 0 to 16");
    }
    CelMirror.check(spec, errors);
    if (spec.getCheckpoint() == null || spec.getCheckpoint().getClaimName() == null) {
      errors.add("spec.checkpoint.claimName is required");
    }
    if (spec.getResources() != null
        && ((spec.getResources().getRequests() != null
                && spec.getResources().getRequests().containsKey(Children.GPU_RESOURCE))
            || (spec.getResources().getLimits() != null
                && spec.getResources().getLimits().containsKey(Children.GPU_RESOURCE)))) {
      errors.add("set GPUs with gpusPerReplica, not in spec.resources");
    }
    if (spec.getPodTemplate() != null) {
      if (spec.getPodTemplate().getVolumes() != null) {
        for (Volume v : spec.getPodTemplate().getVolumes()) {
          if (v.getName() != null && v.getName().startsWith("sarmae-")) {
            errors.add("podTemplate.volumes: name " + v.getName() + " is reserved (sarmae-*)");
          }
        }
      }
      if (spec.getPodTemplate().getVolumeMounts() != null) {
        for (VolumeMount m : spec.getPodTemplate().getVolumeMounts()) {
          String path = m.getMountPath() == null ? "" : m.getMountPath();
          for (String reserved : RESERVED_PATHS) {
            if (path.equals(reserved) || path.startsWith(reserved + "/")) {
              errors.add("podTemplate.volumeMounts: " + path + " is used by the operator");
            }
          }
        }
      }
    }
    return errors;
  }
}
