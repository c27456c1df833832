package io.sarmae.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.kueue.Workloads;
import io.sarmae.operator.metrics.JobMetrics;
import io.sarmae.operator.plan.Plan;
import io.sarmae.operator.resources.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The thin JOSDK adapter shared by both kinds: pods come from an informer (label {@code
 * sarmae.io/kind}), the {@link JobController} plans and acts, and the status goes back as the one
 * status patch of the pass, only when it changed.
 */
public abstract class SarmaeReconciler<
        R extends CustomResource<? extends JobSpecCommon, SarmaeJobStatus>>
    implements Reconciler<R> {

  private final Class<R> type;
  private final String kindLabel;
  protected final JobController controller;
  private final JobMetrics metrics;
  private InformerEventSource<Pod, R> pods;

  protected SarmaeReconciler(
      Class<R> type, String kindLabel, JobController controller, JobMetrics metrics) {
    this.type = type;
    this.kindLabel = kindLabel;
    this.controller = controller;
    this.metrics = metrics;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<EventSource<?, R>> prepareEventSources(EventSourceContext<R> context) {
    pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, type)
                .withName("pods")
                .withLabelSelector(Names.LABEL_KIND + "=" + kindLabel)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(type))
                .build(),
            context);
    if (metrics != null) {
      metrics.source(kindLabel, () -> (java.util.stream.Stream) context.getPrimaryCache().list());
    }
    List<EventSource<?, R>> sources = new ArrayList<>();
    sources.add(pods);
    if (kueueServed(context)) {
      // A Workload's admission or eviction reaches the run at once; without Kueue's CRDs at start
      // the run polls its Workload at the planner's wait interval instead.
      sources.add(
          new InformerEventSource<>(
              InformerEventSourceConfiguration.from(
                      new GroupVersionKind(Workloads.GROUP, Workloads.VERSION, "Workload"), type)
                  .withName("workloads")
                  .withLabelSelector(Names.LABEL_KIND + "=" + kindLabel)
                  .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(type))
                  .build(),
              context));
    }
    sources.addAll(moreEventSources(context));
    return sources;
  }

  private static boolean kueueServed(EventSourceContext<?> context) {
    try {
      return context.getClient().supports(Workloads.API_VERSION, "Workload");
    } catch (RuntimeException e) {
      return false; // discovery failed: poll
    }
  }

  protected List<EventSource<?, R>> moreEventSources(EventSourceContext<R> context) {
    return List.of();
  }

  protected Optional<SarmaePretrain> pretrain(R run, Context<R> context) {
    return Optional.empty();
  }

  @Override
  public UpdateControl<R> reconcile(R run, Context<R> context) {
    List<Pod> observed = List.copyOf(context.getSecondaryResources(Pod.class));
    JobController.Result result =
        controller.reconcile(
            run,
            observed,
            pretrain(run, context),
            p -> pods.handleRecentResourceCreate(ResourceID.fromResource(p), p));
    Plan plan = result.plan();
    if (plan.actions().stream().anyMatch(a -> a instanceof Plan.DeleteResource)) {
      controller.poller().forget(run.getMetadata().getUid());
      return UpdateControl.noUpdate();
    }
    if (result.statusChanged()) {
      // The status goes back as a replace of the status subresource at the run's resourceVersion
      // (on a conflict JOSDK retries on the fresher cached run), and the response goes into JOSDK's
      // temporary primary cache: a reconcile that a pod event starts before the informer has seen
      // this write then plans from the new status. UpdateControl.patchStatus does not cache the
      // response, so such a reconcile recomputed the same phase transition and wrote its event
      // and status a second time (docs/operator.md, "Performance").
      SarmaeJobStatus status = plan.status();
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
          run,
          context,
          r -> {
            r.setStatus(status);
            return r;
          });
    }
    UpdateControl<R> control = UpdateControl.noUpdate();
    if (plan.requeueAfter() != null) {
      control.rescheduleAfter(plan.requeueAfter());
    }
    return control;
  }
}
