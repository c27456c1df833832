package io.sarmae.operator.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the child builders need about one run: the owner, its spec, the trainer subcommand,
 * the rendered config and the claims to mount. Built once per plan from the resource (and, for a
 * fine-tune, from the resolved pretrained weights).
 */
public record TrainerRun(
    HasMetadata owner,
    JobSpecCommon spec,
    String command,
    String configYaml,
    String dataClaim,
    List<ClaimMount> weightClaims) {

  /** A read-only weights claim mounted at {@code /weights/<role>}. */
  public record ClaimMount(String role, String claimName) {}

  public String name() {
    return owner.getMetadata().getName();
  }

  public String namespace() {
    return owner.getMetadata().getNamespace();
  }

  public static TrainerRun of(SarmaePretrain p) {
    var spec = p.getSpec();
    List<ClaimMount> claims = new ArrayList<>();
    addClaim(claims, "init", spec.getInitWeights());
    addClaim(claims, "optical", spec.getOpticalWeights());
    return new TrainerRun(
        p,
        spec,
        "pretrain",
        TrainerConfig.renderPretrain(p.getMetadata().getName(), p.getMetadata().getUid(), spec),
        spec.getData() == null ? null : spec.getData().getClaimName(),
        List.copyOf(claims));
  }

  /**
   * A fine-tune starting from {@code weights}: either the user's {@code pretrainedWeights} or the
   * final checkpoint of the referenced pretraining run (role {@code pretrained}).
   */
  public static TrainerRun of(SarmaeFinetune f, WeightsRef weights) {
    var spec = f.getSpec();
    List<ClaimMount> claims = new ArrayList<>();
    String weightsPath;
    if (weights.getClaimName() != null
        && spec.getCheckpoint() != null
        && weights.getClaimName().equals(spec.getCheckpoint().getClaimName())) {
      // Same claim as our checkpoints (the usual case with fromPretrain): read it through the
      // /checkpoints mount instead of mounting one claim twice in the pod.
      weightsPath = ContainerLayout.CHECKPOINTS + "/" + weights.getPath();
    } else {
      addClaim(claims, "pretrained", weights);
      weightsPath = TrainerConfig.weightsPath(weights, "pretrained");
    }
    return new TrainerRun(
        f,
        spec,
        "finetune",
        TrainerConfig.renderFinetune(
            f.getMetadata().getName(), f.getMetadata().getUid(), spec, weightsPath),
        spec.getDataset() == null ? null : spec.getDataset().getClaimName(),
        List.copyOf(claims));
  }

  private static void addClaim(List<ClaimMount> claims, String role, WeightsRef ref) {
    if (ref != null && ref.getClaimName() != null) {
      claims.add(new ClaimMount(role, ref.getClaimName()));
    }
  }
}
