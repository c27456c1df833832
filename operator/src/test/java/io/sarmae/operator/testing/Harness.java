package io.sarmae.operator.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.plan.Planner;
import io.sarmae.operator.progress.ProgressPoller;
import io.sarmae.operator.reconciler.JobController;
import io.sarmae.operator.resources.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Drives {@link JobController} against the CRUD mock exactly as the JOSDK adapter does: observe
 * pods by label, reconcile, write the status with one JSON-patch to /status when it changed.
 */
public final class Harness {
  public static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

  public final KubernetesClient client = MockCluster.client();
  public final MutableClock clock = new MutableClock(T0);
  public final FakeProgress progress = new FakeProgress();
  public final String namespace;
  public JobController controller;

  /** What one pass did, and when it asked to be called again (null: never). */
  public record Pass(int writes, boolean statusWritten, Duration requeueAfter) {
    public boolean idle() {
      return writes == 0 && !statusWritten;
    }
  }

  public Harness(String namespace) {
    this.namespace = namespace;
    restartOperator();
  }

  /** A fresh controller: what an operator restart (or a new leader) starts with. */
  public void restartOperator() {
    controller =
        new JobController(
            client,
            new ProgressPoller(progress, Duration.ofSeconds(30)),
            clock,
            Planner.Settings.defaults(),
            null);
  }

  public <R extends CustomResource<? extends JobSpecCommon, SarmaeJobStatus>> R create(R r) {
    r.getMetadata().setNamespace(namespace);
    r.getMetadata().setUid(null);
    r.getMetadata().setGeneration(null);
    return client.resource(r).create();
  }

  public <R extends CustomResource<? extends JobSpecCommon, SarmaeJobStatus>> R get(R r) {
    @SuppressWarnings("unchecked")
    Class<R> type = (Class<R>) r.getClass();
    return client.resources(type).inNamespace(namespace).withName(r.getMetadata().getName()).get();
  }

  public List<Pod> pods(CustomResource<?, ?> r) {
    return client.pods().inNamespace(namespace).withLabels(Names.selector(r)).list().getItems();
  }

  public <R extends CustomResource<? extends JobSpecCommon, SarmaeJobStatus>> Pass pass(R r) {
    R current = get(r);
    if (current == null) {
      return new Pass(0, false, null);
    }
    Optional<SarmaePretrain> pretrain = Optional.empty();
    if (current instanceof SarmaeFinetune f && f.getSpec().getFromPretrain() != null) {
      pretrain =
          Optional.ofNullable(
              client
                  .resources(SarmaePretrain.class)
                  .inNamespace(namespace)
                  .withName(f.getSpec().getFromPretrain())
                  .get());
    }
    var result = controller.reconcile(current, pods(current), pretrain, p -> {});
    boolean deleted =
        result.plan().actions().stream()
            .anyMatch(a -> a instanceof io.sarmae.operator.plan.Plan.DeleteResource);
    if (result.statusChanged() && !deleted) {
      R copy = client.getKubernetesSerialization().clone(current);
      copy.setStatus(result.plan().status());
      client.resource(current).editStatus(x -> copy);
    }
    return new Pass(
        result.writes(), result.statusChanged() && !deleted, result.plan().requeueAfter());
  }

  /** Passes until one writes nothing; returns them all (the last is idle). */
  public <R extends CustomResource<? extends JobSpecCommon, SarmaeJobStatus>> List<Pass> settle(
      R r) {
    List<Pass> passes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Pass p = pass(r);
      passes.add(p);
      if (p.idle()) {
        return passes;
      }
    }
    throw new AssertionError("no fixed point after 10 passes: " + passes);
  }

  /** Plays kubelet: replaces the status of every pod of the run. */
  public void kubelet(CustomResource<?, ?> r, UnaryOperator<Pod> change) {
    for (Pod p : pods(r)) {
      Pod next = change.apply(new PodBuilder(p).build());
      client.pods().inNamespace(namespace).resource(next).updateStatus();
    }
  }

  public void advance(Duration d) {
    clock.advance(d);
  }
}
