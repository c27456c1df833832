package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.resources.Effective;
import java.time.Duration;
import java.time.Instant;

/**
 * The pure planner: {@code (resource, observed children, now) -> plan}. It decides (see {@link
 * Lifecycle}), then describes ({@link StatusCalculator}); it performs no I/O, so every lifecycle
 * rule is a table-driven unit test.
 */
public final class Planner {
  private Planner() {}

  /** Operator-level settings of the planner. */
  public record Settings(Duration progressInterval, Duration waitInterval) {
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(30));
    }
  }

  /** How long to wait for pods that are being deleted before looking again. */
  static final Duration DELETION_POLL = Duration.ofSeconds(5);

  /** How long ranks that lost a peer wait for the failed peer's own report. */
  static final Duration PEER_LOST_GRACE = Duration.ofSeconds(30);

  /** How long the other ranks get to exit after rank 0 succeeded. */
  static final Duration SUCCESS_GRACE = Duration.ofSeconds(30);

  public static Plan plan(
      CustomResource<? extends JobSpecCommon, SarmaeJobStatus> resource,
      Observed observed,
      Instant now,
      Settings settings) {
    Ownership.Split<Pod> split = Ownership.split(resource, observed.pods());
    Context context =
        new Context(
            resource,
            resource.getSpec(),
            resource.getStatus() != null ? resource.getStatus() : new SarmaeJobStatus(),
            observed,
            split.own(),
            split.foreign(),
            now,
            Timestamps.format(now),
            settings,
            KindStrategy.of(resource));
    Draft draft = new Draft(context);
    new Lifecycle(context, draft).decide();
    return StatusCalculator.plan(context, draft.status, draft.verdict());
  }

  /** Where the final model of a successful pretraining run lies (trainer contract, "Files"). */
  public static WeightsRef finalWeights(SarmaePretrain pretrain) {
    WeightsRef weights = new WeightsRef();
    weights.setClaimName(pretrain.getSpec().getCheckpoint().getClaimName());
    weights.setPath(
        Effective.checkpointPath(pretrain.getSpec(), pretrain.getMetadata().getName()) + "/final");
    return weights;
  }

  /** Parses {@code pvc://<claim>/<path>} as written to {@code status.pretrainedWeights}. */
  static WeightsRef parsePvcUri(String uri) {
    if (uri == null || !uri.startsWith("pvc://")) {
      return null;
    }
    String rest = uri.substring("pvc://".length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      return null;
    }
    WeightsRef weights = new WeightsRef();
    weights.setClaimName(rest.substring(0, slash));
    weights.setPath(rest.substring(slash + 1));
    return weights;
  }
}
