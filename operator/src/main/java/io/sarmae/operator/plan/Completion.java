package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.RunResult;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.TrainingProgress;
import io.sarmae.operator.resources.Effective;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Rank 0 succeeded: give the other ranks a moment to exit, then record the run's result. */
final class Completion {
  private final Context context;
  private final Draft draft;
  private final SarmaeJobStatus status;

  Completion(Context context, Draft draft) {
    this.context = context;
    this.draft = draft;
    this.status = draft.status;
  }

  /**
   * The ranks of a run leave their last barrier together, but rank 0 may exit a moment before the
   * others. While other ranks still run, wait up to {@link Planner#SUCCESS_GRACE} after rank 0
   * finished, so that they exit by themselves (keeping their logs and exit codes) instead of being
   * deleted as stragglers.
   *
   * @return true when this pass waits
   */
  boolean awaitOtherRanks(Pod rank0, List<Pod> live) {
    boolean othersAlive = live.stream().anyMatch(p -> p != rank0 && !PodView.ended(p));
    ContainerStateTerminated terminated = FailureClassifier.terminated(rank0);
    Instant finished = terminated == null ? null : Timestamps.parse(terminated.getFinishedAt());
    Duration grace = Planner.SUCCESS_GRACE;
    if (!othersAlive || finished == null || !context.now().isBefore(finished.plus(grace))) {
      return false;
    }
    Phase previous = context.previous().getPhase();
    draft.outcome(
        previous == null ? Phase.RUNNING : previous,
        "Finishing",
        "rank 0 finished; waiting up to " + grace.toSeconds() + "s for the other ranks to exit");
    draft.requeueIn(Duration.between(context.now(), finished.plus(grace)));
    return true;
  }

  /** The run succeeded: its result from rank 0's termination message, final progress, cleanup. */
  void succeed(Pod rank0, List<Pod> live) {
    ContainerStateTerminated terminated = FailureClassifier.terminated(rank0);
    TerminationMessage report =
        terminated == null ? null : TerminationMessage.parse(terminated.getMessage());
    RunResult result = result(report);
    status.setResult(result);
    TrainingProgress progress =
        status.getProgress() != null ? status.getProgress() : new TrainingProgress();
    progress.setPhase("Succeeded");
    progress.setPercent(100.0);
    progress.setEtaSeconds(0L);
    progress.setEta("0s");
    if (report != null) {
      progress.setEpoch(report.epoch() != null ? report.epoch() : progress.getEpoch());
      progress.setStep(report.step() != null ? report.step() : progress.getStep());
      progress.setLoss(report.loss() != null ? report.loss() : progress.getLoss());
    }
    if (progress.getEpochs() == null && progress.getEpoch() != null) {
      progress.setEpochs(progress.getEpoch());
    }
    progress.setLastCheckpoint(result.getCheckpoint());
    status.setProgress(progress);
    status.setCompletionTime(context.nowText());
    status.setNextRestartTime(null);
    draft.requeueAfterTtl();
    draft.deletePods(
        live.stream().filter(p -> p != rank0 && !PodView.ended(p)).toList(), "run succeeded");
    boolean again = report != null && Boolean.TRUE.equals(report.alreadyFinished());
    draft.outcome(
        Phase.SUCCEEDED,
        again ? "AlreadyFinished" : "Succeeded",
        again
            ? "already finished: this run's final model existed before these pods started; "
                + result.getCheckpoint()
            : result.getPrimaryMean() != null
                ? String.format(
                    Locale.ROOT,
                    "finished: %s %.2f ± %.2f",
                    result.getPrimaryMetric(),
                    result.getPrimaryMean(),
                    result.getPrimaryStd() == null ? 0 : result.getPrimaryStd())
                : "finished; final model at " + result.getCheckpoint());
    draft.allScheduled();
  }

  private RunResult result(TerminationMessage report) {
    RunResult result = new RunResult();
    result.setCheckpointClaim(context.spec().getCheckpoint().getClaimName());
    if (report != null) {
      result.setCheckpoint(report.checkpoint());
      result.setEpoch(report.epoch());
      result.setStep(report.step());
      result.setLoss(report.loss());
      result.setTop1Mean(report.top1Mean());
      result.setTop1Std(report.top1Std());
      result.setTop1(report.top1());
      result.setPrimaryMetric(report.primaryMetric());
      result.setPrimaryMean(report.primaryMean());
      result.setPrimaryStd(report.primaryStd());
      result.setPrimary(report.primary());
      result.setResults(report.results());
      result.setMessage(report.message());
    }
    if (result.getCheckpoint() == null) {
      result.setCheckpoint(Effective.checkpointDir(context.spec(), context.name()) + "/final");
    }
    return result;
  }
}
