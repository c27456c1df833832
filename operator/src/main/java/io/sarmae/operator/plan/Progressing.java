package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.TrainingProgress;
import io.sarmae.operator.resources.Effective;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A pod group that has neither succeeded nor failed: pending (scheduling, image pulls, the pending
 * timeout) or running (progress, the progress deadline).
 */
final class Progressing {
  private final Context context;
  private final Draft draft;
  private final Failures failures;
  private final SarmaeJobStatus status;

  Progressing(Context context, Draft draft, Failures failures) {
    this.context = context;
    this.draft = draft;
    this.failures = failures;
    this.status = draft.status;
  }

  /** Every pod runs: read progress, and fail over when the step stops advancing. */
  void running() {
    draft.outcome(Phase.RUNNING, "Training", "all pods are running");
    draft.allScheduled();
    TrainingProgress progress =
        status.getProgress() != null ? status.getProgress() : new TrainingProgress();
    if (context.previous().getPhase() != Phase.RUNNING || progress.getStepAdvancedAt() == null) {
      progress.setStepAdvancedAt(context.nowText());
    }
    if (context.observed().progress() != null) {
      progress = ProgressMapper.apply(progress, context.observed().progress(), context.nowText());
    }
    status.setProgress(progress);
    draft.requeueIn(context.settings().progressInterval());
    int deadline = Effective.progressDeadlineSeconds(context.spec());
    if (deadline <= 0) {
      return;
    }
    Instant limit = Timestamps.parse(progress.getStepAdvancedAt()).plusSeconds(deadline);
    if (!context.now().isBefore(limit)) {
      String step = progress.getStep() == null ? "no step" : "step " + progress.getStep();
      failures.handle(
          new Failure(
              null,
              Failure.Kind.NoProgress,
              null,
              step + " has not advanced for " + deadline + "s (progressDeadlineSeconds)"),
          null,
          PodView.live(context.own()));
      return;
    }
    draft.requeueIn(Duration.between(context.now(), limit));
  }

  /** Some pods have not started: report why, and stall after the pending timeout. */
  void pending(List<Pod> live) {
    boolean untouched =
        live.stream().allMatch(p -> FailureClassifier.condition(p, "PodScheduled") == null);
    draft.outcome(
        Phase.PENDING,
        untouched ? "PodsCreated" : "PodsPending",
        untouched
            ? Draft.createdMessage(live.size(), Lifecycle.orZero(status.getAttempt()))
            : "waiting for pods to start");
    boolean allScheduled =
        live.stream()
            .allMatch(
                p -> {
                  PodCondition c = FailureClassifier.condition(p, "PodScheduled");
                  return c != null && "True".equals(c.getStatus());
                });
    if (allScheduled) {
      draft.allScheduled();
    } else {
      draft.scheduled(false, "Pending", "waiting for the scheduler");
    }
    PodWait wait = PodWait.first(live);
    if (wait == null) {
      return;
    }
    if (wait.unschedulable()) {
      draft.scheduled(false, wait.reason(), wait.pod() + ": " + wait.message());
    }
    draft.outcome(Phase.PENDING, wait.reason(), wait.text());
    int timeout = Effective.pendingTimeoutSeconds(context.spec());
    Instant created =
        live.stream()
            .filter(p -> p.getMetadata().getName().equals(wait.pod()))
            .map(p -> Timestamps.parse(p.getMetadata().getCreationTimestamp()))
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(null);
    if (timeout <= 0 || created == null) {
      return;
    }
    Instant at = created.plusSeconds(timeout);
    if (!context.now().isBefore(at)) {
      draft.stalled(
          "PendingTimeout",
          "pod "
              + (wait.unschedulable() ? "unschedulable" : "not started")
              + " for more than "
              + timeout
              + "s: "
              + wait.pod()
              + ": "
              + wait.reason()
              + (wait.message().isEmpty() ? "" : ": " + wait.message()));
    } else {
      draft.requeueIn(Duration.between(context.now(), at));
    }
  }
}
