package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.FailureRecord;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.kueue.KueueState;
import io.sarmae.operator.resources.Children;
import io.sarmae.operator.resources.Effective;
import io.sarmae.operator.resources.Names;
import io.sarmae.operator.resources.TrainerRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The lifecycle decision of one pass: which attempt is current, whether the run is finished,
 * invalid, past its deadline, suspended, waiting at a gate, backing off, or has pods to start or
 * watch. Failures, success and the pods' progress are decided by {@link Failures}, {@link
 * Completion} and {@link Progressing}.
 */
final class Lifecycle {
  private final Context context;
  private final Draft draft;
  private final SarmaeJobStatus previous;
  private final SarmaeJobStatus status;
  private final JobSpecCommon spec;

  Lifecycle(Context context, Draft draft) {
    this.context = context;
    this.draft = draft;
    this.previous = context.previous();
    this.status = draft.status;
    this.spec = context.spec();
  }

  static boolean finished(Phase phase) {
    return phase == Phase.SUCCEEDED || phase == Phase.FAILED;
  }

  void decide() {
    reportForeign();
    if (!finished(previous.getPhase())) {
      acceptSpec();
    }
    // A rejected edit leaves the run on its accepted spec, which was valid.
    List<String> errors =
        draft.rejected == null ? SpecValidation.validate(context.resource()) : List.of();
    if (!errors.isEmpty()) {
      if (previous.getPhase() == Phase.FAILED) {
        keepTerminal();
        return;
      }
      draft.deletePods(PodView.live(context.own()), "invalid spec");
      draft.fail("InvalidSpec", "invalid spec: " + String.join("; ", errors));
      return;
    }
    if (finished(previous.getPhase())) {
      keepTerminal();
      return;
    }
    int attempt =
        Math.max(
            orZero(previous.getAttempt()),
            context.own().stream().mapToInt(PodView::attempt).max().orElse(0));
    List<Pod> current = new ArrayList<>();
    List<Pod> stale = new ArrayList<>();
    for (Pod pod : context.own()) {
      (PodView.attempt(pod) == attempt ? current : stale).add(pod);
    }
    current.sort(Comparator.comparingInt(PodView::index));
    draft.deletePods(PodView.live(stale), "pods of an earlier attempt");
    List<Pod> live = PodView.live(current);
    status.setAttempt(attempt == 0 ? null : attempt);
    draft.countPods(live);
    draft.ranks = new Ranks(previous.getRanks(), Effective.replicas(spec), current);

    if (deadlineExceeded(live)) {
      return;
    }
    if (Effective.suspend(spec)) {
      draft.deletePods(live, "suspended");
      status.setStartTime(null);
      status.setNextRestartTime(null);
      draft.outcome(
          Phase.SUSPENDED,
          "Suspended",
          "suspended; set spec.suspend=false to resume from the last checkpoint");
      return;
    }
    if (context.observed().kueue() != null && new KueueGate(context, draft).holds(attempt, live)) {
      return;
    }
    Failures failures = new Failures(context, draft);
    if (attempt > 0
        && previous.getNextRestartTime() == null
        && previous.getPhase() != Phase.SUSPENDED
        && failures.lostPod(current, live)) {
      return;
    }
    if (live.isEmpty()) {
      startNextGroup(attempt, current);
      return;
    }

    FailureRecord handled = previous.getLastFailure();
    boolean tearingDown =
        handled != null
            && handled.getPodUid() != null
            && live.stream().anyMatch(p -> handled.getPodUid().equals(p.getMetadata().getUid()));
    if (tearingDown && previous.getNextRestartTime() != null) {
      // The informer still shows a pod whose failure this operator already handled.
      draft.deletePods(live, "restart after " + handled.getReason());
      draft.outcome(
          Phase.RESTARTING,
          handled.getReason(),
          previous.getConditions() == null ? "" : reconcilingMessage());
      draft.requeueIn(Planner.DELETION_POLL);
      return;
    }

    // Rank 0 writes the final checkpoint only after the last step of every rank, so its success
    // is the run's success, even if another rank then failed (for example losing rank 0 while
    // it shut down) or is still stopping.
    Pod rank0 = live.stream().filter(p -> PodView.index(p) == 0).findFirst().orElse(null);
    if (rank0 != null && "Succeeded".equals(PodView.phase(rank0))) {
      Completion completion = new Completion(context, draft);
      if (completion.awaitOtherRanks(rank0, live)) {
        return;
      }
      completion.succeed(rank0, live);
      return;
    }
    List<Pod> failed = live.stream().filter(p -> "Failed".equals(PodView.phase(p))).toList();
    if (!failed.isEmpty()) {
      failures.groupFailed(failed, live);
      return;
    }
    Progressing progressing = new Progressing(context, draft, failures);
    if (live.stream()
        .allMatch(
            p -> "Running".equals(PodView.phase(p)) || "Succeeded".equals(PodView.phase(p)))) {
      progressing.running();
    } else {
      progressing.pending(live);
    }
  }

  /**
   * activeDeadlineSeconds: fail the run when it has been active too long, otherwise look again when
   * the deadline comes.
   *
   * @return true when the deadline passed
   */
  private boolean deadlineExceeded(List<Pod> live) {
    Long deadline = spec.getActiveDeadlineSeconds();
    Instant start = Timestamps.parse(status.getStartTime());
    if (deadline == null || start == null || Effective.suspend(spec)) {
      return false;
    }
    Instant end = start.plusSeconds(deadline);
    if (!context.now().isBefore(end)) {
      draft.deletePods(live, "activeDeadlineSeconds exceeded");
      FailureRecord record =
          new Failures(context, draft)
              .record(new Failure(null, Failure.Kind.DeadlineExceeded, null, null), false);
      record.setMessage("the run was active for more than " + deadline + "s");
      status.setLastFailure(record);
      draft.fail("DeadlineExceeded", "activeDeadlineSeconds (" + deadline + "s) exceeded");
      return true;
    }
    draft.requeueIn(Duration.between(context.now(), end));
    return false;
  }

  /** No live pod of the current attempt: wait for deletions, the gates and backoff, then start. */
  private void startNextGroup(int attempt, List<Pod> current) {
    if (current.stream().anyMatch(PodView::terminating)) {
      Phase phase = previous.getPhase() == null ? Phase.PENDING : previous.getPhase();
      if (phase == Phase.RUNNING || phase == Phase.SUSPENDED) {
        phase = Phase.RESTARTING;
      }
      draft.outcome(
          phase,
          "WaitingForPodDeletion",
          "waiting for the pods of attempt " + attempt + " to stop");
      draft.requeueIn(Planner.DELETION_POLL);
      return;
    }
    Gate.Decision gate = context.kind().open(context.observed(), status);
    if (gate instanceof Gate.Wait wait) {
      draft.gate(wait.gate());
      draft.outcome(Phase.PENDING, wait.runReason(), wait.gate().message());
      draft.requeueIn(context.settings().waitInterval());
      return;
    }
    if (gate instanceof Gate.Fail fail) {
      draft.gate(fail.gate());
      draft.fail(fail.runReason(), fail.runMessage());
      return;
    }
    Gate.Open open = (Gate.Open) gate;
    draft.gate(open.gate());
    Instant next = Timestamps.parse(status.getNextRestartTime());
    if (next != null && context.now().isBefore(next)) {
      draft.outcome(
          Phase.RESTARTING,
          status.getLastFailure() != null ? status.getLastFailure().getReason() : "Backoff",
          Failures.restartMessage(status.getLastFailure(), status));
      draft.requeueIn(Duration.between(context.now(), next));
      return;
    }
    if (awaitForeignPods()) {
      return;
    }
    if (draft.rejected != null) {
      Phase phase =
          previous.getPhase() == null || previous.getPhase() == Phase.RUNNING
              ? Phase.PENDING
              : previous.getPhase();
      if (phase == Phase.SUSPENDED) {
        phase = Phase.PENDING;
      }
      draft.outcome(phase, "SpecRejected", draft.rejected);
      return;
    }
    createGroup(attempt + 1, open.weights());
  }

  /**
   * Accepts the spec when its immutable part is what the run started with (or on the first pass);
   * otherwise remembers why it is rejected. Mutable fields (SpecRules.MUTABLE) take effect either
   * way, since the planner reads them from the current spec.
   */
  private void acceptSpec() {
    String digest = AcceptedSpec.digest(spec);
    String accepted = previous.getAcceptedSpecDigest();
    if (accepted == null || accepted.equals(digest)) {
      status.setAcceptedSpecDigest(digest);
      status.setAcceptedGeneration(context.generation());
      return;
    }
    draft.rejected =
        "generation "
            + context.generation()
            + " changes fields that are immutable after creation (only suspend,"
            + " ttlSecondsAfterFinished, activeDeadlineSeconds, failurePolicy and scheduling may"
            + " change); the pods keep running generation "
            + previous.getAcceptedGeneration()
            + " and no new pod group starts until the edit is reverted; create a new resource"
            + " to train with other settings";
  }

  /** Reports pods of an earlier incarnation once per name (status.foreignPods remembers them). */
  private void reportForeign() {
    List<Pod> foreign = context.foreign();
    List<String> names =
        foreign.stream().map(p -> p.getMetadata().getName()).sorted().limit(64).toList();
    status.setForeignPods(names.isEmpty() ? null : names);
    List<String> before = previous.getForeignPods() == null ? List.of() : previous.getForeignPods();
    List<String> fresh = names.stream().filter(n -> !before.contains(n)).toList();
    if (!fresh.isEmpty()) {
      draft.event(
          new Plan.Event(
              true,
              "ForeignPods",
              "ignoring pod(s) "
                  + String.join(", ", fresh)
                  + ": they belong to an earlier "
                  + context.resource().getKind()
                  + " named "
                  + context.name()
                  + " (owner UID "
                  + Ownership.controllerUid(
                      foreign.stream()
                          .filter(p -> p.getMetadata().getName().equals(fresh.get(0)))
                          .findFirst()
                          .orElseThrow())
                  + ", this run is "
                  + context.resource().getMetadata().getUid()
                  + ")"));
    }
  }

  /**
   * Pods of an earlier incarnation hold names this run needs (garbage collection deletes them after
   * their owner is gone): wait instead of mistaking "already exists" for our own pod.
   *
   * @return true when this pass waits
   */
  private boolean awaitForeignPods() {
    int replicas = Effective.replicas(spec);
    List<String> workers = new ArrayList<>();
    for (int index = 0; index < replicas; index++) {
      workers.add(Names.worker(context.name(), index));
    }
    List<String> blocking =
        context.foreign().stream()
            .map(p -> p.getMetadata().getName())
            .filter(workers::contains)
            .sorted()
            .toList();
    if (blocking.isEmpty()) {
      return false;
    }
    draft.outcome(
        previous.getPhase() == null || previous.getPhase() == Phase.RUNNING
            ? Phase.PENDING
            : previous.getPhase(),
        "WaitingForForeignPods",
        "pod(s) "
            + String.join(", ", blocking)
            + " of an earlier incarnation of this run still exist; waiting for them to be"
            + " deleted (garbage collection of their deleted owner)");
    draft.requeueIn(Planner.DELETION_POLL);
    return true;
  }

  private String reconcilingMessage() {
    var condition = Conditions.find(previous.getConditions(), Conditions.RECONCILING);
    return condition == null ? "" : condition.getMessage();
  }

  private void keepTerminal() {
    draft.keepConditions();
    draft.countPods(PodView.live(context.own()));
    expireAfterTtl();
  }

  /**
   * ttlSecondsAfterFinished, for every finished run (succeeded or failed): delete it when the time
   * has come, otherwise look again exactly then. Both the pass that finishes the run and every
   * later pass call this, so the deletion never waits for an unrelated event.
   */
  private void expireAfterTtl() {
    Integer ttl = spec == null ? null : spec.getTtlSecondsAfterFinished();
    Instant done = Timestamps.parse(status.getCompletionTime());
    if (ttl == null || done == null) {
      return;
    }
    Instant at = done.plusSeconds(ttl);
    if (!context.now().isBefore(at)) {
      draft.act(new Plan.DeleteResource());
    } else {
      draft.requeueIn(Duration.between(context.now(), at));
    }
  }

  private void createGroup(int attempt, WeightsRef weights) {
    TrainerRun run = context.kind().trainerRun(weights);
    draft.act(new Plan.Create(Children.configMap(run)));
    draft.act(new Plan.Create(Children.service(run)));
    HasMetadata podGroup = Children.podGroup(run);
    if (podGroup != null) {
      draft.act(new Plan.Create(podGroup));
    }
    int replicas = Effective.replicas(spec);
    for (int index = 0; index < replicas; index++) {
      Pod pod = Children.pod(run, index, attempt);
      KueueState kueue = context.observed().kueue();
      draft.act(new Plan.Create(kueue == null ? pod : kueue.placement().applyTo(pod)));
    }
    status.setAttempt(attempt);
    draft.groupCreated();
    if (draft.ranks != null) {
      draft.ranks.created(context.name());
    }
    if (status.getStartTime() == null) {
      status.setStartTime(context.nowText());
    }
    status.setNextRestartTime(null);
    status.setPods(PodView.summary(replicas, replicas, 0, 0, 0));
    draft.outcome(Phase.PENDING, "PodsCreated", Draft.createdMessage(replicas, attempt));
    draft.scheduled(false, "Pending", "waiting for the scheduler");
    draft.requeueIn(context.settings().progressInterval());
  }

  static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
