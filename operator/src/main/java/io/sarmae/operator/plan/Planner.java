package io.sarmae.operator.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.CustomResource;
import io.sarmae.operator.api.v1alpha1.FailureRecord;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.PodSummary;
import io.sarmae.operator.api.v1alpha1.RunResult;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.api.v1alpha1.TrainingProgress;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.progress.ProgressReport;
import io.sarmae.operator.plan.Failure.Handling;
import io.sarmae.operator.plan.Plan.Action;
import io.sarmae.operator.resources.Children;
import io.sarmae.operator.resources.Effective;
import io.sarmae.operator.resources.Names;
import io.sarmae.operator.resources.PodSizing;
import io.sarmae.operator.resources.TrainerRun;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The pure planner: {@code (resource, observed children, now) -> plan}. It decides the writes to
 * children and computes the complete status of a run; it performs no I/O, so every lifecycle rule
 * is a table-driven unit test.
 */
public final class Planner {
  private Planner() {}

  /** Operator-level settings of the planner. */
  public record Settings(Duration progressInterval, Duration waitInterval) {
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(30));
    }
  }

  private static final ObjectMapper COPIER = new ObjectMapper();

  /** How long to wait for pods that are being deleted before looking again. */
  static final Duration DELETION_POLL = Duration.ofSeconds(5);

  /** How long ranks that lost a peer wait for the failed peer's own report (see awaitCulprit). */
  static final Duration PEER_LOST_GRACE = Duration.ofSeconds(30);

  /** How long the other ranks get to exit after rank 0 succeeded (see awaitOtherRanks). */
  static final Duration SUCCESS_GRACE = Duration.ofSeconds(30);

  public static Plan plan(
      CustomResource<? extends JobSpecCommon, SarmaeJobStatus> resource,
      Observed observed,
      Instant now,
      Settings settings) {
    Pass pass = new Pass(resource, observed, now, settings);
    pass.run();
    return pass.finish();
  }

  /** Where the final model of a successful pretraining run lies (trainer contract, "Files"). */
  public static WeightsRef finalWeights(SarmaePretrain pretrain) {
    WeightsRef w = new WeightsRef();
    w.setClaimName(pretrain.getSpec().getCheckpoint().getClaimName());
    w.setPath(
        Effective.checkpointPath(pretrain.getSpec(), pretrain.getMetadata().getName()) + "/final");
    return w;
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
    WeightsRef w = new WeightsRef();
    w.setClaimName(rest.substring(0, slash));
    w.setPath(rest.substring(slash + 1));
    return w;
  }

  static boolean terminal(String podPhase) {
    return "Succeeded".equals(podPhase) || "Failed".equals(podPhase);
  }

  static boolean terminal(Phase p) {
    return p == Phase.SUCCEEDED || p == Phase.FAILED;
  }

  static int index(Pod p) {
    return label(p, Names.LABEL_INDEX);
  }

  static int attempt(Pod p) {
    return label(p, Names.LABEL_ATTEMPT);
  }

  private static int label(Pod p, String key) {
    var labels = p.getMetadata().getLabels();
    if (labels == null || labels.get(key) == null) {
      return -1;
    }
    try {
      return Integer.parseInt(labels.get(key));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String podPhase(Pod p) {
    return p.getStatus() == null || p.getStatus().getPhase() == null
        ? "Pending"
        : p.getStatus().getPhase();
  }

  static boolean terminating(Pod p) {
    return p.getMetadata().getDeletionTimestamp() != null;
  }

  /** One planning pass; mutable only while it runs. */
  private static final class Pass {
    final CustomResource<? extends JobSpecCommon, SarmaeJobStatus> r;
    final JobSpecCommon spec;
    final Observed o;
    final Instant now;
    final String nowText;
    final Settings settings;
    final SarmaeJobStatus old;
    final SarmaeJobStatus s;
    final List<Action> actions = new ArrayList<>();
    final List<Plan.Event> events = new ArrayList<>();

    /** This incarnation's pods (owner UID = the run's UID). */
    final List<Pod> pods;

    /** Pods named after the run but owned by an earlier incarnation: never read, only reported. */
    final List<Pod> foreign;

    Duration requeue;

    Phase phase;
    String reason;
    String message;
    Boolean scheduled;
    String scheduledReason;
    String scheduledMessage;
    String stalledReason;
    String stalledMessage;
    Boolean waiting;
    String waitingReason;
    String waitingMessage;
    boolean keepConditions;
    List<Pod> summaryPods = List.of();
    boolean groupCreated;

    /** Why the current generation's spec is rejected, or null when it is accepted. */
    String rejected;

    /** Per-rank status of this pass; null on passes that do not look at the attempt's pods. */
    Ranks ranks;

    Pass(
        CustomResource<? extends JobSpecCommon, SarmaeJobStatus> r,
        Observed o,
        Instant now,
        Settings settings) {
      this.r = r;
      this.spec = r.getSpec();
      this.o = o;
      this.now = now;
      this.nowText = Timestamps.format(now);
      this.settings = settings;
      this.old = r.getStatus() != null ? r.getStatus() : new SarmaeJobStatus();
      this.s = COPIER.convertValue(old, SarmaeJobStatus.class);
      s.setObservedGeneration(r.getMetadata().getGeneration());
      Ownership.Split<Pod> split = Ownership.split(r, o.pods());
      this.pods = split.own();
      this.foreign = split.foreign();
    }

    void run() {
      reportForeign();
      if (!terminal(old.getPhase())) {
        acceptSpec();
      }
      // A rejected edit leaves the run on its accepted spec, which was valid.
      List<String> errors = rejected == null ? SpecValidation.validate(r) : List.of();
      if (!errors.isEmpty()) {
        if (old.getPhase() == Phase.FAILED) {
          keepTerminal();
          return;
        }
        deletePods(livePods(pods), "invalid spec");
        fail("InvalidSpec", "invalid spec: " + String.join("; ", errors));
        return;
      }
      if (terminal(old.getPhase())) {
        keepTerminal();
        return;
      }
      int attempt =
          Math.max(nz(old.getAttempt()), pods.stream().mapToInt(Planner::attempt).max().orElse(0));
      List<Pod> current = new ArrayList<>();
      List<Pod> stale = new ArrayList<>();
      for (Pod p : pods) {
        (attempt(p) == attempt ? current : stale).add(p);
      }
      current.sort(Comparator.comparingInt(Planner::index));
      deletePods(livePods(stale), "pods of an earlier attempt");
      List<Pod> live = livePods(current);
      s.setAttempt(attempt == 0 ? null : attempt);
      summaryPods = live;
      ranks = new Ranks(old.getRanks(), Effective.replicas(spec), current);

      Long deadline = spec.getActiveDeadlineSeconds();
      Instant start = Timestamps.parse(s.getStartTime());
      if (deadline != null && start != null && !Effective.suspend(spec)) {
        Instant end = start.plusSeconds(deadline);
        if (!now.isBefore(end)) {
          deletePods(live, "activeDeadlineSeconds exceeded");
          FailureRecord fr =
              record(new Failure(null, Failure.Kind.DeadlineExceeded, null, null), false);
          fr.setMessage("the run was active for more than " + deadline + "s");
          s.setLastFailure(fr);
          fail("DeadlineExceeded", "activeDeadlineSeconds (" + deadline + "s) exceeded");
          return;
        }
        requeueIn(Duration.between(now, end));
      }

      if (Effective.suspend(spec)) {
        deletePods(live, "suspended");
        s.setStartTime(null);
        s.setNextRestartTime(null);
        phase = Phase.SUSPENDED;
        reason = "Suspended";
        message = "suspended; set spec.suspend=false to resume from the last checkpoint";
        if (r instanceof SarmaeFinetune) {
          keepWaiting();
        }
        return;
      }

      if (attempt > 0
          && old.getNextRestartTime() == null
          && old.getPhase() != Phase.SUSPENDED
          && lostPod(current, live)) {
        return;
      }

      if (live.isEmpty()) {
        if (current.stream().anyMatch(Planner::terminating)) {
          phase = old.getPhase() == null ? Phase.PENDING : old.getPhase();
          if (phase == Phase.RUNNING || phase == Phase.SUSPENDED) {
            phase = Phase.RESTARTING;
          }
          reason = "WaitingForPodDeletion";
          message = "waiting for the pods of attempt " + attempt + " to stop";
          requeueIn(DELETION_POLL);
          return;
        }
        WeightsRef weights = resolveWeights();
        if (weights == null && r instanceof SarmaeFinetune) {
          return;
        }
        Instant next = Timestamps.parse(s.getNextRestartTime());
        if (next != null && now.isBefore(next)) {
          phase = Phase.RESTARTING;
          reason = s.getLastFailure() != null ? s.getLastFailure().getReason() : "Backoff";
          message = restartMessage(s.getLastFailure());
          requeueIn(Duration.between(now, next));
          return;
        }
        if (awaitForeignPods()) {
          return;
        }
        if (rejected != null) {
          phase =
              old.getPhase() == null || old.getPhase() == Phase.RUNNING
                  ? Phase.PENDING
                  : old.getPhase();
          if (phase == Phase.SUSPENDED) {
            phase = Phase.PENDING;
          }
          reason = "SpecRejected";
          message = rejected;
          return;
        }
        createGroup(attempt + 1, weights);
        return;
      }
      if (r instanceof SarmaeFinetune) {
        keepWaiting();
      }

      FailureRecord handled = old.getLastFailure();
      boolean tearingDown =
          handled != null
              && handled.getPodUid() != null
              && live.stream().anyMatch(p -> handled.getPodUid().equals(p.getMetadata().getUid()));
      if (tearingDown && old.getNextRestartTime() != null) {
        // The informer still shows a pod whose failure this operator already handled.
        deletePods(live, "restart after " + handled.getReason());
        phase = Phase.RESTARTING;
        reason = handled.getReason();
        message = old.getConditions() == null ? "" : reconcilingMessage();
        requeueIn(DELETION_POLL);
        return;
      }

      // Rank 0 writes the final checkpoint only after the last step of every rank, so its success
      // is the run's success, even if another rank then failed (for example losing rank 0 while
      // it shut down) or is still stopping.
      Pod rank0 = live.stream().filter(p -> index(p) == 0).findFirst().orElse(null);
      if (rank0 != null && "Succeeded".equals(podPhase(rank0))) {
        if (awaitOtherRanks(rank0, live)) {
          return;
        }
        succeed(rank0, live);
        return;
      }
      List<Pod> failed = live.stream().filter(p -> "Failed".equals(podPhase(p))).toList();
      if (!failed.isEmpty()) {
        Failure grouped =
            FailureClassifier.classifyGroup(failed, Effective.retryableExitCodes(spec));
        Failure f =
            PodLoss.liveness(
                grouped,
                failed.stream()
                    .filter(p -> p.getMetadata().getName().equals(grouped.pod()))
                    .findFirst()
                    .orElse(null));
        if (f.kind() == Failure.Kind.PeerLost && awaitCulprit(failed, live)) {
          return;
        }
        Pod culprit =
            failed.stream()
                .filter(p -> p.getMetadata().getName().equals(f.pod()))
                .findFirst()
                .orElse(failed.get(0));
        handleFailure(f, culprit, live);
        return;
      }
      if (live.stream()
          .allMatch(p -> "Running".equals(podPhase(p)) || "Succeeded".equals(podPhase(p)))) {
        running();
      } else {
        pending(live);
      }
    }

    /**
     * Ranks that lost a peer usually stop before the API shows why the peer failed (a node that
     * vanished is marked failed only after the node controller notices). While other ranks of the
     * group have not ended yet, wait up to {@link #PEER_LOST_GRACE} after the first PeerLost exit,
     * so that the real cause (NodeLost, OOMKilled...) classifies the group instead of PeerLost.
     *
     * @return true when this pass waits
     */
    boolean awaitCulprit(List<Pod> failed, List<Pod> live) {
      boolean othersAlive = live.stream().anyMatch(p -> !terminal(podPhase(p)));
      Instant first =
          failed.stream()
              .map(FailureClassifier::terminated)
              .filter(Objects::nonNull)
              .map(t -> Timestamps.parse(t.getFinishedAt()))
              .filter(Objects::nonNull)
              .min(Comparator.naturalOrder())
              .orElse(null);
      if (!othersAlive || first == null || !now.isBefore(first.plus(PEER_LOST_GRACE))) {
        return false;
      }
      phase = old.getPhase() == null ? Phase.PENDING : old.getPhase();
      reason = "PeerLost";
      message =
          "pod "
              + failed.get(0).getMetadata().getName()
              + " lost a peer; waiting up to "
              + PEER_LOST_GRACE.toSeconds()
              + "s for the failed rank to report why before restarting the group";
      requeueIn(Duration.between(now, first.plus(PEER_LOST_GRACE)));
      return true;
    }

    /**
     * The ranks of a run leave their last barrier together, but rank 0 may exit a moment before the
     * others. While other ranks still run, wait up to {@link #SUCCESS_GRACE} after rank 0 finished,
     * so that they exit by themselves (keeping their logs and exit codes) instead of being deleted
     * as stragglers.
     *
     * @return true when this pass waits
     */
    boolean awaitOtherRanks(Pod rank0, List<Pod> live) {
      boolean othersAlive = live.stream().anyMatch(p -> p != rank0 && !terminal(podPhase(p)));
      ContainerStateTerminated t = FailureClassifier.terminated(rank0);
      Instant finished = t == null ? null : Timestamps.parse(t.getFinishedAt());
      if (!othersAlive || finished == null || !now.isBefore(finished.plus(SUCCESS_GRACE))) {
        return false;
      }
      phase = old.getPhase() == null ? Phase.RUNNING : old.getPhase();
      reason = "Finishing";
      message =
          "rank 0 finished; waiting up to "
              + SUCCESS_GRACE.toSeconds()
              + "s for the other ranks to exit";
      requeueIn(Duration.between(now, finished.plus(SUCCESS_GRACE)));
      return true;
    }

    /**
     * Accepts the spec when its immutable part is what the run started with (or on the first pass);
     * otherwise remembers why it is rejected. Mutable fields (SpecRules.MUTABLE) take effect either
     * way, since the planner reads them from the current spec.
     */
    void acceptSpec() {
      String digest = AcceptedSpec.digest(spec);
      String accepted = old.getAcceptedSpecDigest();
      if (accepted == null || accepted.equals(digest)) {
        s.setAcceptedSpecDigest(digest);
        s.setAcceptedGeneration(r.getMetadata().getGeneration());
        return;
      }
      rejected =
          "generation "
              + r.getMetadata().getGeneration()
              + " changes fields that are immutable after creation (only suspend,"
              + " ttlSecondsAfterFinished, activeDeadlineSeconds, failurePolicy and scheduling may"
              + " change); the pods keep running generation "
              + old.getAcceptedGeneration()
              + " and no new pod group starts until the edit is reverted; create a new resource"
              + " to train with other settings";
    }

    /** Reports pods of an earlier incarnation once per name (status.foreignPods remembers them). */
    void reportForeign() {
      List<String> names =
          foreign.stream().map(p -> p.getMetadata().getName()).sorted().limit(64).toList();
      s.setForeignPods(names.isEmpty() ? null : names);
      List<String> before = old.getForeignPods() == null ? List.of() : old.getForeignPods();
      List<String> fresh = names.stream().filter(n -> !before.contains(n)).toList();
      if (!fresh.isEmpty()) {
        events.add(
            new Plan.Event(
                true,
                "ForeignPods",
                "ignoring pod(s) "
                    + String.join(", ", fresh)
                    + ": they belong to an earlier "
                    + r.getKind()
                    + " named "
                    + r.getMetadata().getName()
                    + " (owner UID "
                    + Ownership.controllerUid(
                        foreign.stream()
                            .filter(p -> p.getMetadata().getName().equals(fresh.get(0)))
                            .findFirst()
                            .orElseThrow())
                    + ", this run is "
                    + r.getMetadata().getUid()
                    + ")"));
      }
    }

    /**
     * Pods of an earlier incarnation hold names this run needs (garbage collection deletes them
     * after their owner is gone): wait instead of mistaking "already exists" for our own pod.
     *
     * @return true when this pass waits
     */
    boolean awaitForeignPods() {
      int replicas = Effective.replicas(spec);
      List<String> blocking =
          foreign.stream()
              .map(p -> p.getMetadata().getName())
              .filter(
                  n -> {
                    for (int i = 0; i < replicas; i++) {
                      if (n.equals(Names.worker(r.getMetadata().getName(), i))) {
                        return true;
                      }
                    }
                    return false;
                  })
              .sorted()
              .toList();
      if (blocking.isEmpty()) {
        return false;
      }
      phase =
          old.getPhase() == null || old.getPhase() == Phase.RUNNING
              ? Phase.PENDING
              : old.getPhase();
      reason = "WaitingForForeignPods";
      message =
          "pod(s) "
              + String.join(", ", blocking)
              + " of an earlier incarnation of this run still exist; waiting for them to be"
              + " deleted (garbage collection of their deleted owner)";
      requeueIn(DELETION_POLL);
      return true;
    }

    /**
     * A pod of the current attempt is being deleted, or vanished after the operator saw it, while
     * the operator did not delete it (no restart, suspend or end under way): record it and restart
     * the group like any other infrastructure failure.
     *
     * @return true when this pass handled such a loss
     */
    boolean lostPod(List<Pod> current, List<Pod> live) {
      FailureRecord handled = old.getLastFailure();
      for (Pod p : current) {
        String uid = p.getMetadata().getUid();
        if (!ranks.deletedByOthers(p)) {
          continue; // alive, or deleted by this operator
        }
        if (handled != null && uid != null && uid.equals(handled.getPodUid())) {
          continue;
        }
        handleFailure(PodLoss.deleted(p, Effective.retryableExitCodes(spec)), p, live);
        return true;
      }
      String gone = ranks.vanished(current);
      if (gone != null) {
        handleFailure(PodLoss.vanished(gone), null, live);
        return true;
      }
      return false;
    }

    String restartMessage(FailureRecord fr) {
      String cause = fr == null || fr.getMessage() == null ? "" : fr.getMessage() + "; ";
      return cause + "restarting from the last checkpoint at " + s.getNextRestartTime();
    }

    String createdMessage(int pods, int attempt) {
      return "created " + pods + " pod(s), attempt " + attempt;
    }

    String reconcilingMessage() {
      var c = Conditions.find(old.getConditions(), Conditions.RECONCILING);
      return c == null ? "" : c.getMessage();
    }

    void keepTerminal() {
      phase = old.getPhase();
      keepConditions = true;
      summaryPods = livePods(pods);
      expireAfterTtl();
    }

    /**
     * ttlSecondsAfterFinished, for every finished run (succeeded or failed): delete it when the
     * time has come, otherwise look again exactly then. Both the pass that finishes the run and
     * every later pass call this, so the deletion never waits for an unrelated event.
     */
    void expireAfterTtl() {
      Integer ttl = spec == null ? null : spec.getTtlSecondsAfterFinished();
      Instant done = Timestamps.parse(s.getCompletionTime());
      if (ttl == null || done == null) {
        return;
      }
      Instant at = done.plusSeconds(ttl);
      if (!now.isBefore(at)) {
        actions.add(new Plan.DeleteResource());
      } else {
        requeueIn(Duration.between(now, at));
      }
    }

    WeightsRef resolveWeights() {
      if (!(r instanceof SarmaeFinetune f)) {
        return null;
      }
      if (f.getSpec().getPretrainedWeights() != null) {
        waiting = false;
        waitingReason = "WeightsByPath";
        waitingMessage = "pretrained weights are given by path";
        return f.getSpec().getPretrainedWeights();
      }
      String ref = f.getSpec().getFromPretrain();
      WeightsRef resolved = parsePvcUri(s.getPretrainedWeights());
      if (resolved != null) {
        // Resolved when the first attempt started: restarts do not depend on the pretrain object.
        return resolved;
      }
      Observed.PretrainState ps = o.pretrain();
      if (ps == null || !ps.found()) {
        waitForPretrain("PretrainNotFound", "SarmaePretrain " + ref + " does not exist yet");
        return null;
      }
      if (ps.phase() == Phase.FAILED) {
        waiting = false;
        waitingReason = "PretrainFailed";
        waitingMessage = "SarmaePretrain " + ref + " failed";
        fail("PretrainFailed", "SarmaePretrain " + ref + " failed; nothing to fine-tune");
        return null;
      }
      if (ps.phase() != Phase.SUCCEEDED) {
        waitForPretrain(
            "PretrainNotFinished",
            "waiting for SarmaePretrain " + ref + " to succeed (phase " + name(ps.phase()) + ")");
        return null;
      }
      WeightsRef w = ps.finalWeights();
      s.setPretrainedWeights("pvc://" + w.getClaimName() + "/" + w.getPath());
      waiting = false;
      waitingReason = "PretrainSucceeded";
      waitingMessage = "starting from " + s.getPretrainedWeights();
      return w;
    }

    void waitForPretrain(String why, String text) {
      phase = Phase.PENDING;
      reason = "WaitingForPretrain";
      message = text;
      waiting = true;
      waitingReason = why;
      waitingMessage = text;
      requeueIn(settings.waitInterval());
    }

    /** Leaves WaitingForPretrain as the last pass set it (the run is past that gate). */
    void keepWaiting() {
      waiting = null;
    }

    void createGroup(int attempt, WeightsRef weights) {
      TrainerRun run =
          r instanceof SarmaePretrain p
              ? TrainerRun.of(p)
              : TrainerRun.of((SarmaeFinetune) r, weights);
      actions.add(new Plan.Create(Children.configMap(run)));
      actions.add(new Plan.Create(Children.service(run)));
      HasMetadata pg = Children.podGroup(run);
      if (pg != null) {
        actions.add(new Plan.Create(pg));
      }
      int replicas = Effective.replicas(spec);
      for (int i = 0; i < replicas; i++) {
        actions.add(new Plan.Create(Children.pod(run, i, attempt)));
      }
      s.setAttempt(attempt);
      groupCreated = true;
      if (ranks != null) {
        ranks.created(r.getMetadata().getName());
      }
      if (s.getStartTime() == null) {
        s.setStartTime(nowText);
      }
      s.setNextRestartTime(null);
      PodSummary ps = new PodSummary();
      ps.setTotal(replicas);
      ps.setPending(replicas);
      ps.setRunning(0);
      ps.setSucceeded(0);
      ps.setFailed(0);
      s.setPods(ps);
      phase = Phase.PENDING;
      reason = "PodsCreated";
      message = createdMessage(replicas, attempt);
      scheduled = false;
      scheduledReason = "Pending";
      scheduledMessage = "waiting for the scheduler";
      requeueIn(settings.progressInterval());
    }

    void handleFailure(Failure f, Pod failedPod, List<Pod> live) {
      Handling h = FailureClassifier.handling(f, s.getLastFailure());
      boolean counted = h == Handling.RESTART_COUNTED;
      FailureRecord fr = record(f, counted);
      if (failedPod != null) {
        fr.setPodUid(failedPod.getMetadata().getUid());
      }
      fr.setAttempt(s.getAttempt());
      s.setLastFailure(fr);
      if (ranks != null) {
        ranks.ended(live, f, Effective.retryableExitCodes(spec));
      }
      if (h == Handling.FAIL) {
        deletePods(live.stream().filter(p -> !"Failed".equals(podPhase(p))).toList(), "run failed");
        fail(f.kind().name(), f.message());
        return;
      }
      int failed = nz(s.getFailedAttempts());
      if (counted) {
        failed++;
        s.setFailedAttempts(failed);
        int limit = Effective.backoffLimit(spec);
        if (failed > limit) {
          deletePods(
              live.stream().filter(p -> !"Failed".equals(podPhase(p))).toList(),
              "backoff limit exceeded");
          fail(
              "BackoffLimitExceeded",
              f.message() + "; backoffLimit " + limit + " reached after " + failed + " failures");
          return;
        }
      }
      deletePods(live, "restart after " + f.kind().name());
      s.setRestartCount(nz(s.getRestartCount()) + 1);
      long base = Effective.restartBackoffSeconds(spec);
      long delay = counted ? base << Math.min(Math.max(failed - 1, 0), 5) : base;
      s.setNextRestartTime(Timestamps.format(now.plusSeconds(delay)));
      if (s.getProgress() != null) {
        s.getProgress().setStepAdvancedAt(null);
      }
      phase = Phase.RESTARTING;
      reason = f.kind().name();
      message = restartMessage(fr);
      requeueIn(Duration.ofSeconds(Math.max(delay, 1)));
    }

    FailureRecord record(Failure f, boolean counted) {
      FailureRecord fr = new FailureRecord();
      fr.setPod(f.pod());
      fr.setReason(f.kind().name());
      fr.setExitCode(f.exitCode());
      fr.setMessage(f.message());
      fr.setCounted(counted);
      fr.setTime(nowText);
      return fr;
    }

    void succeed(Pod rank0, List<Pod> live) {
      ContainerStateTerminated term = FailureClassifier.terminated(rank0);
      TerminationMessage tm = term == null ? null : TerminationMessage.parse(term.getMessage());
      RunResult result = new RunResult();
      result.setCheckpointClaim(spec.getCheckpoint().getClaimName());
      if (tm != null) {
        result.setCheckpoint(tm.checkpoint());
        result.setEpoch(tm.epoch());
        result.setStep(tm.step());
        result.setLoss(tm.loss());
        result.setTop1Mean(tm.top1Mean());
        result.setTop1Std(tm.top1Std());
        result.setTop1(tm.top1());
        result.setPrimaryMetric(tm.primaryMetric());
        result.setPrimaryMean(tm.primaryMean());
        result.setPrimaryStd(tm.primaryStd());
        result.setPrimary(tm.primary());
        result.setResults(tm.results());
        result.setMessage(tm.message());
      }
      if (result.getCheckpoint() == null) {
        result.setCheckpoint(Effective.checkpointDir(spec, r.getMetadata().getName()) + "/final");
      }
      s.setResult(result);
      TrainingProgress p = s.getProgress() != null ? s.getProgress() : new TrainingProgress();
      p.setPhase("Succeeded");
      p.setPercent(100.0);
      p.setEtaSeconds(0L);
      p.setEta("0s");
      if (tm != null) {
        p.setEpoch(tm.epoch() != null ? tm.epoch() : p.getEpoch());
        p.setStep(tm.step() != null ? tm.step() : p.getStep());
        p.setLoss(tm.loss() != null ? tm.loss() : p.getLoss());
      }
      if (p.getEpochs() == null && p.getEpoch() != null) {
        p.setEpochs(p.getEpoch());
      }
      p.setLastCheckpoint(result.getCheckpoint());
      s.setProgress(p);
      s.setCompletionTime(nowText);
      s.setNextRestartTime(null);
      requeueAfterTtl();
      deletePods(
          live.stream().filter(x -> x != rank0 && !terminal(podPhase(x))).toList(),
          "run succeeded");
      phase = Phase.SUCCEEDED;
      boolean again = tm != null && Boolean.TRUE.equals(tm.alreadyFinished());
      reason = again ? "AlreadyFinished" : "Succeeded";
      message =
          again
              ? "already finished: this run's final model existed before these pods started; "
                  + result.getCheckpoint()
              : result.getPrimaryMean() != null
                  ? String.format(
                      Locale.ROOT,
                      "finished: %s %.2f ± %.2f",
                      result.getPrimaryMetric(),
                      result.getPrimaryMean(),
                      nzd(result.getPrimaryStd()))
                  : "finished; final model at " + result.getCheckpoint();
      scheduled = true;
      scheduledReason = "AllPodsScheduled";
      scheduledMessage = "";
    }

    void running() {
      phase = Phase.RUNNING;
      reason = "Training";
      message = "all pods are running";
      scheduled = true;
      scheduledReason = "AllPodsScheduled";
      scheduledMessage = "";
      TrainingProgress prog = s.getProgress() != null ? s.getProgress() : new TrainingProgress();
      if (old.getPhase() != Phase.RUNNING || prog.getStepAdvancedAt() == null) {
        prog.setStepAdvancedAt(nowText);
      }
      if (o.progress() != null) {
        prog = applyProgress(prog, o.progress());
      }
      s.setProgress(prog);
      requeueIn(settings.progressInterval());
      int deadline = Effective.progressDeadlineSeconds(spec);
      if (deadline > 0) {
        Instant since = Timestamps.parse(prog.getStepAdvancedAt());
        Instant limit = since.plusSeconds(deadline);
        if (!now.isBefore(limit)) {
          String step = prog.getStep() == null ? "no step" : "step " + prog.getStep();
          handleFailure(
              new Failure(
                  null,
                  Failure.Kind.NoProgress,
                  null,
                  step + " has not advanced for " + deadline + "s (progressDeadlineSeconds)"),
              null,
              livePods(pods));
          return;
        }
        requeueIn(Duration.between(now, limit));
      }
    }

    TrainingProgress applyProgress(TrainingProgress prev, ProgressReport rep) {
      TrainingProgress p = new TrainingProgress();
      p.setPhase(rep.phase());
      p.setEpoch(rep.epoch());
      p.setEpochs(rep.epochs());
      p.setStep(rep.step());
      p.setTotalSteps(rep.totalSteps());
      p.setPercent(round(rep.percent(), 2));
      p.setLoss(sig(rep.loss()));
      p.setMaeLoss(sig(rep.maeLoss()));
      p.setAlignLoss(sig(rep.alignLoss()));
      p.setLr(sig(rep.lr()));
      p.setImagesPerSecond(round(rep.imagesPerSecond(), 1));
      p.setEtaSeconds(rep.etaSeconds());
      p.setEta(rep.etaSeconds() == null ? null : Timestamps.human(rep.etaSeconds()));
      p.setLastCheckpoint(rep.lastCheckpoint());
      p.setEvalMetric(rep.evalMetric());
      p.setEvalValue(round(rep.evalValue(), 2));
      boolean advanced =
          rep.step() != null && (prev.getStep() == null || rep.step() > prev.getStep());
      p.setStepAdvancedAt(advanced ? nowText : prev.getStepAdvancedAt());
      if (p.getStep() == null) {
        p.setStep(prev.getStep());
      }
      p.setLastUpdated(prev.getLastUpdated());
      if (!sameProgress(p, prev)) {
        p.setLastUpdated(nowText);
      }
      return p;
    }

    void pending(List<Pod> live) {
      phase = Phase.PENDING;
      boolean untouched =
          live.stream().allMatch(p -> FailureClassifier.condition(p, "PodScheduled") == null);
      reason = untouched ? "PodsCreated" : "PodsPending";
      message =
          untouched ? createdMessage(live.size(), nz(s.getAttempt())) : "waiting for pods to start";
      boolean allScheduled =
          live.stream()
              .allMatch(
                  p -> {
                    PodCondition c = FailureClassifier.condition(p, "PodScheduled");
                    return c != null && "True".equals(c.getStatus());
                  });
      scheduled = allScheduled;
      scheduledReason = allScheduled ? "AllPodsScheduled" : "Pending";
      scheduledMessage = allScheduled ? "" : "waiting for the scheduler";
      PodWait wait = PodWait.first(live);
      if (wait == null) {
        return;
      }
      if (wait.unschedulable()) {
        scheduled = false;
        scheduledReason = wait.reason();
        scheduledMessage = wait.pod() + ": " + wait.message();
      }
      reason = wait.reason();
      message = wait.text();
      int timeout = Effective.pendingTimeoutSeconds(spec);
      Instant created =
          live.stream()
              .filter(p -> p.getMetadata().getName().equals(wait.pod()))
              .map(p -> Timestamps.parse(p.getMetadata().getCreationTimestamp()))
              .filter(Objects::nonNull)
              .findFirst()
              .orElse(null);
      if (timeout > 0 && created != null) {
        Instant at = created.plusSeconds(timeout);
        if (!now.isBefore(at)) {
          stalledReason = "PendingTimeout";
          stalledMessage =
              "pod "
                  + (wait.unschedulable() ? "unschedulable" : "not started")
                  + " for more than "
                  + timeout
                  + "s: "
                  + wait.pod()
                  + ": "
                  + wait.reason()
                  + (wait.message().isEmpty() ? "" : ": " + wait.message());
        } else {
          requeueIn(Duration.between(now, at));
        }
      }
    }

    void fail(String why, String text) {
      phase = Phase.FAILED;
      reason = why;
      message = text;
      if (s.getCompletionTime() == null) {
        s.setCompletionTime(nowText);
      }
      s.setNextRestartTime(null);
      requeueAfterTtl();
    }

    /** The finishing pass writes status first; the deletion comes from the next pass. */
    void requeueAfterTtl() {
      Integer ttl = spec == null ? null : spec.getTtlSecondsAfterFinished();
      if (ttl != null) {
        requeueIn(Duration.ofSeconds(Math.max(ttl, 1)));
      }
    }

    /**
     * Rates and estimates describe a running trainer: once no pod trains (pending, restarting,
     * suspended, finished) they would be stale, so they are removed; counters (epoch, step, loss,
     * lastCheckpoint) stay.
     */
    void quiesceProgress() {
      TrainingProgress p = s.getProgress();
      if (p == null) {
        return;
      }
      p.setImagesPerSecond(null);
      p.setEtaSeconds(null);
      p.setEta(null);
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

    void requeueIn(Duration d) {
      if (d.isNegative() || d.isZero()) {
        d = Duration.ofSeconds(1);
      }
      if (requeue == null || d.compareTo(requeue) < 0) {
        requeue = d;
      }
    }

    Plan finish() {
      if (ranks != null) {
        s.setRanks(ranks.list());
      }
      if (!groupCreated) {
        List<String> deleted =
            actions.stream()
                .filter(a -> a instanceof Plan.DeletePods)
                .flatMap(a -> ((Plan.DeletePods) a).names().stream())
                .toList();
        s.setPods(
            summary(
                summaryPods.stream()
                    .filter(p -> !deleted.contains(p.getMetadata().getName()))
                    .toList()));
      }
      if (keepConditions) {
        return new Plan(List.copyOf(actions), s, requeue, List.of());
      }
      s.setPhase(phase);
      s.setReason(reason);
      if (phase != Phase.RUNNING) {
        quiesceProgress();
      }
      Conditions c = Conditions.from(old.getConditions(), nowText, r.getMetadata().getGeneration());
      boolean ready = phase == Phase.RUNNING || phase == Phase.SUCCEEDED;
      boolean reconciling = phase == Phase.PENDING || phase == Phase.RESTARTING;
      c.set(Conditions.READY, ready, reason, message);
      c.set(
          Conditions.RECONCILING,
          reconciling && stalledReason == null,
          reason,
          reconciling ? message : "");
      if (phase == Phase.FAILED) {
        c.set(Conditions.STALLED, true, reason, message);
      } else if (stalledReason != null) {
        c.set(Conditions.STALLED, true, stalledReason, stalledMessage);
      } else {
        c.set(Conditions.STALLED, false, "Progressing", "");
      }
      if (scheduled != null) {
        c.set(Conditions.SCHEDULED, scheduled, scheduledReason, scheduledMessage);
      } else if (Conditions.find(old.getConditions(), Conditions.SCHEDULED) != null) {
        c.keep(Conditions.SCHEDULED);
      } else {
        c.set(Conditions.SCHEDULED, false, "NoPods", "no pods yet");
      }
      c.set(
          Conditions.RUNNING,
          phase == Phase.RUNNING,
          phase == Phase.RUNNING ? "Training" : name(phase),
          "");
      c.set(
          Conditions.SUCCEEDED,
          phase == Phase.SUCCEEDED,
          phase == Phase.SUCCEEDED ? "Succeeded" : name(phase),
          phase == Phase.SUCCEEDED ? message : "");
      c.set(
          Conditions.FAILED,
          phase == Phase.FAILED,
          phase == Phase.FAILED ? reason : name(phase),
          phase == Phase.FAILED ? message : "");
      c.set(
          Conditions.SUSPENDED,
          phase == Phase.SUSPENDED,
          phase == Phase.SUSPENDED ? "Suspended" : "NotSuspended",
          phase == Phase.SUSPENDED ? message : "");
      c.set(
          Conditions.SPEC_ACCEPTED,
          rejected == null,
          rejected == null ? "Accepted" : "SpecRejected",
          rejected == null ? "" : rejected);
      var wasAccepted = Conditions.find(old.getConditions(), Conditions.SPEC_ACCEPTED);
      if (rejected != null && (wasAccepted == null || !"False".equals(wasAccepted.getStatus()))) {
        events.add(new Plan.Event(true, "SpecRejected", rejected));
      }
      if (r instanceof SarmaeFinetune) {
        if (waiting != null) {
          c.set(Conditions.WAITING_FOR_PRETRAIN, waiting, waitingReason, waitingMessage);
        } else if (Conditions.find(old.getConditions(), Conditions.WAITING_FOR_PRETRAIN) != null) {
          c.keep(Conditions.WAITING_FOR_PRETRAIN);
        }
      }
      var wasStalled = Conditions.find(old.getConditions(), Conditions.STALLED);
      if (stalledReason != null
          && (wasStalled == null
              || !"True".equals(wasStalled.getStatus())
              || !stalledReason.equals(wasStalled.getReason()))) {
        events.add(new Plan.Event(true, stalledReason, stalledMessage));
      }
      String memory = PodSizing.memoryWarning(spec);
      if (memory != null) {
        c.set(Conditions.MEMORY_BELOW_ESTIMATE, true, Conditions.MEMORY_BELOW_ESTIMATE, memory);
        if (Conditions.find(old.getConditions(), Conditions.MEMORY_BELOW_ESTIMATE) == null) {
          events.add(new Plan.Event(true, Conditions.MEMORY_BELOW_ESTIMATE, memory));
        }
      }
      s.setConditions(c.build());
      if (old.getPhase() != phase) {
        boolean warning = phase == Phase.FAILED || phase == Phase.RESTARTING;
        events.add(new Plan.Event(warning, reason, name(phase) + ": " + message));
      }
      return new Plan(List.copyOf(actions), s, requeue, List.copyOf(events));
    }
  }

  static List<Pod> livePods(List<Pod> pods) {
    return pods.stream().filter(p -> !terminating(p)).toList();
  }

  static PodSummary summary(List<Pod> pods) {
    PodSummary ps = new PodSummary();
    int pending = 0;
    int running = 0;
    int succeeded = 0;
    int failed = 0;
    for (Pod p : pods) {
      switch (podPhase(p)) {
        case "Running" -> running++;
        case "Succeeded" -> succeeded++;
        case "Failed" -> failed++;
        default -> pending++;
      }
    }
    ps.setTotal(pods.size());
    ps.setPending(pending);
    ps.setRunning(running);
    ps.setSucceeded(succeeded);
    ps.setFailed(failed);
    return ps;
  }

  static boolean sameProgress(TrainingProgress a, TrainingProgress b) {
    return Objects.equals(a.getPhase(), b.getPhase())
        && Objects.equals(a.getEpoch(), b.getEpoch())
        && Objects.equals(a.getEpochs(), b.getEpochs())
        && Objects.equals(a.getStep(), b.getStep())
        && Objects.equals(a.getTotalSteps(), b.getTotalSteps())
        && Objects.equals(a.getPercent(), b.getPercent())
        && Objects.equals(a.getLoss(), b.getLoss())
        && Objects.equals(a.getMaeLoss(), b.getMaeLoss())
        && Objects.equals(a.getAlignLoss(), b.getAlignLoss())
        && Objects.equals(a.getLr(), b.getLr())
        && Objects.equals(a.getImagesPerSecond(), b.getImagesPerSecond())
        && Objects.equals(a.getEtaSeconds(), b.getEtaSeconds())
        && Objects.equals(a.getLastCheckpoint(), b.getLastCheckpoint())
        && Objects.equals(a.getEvalMetric(), b.getEvalMetric())
        && Objects.equals(a.getEvalValue(), b.getEvalValue());
  }

  static Double round(Double v, int places) {
    if (v == null || v.isNaN() || v.isInfinite()) {
      return null;
    }
    return BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_EVEN).doubleValue();
  }

  /** Four significant digits: enough to read a loss curve, few enough to keep writes rare. */
  static Double sig(Double v) {
    if (v == null || v.isNaN() || v.isInfinite()) {
      return null;
    }
    return new BigDecimal(v).round(new MathContext(4)).doubleValue();
  }

  static String name(Phase p) {
    if (p == null) {
      return "Unknown";
    }
    return switch (p) {
      case PENDING -> "Pending";
      case RUNNING -> "Running";
      case RESTARTING -> "Restarting";
      case SUSPENDED -> "Suspended";
      case SUCCEEDED -> "Succeeded";
      case FAILED -> "Failed";
    };
  }

  static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  static double nzd(Double d) {
    return d == null ? 0 : d;
  }

  static String nzs(String s) {
    return s == null ? "" : s;
  }
}
