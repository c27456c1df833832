package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.FailureRecord;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.plan.Failure.Handling;
import io.sarmae.operator.resources.Effective;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What a pass does about a failure of the current pod group: classify it, wait for the real cause
 * when ranks only lost a peer, then restart the group with backoff or fail the run.
 */
final class Failures {
  private final Context context;
  private final Draft draft;
  private final SarmaeJobStatus status;

  Failures(Context context, Draft draft) {
    this.context = context;
    this.draft = draft;
    this.status = draft.status;
  }

  /** Some pods of the current attempt failed: classify the group and handle its culprit. */
  void groupFailed(List<Pod> failed, List<Pod> live) {
    Failure grouped =
        FailureClassifier.classifyGroup(failed, Effective.retryableExitCodes(context.spec()));
    Failure failure =
        PodLoss.liveness(
            grouped,
            failed.stream()
                .filter(p -> p.getMetadata().getName().equals(grouped.pod()))
                .findFirst()
                .orElse(null),
            context.observed().livenessKilled());
    if (failure.kind() == Failure.Kind.PeerLost && awaitCulprit(failed, live)) {
      return;
    }
    Pod culprit =
        failed.stream()
            .filter(p -> p.getMetadata().getName().equals(failure.pod()))
            .findFirst()
            .orElse(failed.get(0));
    handle(failure, culprit, live);
  }

  /**
   * Ranks that lost a peer usually stop before the API shows why the peer failed (a node that
   * vanished is marked failed only after the node controller notices). While other ranks of the
   * group have not ended yet, wait up to {@link Planner#PEER_LOST_GRACE} after the first PeerLost
   * exit, so that the real cause (NodeLost, OOMKilled...) classifies the group instead of PeerLost.
   *
   * @return true when this pass waits
   */
  private boolean awaitCulprit(List<Pod> failed, List<Pod> live) {
    boolean othersAlive = live.stream().anyMatch(p -> !PodView.ended(p));
    Instant first =
        failed.stream()
            .map(FailureClassifier::terminated)
            .filter(Objects::nonNull)
            .map(t -> Timestamps.parse(t.getFinishedAt()))
            .filter(Objects::nonNull)
            .min(Comparator.naturalOrder())
            .orElse(null);
    Duration grace = Planner.PEER_LOST_GRACE;
    if (!othersAlive || first == null || !context.now().isBefore(first.plus(grace))) {
      return false;
    }
    Phase previous = context.previous().getPhase();
    draft.outcome(
        previous == null ? Phase.PENDING : previous,
        "PeerLost",
        "pod "
            + failed.get(0).getMetadata().getName()
            + " lost a peer; waiting up to "
            + grace.toSeconds()
            + "s for the failed rank to report why before restarting the group");
    draft.requeueIn(Duration.between(context.now(), first.plus(grace)));
    return true;
  }

  /**
   * A pod of the current attempt is being deleted, or vanished after the operator saw it, while the
   * operator did not delete it (no restart, suspend or end under way): record it and restart the
   * group like any other infrastructure failure.
   *
   * @return true when this pass handled such a loss
   */
  boolean lostPod(List<Pod> current, List<Pod> live) {
    FailureRecord handled = context.previous().getLastFailure();
    for (Pod pod : current) {
      String uid = pod.getMetadata().getUid();
      if (!draft.ranks.deletedByOthers(pod)) {
        continue; // alive, or deleted by this operator
      }
      if (handled != null && uid != null && uid.equals(handled.getPodUid())) {
        continue;
      }
      handle(
          PodLoss.deleted(
              pod,
              Effective.retryableExitCodes(context.spec()),
              context.observed().livenessKilled()),
          pod,
          live);
      return true;
    }
    String gone = draft.ranks.vanished(current);
    if (gone != null) {
      handle(PodLoss.vanished(gone), null, live);
      return true;
    }
    return false;
  }

  /** Records the failure, then fails the run or restarts the group after a backoff. */
  void handle(Failure failure, Pod failedPod, List<Pod> live) {
    Handling handling = FailureClassifier.handling(failure, status.getLastFailure());
    boolean counted = handling == Handling.RESTART_COUNTED;
    FailureRecord record = record(failure, counted);
    if (failedPod != null) {
      record.setPodUid(failedPod.getMetadata().getUid());
    }
    record.setAttempt(status.getAttempt());
    status.setLastFailure(record);
    if (draft.ranks != null) {
      draft.ranks.ended(
          live,
          failure,
          Effective.retryableExitCodes(context.spec()),
          context.observed().livenessKilled());
    }
    List<Pod> notFailed = live.stream().filter(p -> !"Failed".equals(PodView.phase(p))).toList();
    if (handling == Handling.FAIL) {
      draft.deletePods(notFailed, "run failed");
      draft.fail(failure.kind().name(), failure.message());
      return;
    }
    int failedAttempts = Lifecycle.orZero(status.getFailedAttempts());
    if (counted) {
      failedAttempts++;
      status.setFailedAttempts(failedAttempts);
      int limit = Effective.backoffLimit(context.spec());
      if (failedAttempts > limit) {
        draft.deletePods(notFailed, "backoff limit exceeded");
        draft.fail(
            "BackoffLimitExceeded",
            failure.message()
                + "; backoffLimit "
                + limit
                + " reached after "
                + failedAttempts
                + " failures");
        return;
      }
    }
    draft.deletePods(live, "restart after " + failure.kind().name());
    status.setRestartCount(Lifecycle.orZero(status.getRestartCount()) + 1);
    long base = Effective.restartBackoffSeconds(context.spec());
    long delay = counted ? base << Math.min(Math.max(failedAttempts - 1, 0), 5) : base;
    status.setNextRestartTime(Timestamps.format(context.now().plusSeconds(delay)));
    if (status.getProgress() != null) {
      status.getProgress().setStepAdvancedAt(null);
    }
    draft.outcome(Phase.RESTARTING, failure.kind().name(), restartMessage(record, status));
    draft.requeueIn(Duration.ofSeconds(Math.max(delay, 1)));
  }

  FailureRecord record(Failure failure, boolean counted) {
    FailureRecord record = new FailureRecord();
    record.setPod(failure.pod());
    record.setReason(failure.kind().name());
    record.setExitCode(failure.exitCode());
    record.setMessage(failure.message());
    record.setCounted(counted);
    record.setTime(context.nowText());
    return record;
  }

  static String restartMessage(FailureRecord record, SarmaeJobStatus status) {
    String cause = record == null || record.getMessage() == null ? "" : record.getMessage() + "; ";
    return cause + "restarting from the last checkpoint at " + status.getNextRestartTime();
  }
}
