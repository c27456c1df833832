package io.sarmae.operator.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.kueue.KueueObserver;
import io.sarmae.operator.kueue.KueueState;
import io.sarmae.operator.kueue.WorkloadSync;
import io.sarmae.operator.metrics.JobMetrics;
import io.sarmae.operator.plan.Conditions;
import io.sarmae.operator.plan.Observed;
import io.sarmae.operator.plan.OwnDeletions;
import io.sarmae.operator.plan.Ownership;
import io.sarmae.operator.plan.Plan;
import io.sarmae.operator.plan.Planner;
import io.sarmae.operator.progress.ProgressPoller;
import io.sarmae.operator.progress.ProgressReport;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconcile of a run: observe (pods given by the caller, progress, the referenced pretrain),
 * plan (pure), act (idempotent child writes, events). The status is returned, not written, so the
 * JOSDK adapter can write it as its single status patch and tests can write it the same way.
 */
public final class JobController {
  private static final Logger LOG = LoggerFactory.getLogger(JobController.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper STATUS_MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final KubernetesClient client;
  private final ProgressPoller poller;
  private final Clock clock;
  private final Planner.Settings settings;
  private final EventRecorder events;
  private final KueueObserver kueueObserver;
  private final JobMetrics metrics;

  public JobController(
      KubernetesClient client,
      ProgressPoller poller,
      Clock clock,
      Planner.Settings settings,
      JobMetrics metrics) {
    this.client = client;
    this.poller = poller;
    this.clock = clock;
    this.settings = settings;
    this.events = new EventRecorder(client);
    this.kueueObserver = new KueueObserver(client);
    this.metrics = metrics;
  }

  /**
   * Outcome of one reconcile.
   *
   * @param plan what was planned (and done)
   * @param statusChanged whether the status differs from the resource's current status
   * @param writes child writes and events issued (for tests and the benchmark)
   */
  public record Result(Plan plan, boolean statusChanged, int writes) {}

  public <R extends CustomResource<? extends JobSpecCommon, SarmaeJobStatus>> Result reconcile(
      R run, List<Pod> pods, Optional<SarmaePretrain> pretrain, Consumer<Pod> onPodCreated) {
    Instant now = clock.instant();
    ProgressReport progress =
        poller.poll(run.getMetadata().getUid(), Ownership.split(run, pods).own(), now);
    Observed.PretrainState ps = null;
    if (run instanceof SarmaeFinetune f
        && f.getSpec() != null
        && f.getSpec().getFromPretrain() != null) {
      ps =
          pretrain
              .map(
                  p ->
                      new Observed.PretrainState(
                          true,
                          p.getStatus() == null ? null : p.getStatus().getPhase(),
                          p.getSpec() == null || p.getSpec().getCheckpoint() == null
                              ? null
                              : Planner.finalWeights(p)))
              .orElse(Observed.PretrainState.missing());
    }
    KueueState kueue = kueueObserver.observe(run);
    Plan plan =
        Planner.plan(
            run,
            new Observed(pods, progress, ps, kueue, LivenessKills.read(client, run, pods)),
            now,
            settings);
    int writes = act(run, plan, pods, onPodCreated);
    writes += syncWorkload(run, kueue, plan, pods);
    for (Plan.Event e : plan.events()) {
      events.record(run, e, now);
      writes++;
    }
    boolean changed = !sameStatus(run.getStatus(), plan.status());
    var phase = plan.status().getPhase();
    if (phase == io.sarmae.operator.api.v1alpha1.Phase.SUCCEEDED
        || phase == io.sarmae.operator.api.v1alpha1.Phase.FAILED) {
      poller.forget(run.getMetadata().getUid()); // finished runs are never polled again
    }
    if (metrics != null) {
      metrics.observe(run, run.getStatus(), plan.status());
    }
    return new Result(plan, changed, writes);
  }

  /** Kueue's job-framework duties for a queued run: release quota after eviction, finish. */
  private int syncWorkload(HasMetadata run, KueueState kueue, Plan plan, List<Pod> pods) {
    boolean podsLeft =
        !Ownership.split(run, pods).own().isEmpty()
            && plan.actions().stream().noneMatch(a -> a instanceof Plan.DeleteResource);
    WorkloadSync.Update update = WorkloadSync.next(kueue, plan.status().getPhase(), podsLeft);
    if (update == WorkloadSync.Update.NONE) {
      return 0;
    }
    var ready = Conditions.find(plan.status().getConditions(), Conditions.READY);
    WorkloadSync.apply(
        client,
        kueue,
        update,
        plan.status().getPhase(),
        ready == null ? "" : ready.getMessage(),
        clock.instant());
    return 1;
  }

  private int act(HasMetadata run, Plan plan, List<Pod> observed, Consumer<Pod> onPodCreated) {
    int writes = 0;
    String ns = run.getMetadata().getNamespace();
    for (Plan.Action a : plan.actions()) {
      writes++;
      if (a instanceof Plan.Create c) {
        create(run, c.object(), onPodCreated);
      } else if (a instanceof Plan.DeletePods d) {
        LOG.info(
            "{}/{}: deleting pods {} ({})", ns, run.getMetadata().getName(), d.names(), d.why());
        for (String name : d.names()) {
          observed.stream()
              .filter(p -> name.equals(p.getMetadata().getName()))
              .forEach(p -> OwnDeletions.record(p.getMetadata().getUid()));
          client.pods().inNamespace(ns).withName(name).delete();
        }
      } else if (a instanceof Plan.DeleteResource) {
        LOG.info(
            "{}/{}: ttlSecondsAfterFinished passed, deleting", ns, run.getMetadata().getName());
        client.resource(run).delete();
      }
    }
    return writes;
  }

  private void create(HasMetadata run, HasMetadata object, Consumer<Pod> onPodCreated) {
    try {
      if (object instanceof GenericKubernetesResource g) {
        String[] gv = g.getApiVersion().split("/");
        var ctx =
            new ResourceDefinitionContext.Builder()
                .withGroup(gv[0])
                .withVersion(gv[1])
                .withKind(g.getKind())
                .withPlural(g.getKind().toLowerCase(java.util.Locale.ROOT) + "s")
                .withNamespaced(true)
                .build();
        client
            .genericKubernetesResources(ctx)
            .inNamespace(g.getMetadata().getNamespace())
            .resource(g)
            .create();
        return;
      }
      HasMetadata created = client.resource(object).create();
      if (created instanceof Pod p && onPodCreated != null) {
        onPodCreated.accept(p);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        replaceIfStale(run, object);
        return; // deterministic names: it exists, which is what we wanted
      }
      if (object instanceof GenericKubernetesResource
          && e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        boolean workload = "Workload".equals(object.getKind());
        events.record(
            run,
            new Plan.Event(
                true,
                workload ? "KueueUnavailable" : "PodGroupUnavailable",
                workload
                    ? object.getApiVersion()
                        + " Workload is not served by this cluster (is Kueue installed?); the run"
                        + " waits for admission (remove the kueue.x-k8s.io/queue-name label to run"
                        + " without Kueue)"
                    : object.getApiVersion()
                        + " PodGroup is not served by this cluster; pods are created without it"),
            clock.instant());
        return;
      }
      throw e;
    }
  }

  /**
   * The ConfigMap and Service are rendered for every attempt: one that exists already is replaced
   * when it belongs to an earlier incarnation of the run (another owner UID) or, for the ConfigMap,
   * holds another config, so that an attempt never starts with a config it was not rendered for.
   */
  private void replaceIfStale(HasMetadata run, HasMetadata object) {
    if (!(object instanceof ConfigMap) && !(object instanceof Service)) {
      return; // pods are never replaced; PodGroups keep their first spec
    }
    HasMetadata existing = client.resource(object).get();
    if (existing == null) {
      return;
    }
    boolean foreign = !Ownership.ownedBy(existing, run.getMetadata().getUid());
    boolean differs =
        object instanceof ConfigMap cm
            && !Objects.equals(cm.getData(), ((ConfigMap) existing).getData());
    if (!foreign && !differs) {
      return;
    }
    if (foreign) {
      events.record(
          run,
          new Plan.Event(
              true,
              "ForeignChild",
              object.getKind()
                  + " "
                  + object.getMetadata().getName()
                  + " belonged to an earlier incarnation (owner UID "
                  + Ownership.controllerUid(existing)
                  + "); replaced"),
          clock.instant());
    }
    if (object instanceof Service) {
      // Parts of a Service are immutable: delete the old one and create ours (Services carry no
      // finalizers, so the name is free at once; if not, the next attempt creates it).
      client.resource(existing).withGracePeriod(0).delete();
      try {
        client.resource(object).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
      return;
    }
    object.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    client.resource(object).update();
  }

  static boolean sameStatus(SarmaeJobStatus a, SarmaeJobStatus b) {
    var mapper = STATUS_MAPPER;
    return Objects.equals(
        mapper.valueToTree(a == null ? new SarmaeJobStatus() : a), mapper.valueToTree(b));
  }

  public Clock clock() {
    return clock;
  }

  public ProgressPoller poller() {
    return poller;
  }
}
