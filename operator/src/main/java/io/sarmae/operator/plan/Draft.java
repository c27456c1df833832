package io.sarmae.operator.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The working state of one decision: the status being drafted (a copy of the observed one), the
 * writes and events decided so far, and the verdict's parts. Lives only while {@link Planner#plan}
 * runs; {@link #verdict()} hands out the immutable result.
 */
final class Draft {
  private static final ObjectMapper COPIER = new ObjectMapper();

  final Context context;

  /** The status being drafted: bookkeeping (attempt, failures, times, progress) lands here. */
  final SarmaeJobStatus status;

  private final List<Plan.Action> actions = new ArrayList<>();
  private final List<Plan.Event> events = new ArrayList<>();
  private Duration requeue;

  private Phase phase;
  private String reason;
  private String message;
  private Verdict.ConditionValue scheduled;
  private Verdict.ConditionValue stalled;
  private Gate gate;
  private boolean keepConditions;

  /** Pods that status.pods counts (unless this pass creates a new group). */
  private List<Pod> summaryPods = List.of();

  private boolean groupCreated;

  /** Why the current generation's spec is rejected, or null when it is accepted. */
  String rejected;

  /** Per-rank status of this pass; null on passes that do not look at the attempt's pods. */
  Ranks ranks;

  Draft(Context context) {
    this.context = context;
    this.status = COPIER.convertValue(context.previous(), SarmaeJobStatus.class);
    status.setObservedGeneration(context.generation());
  }

  SarmaeJobStatus previous() {
    return context.previous();
  }

  /** Sets the run's phase, reason and message. */
  void outcome(Phase phase, String reason, String message) {
    this.phase = phase;
    this.reason = reason;
    this.message = message;
  }

  Phase phase() {
    return phase;
  }

  void scheduled(boolean value, String reason, String message) {
    scheduled = new Verdict.ConditionValue(value, reason, message);
  }

  void allScheduled() {
    scheduled(true, "AllPodsScheduled", "");
  }

  void stalled(String reason, String message) {
    stalled = new Verdict.ConditionValue(true, reason, message);
  }

  void gate(Gate gate) {
    this.gate = gate;
  }

  /** A finished run keeps its phase and conditions. */
  void keepConditions() {
    phase = previous().getPhase();
    keepConditions = true;
  }

  void countPods(List<Pod> pods) {
    summaryPods = pods;
  }

  void groupCreated() {
    groupCreated = true;
  }

  void event(Plan.Event event) {
    events.add(event);
  }

  void act(Plan.Action action) {
    actions.add(action);
  }

  void deletePods(List<Pod> pods, String why) {
    if (ranks != null) {
      ranks.deletedByOperator(pods);
    }
    if (!pods.isEmpty()) {
      actions.add(
          new Plan.DeletePods(pods.stream().map(p -> p.getMetadata().getName()).toList(), why));
    }
  }

  /** Look again after {@code delay} at the latest (at least one second from now). */
  void requeueIn(Duration delay) {
    if (delay.isNegative() || delay.isZero()) {
      delay = Duration.ofSeconds(1);
    }
    if (requeue == null || delay.compareTo(requeue) < 0) {
      requeue = delay;
    }
  }

  void fail(String why, String text) {
    outcome(Phase.FAILED, why, text);
    if (status.getCompletionTime() == null) {
      status.setCompletionTime(context.nowText());
    }
    status.setNextRestartTime(null);
    requeueAfterTtl();
  }

  /** The finishing pass writes status first; the deletion comes from the next pass. */
  void requeueAfterTtl() {
    Integer ttl = context.spec() == null ? null : context.spec().getTtlSecondsAfterFinished();
    if (ttl != null) {
      requeueIn(Duration.ofSeconds(Math.max(ttl, 1)));
    }
  }

  static String createdMessage(int pods, int attempt) {
    return "created " + pods + " pod(s), attempt " + attempt;
  }

  /** Writes the pod view into the status (ranks, pod counts) and returns the verdict. */
  Verdict verdict() {
    if (ranks != null) {
      status.setRanks(ranks.list());
    }
    if (!groupCreated) {
      List<String> deleted =
          actions.stream()
              .filter(a -> a instanceof Plan.DeletePods)
              .flatMap(a -> ((Plan.DeletePods) a).names().stream())
              .toList();
      status.setPods(
          PodView.summary(
              summaryPods.stream()
                  .filter(p -> !deleted.contains(p.getMetadata().getName()))
                  .toList()));
    }
    return new Verdict(
        phase,
        reason,
        message,
        scheduled,
        stalled,
        gate,
        rejected,
        keepConditions,
        actions,
        events,
        requeue);
  }
}
