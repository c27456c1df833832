package io.sarmae.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.resources.Names;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code sarmae_jobs_*} metrics by kind, namespace and phase. No label names a run: the gauge
 * counts runs in the operator's informer cache when scraped, so a deleted run simply stops being
 * counted.
 */
public final class JobMetrics {
  private final MeterRegistry registry;
  private final Map<String, Supplier<Stream<? extends CustomResource<?, SarmaeJobStatus>>>>
      sources = new ConcurrentHashMap<>();
  private final Set<List<String>> gauges = ConcurrentHashMap.newKeySet();

  public JobMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Where the gauges find the runs of one kind ({@code pretrain} or {@code finetune}). */
  public void source(
      String kind, Supplier<Stream<? extends CustomResource<?, SarmaeJobStatus>>> runs) {
    sources.put(kind, runs);
  }

  /**
   * Records a reconcile's outcome, the status before and after it: phase transitions and restarts
   * as counters.
   */
  public void observe(HasMetadata run, SarmaeJobStatus before, SarmaeJobStatus after) {
    String kind = Names.kindLabel(run);
    String ns = run.getMetadata().getNamespace();
    Phase oldPhase = before == null ? null : before.getPhase();
    Phase newPhase = after.getPhase();
    if (newPhase != null) {
      ensureGauge(kind, ns, newPhase);
    }
    if (newPhase != null && newPhase != oldPhase) {
      Counter.builder("sarmae_jobs_transitions")
          .description("Phase transitions of SARMAE runs")
          .tag("kind", kind)
          .tag("namespace", ns)
          .tag("phase", newPhase.wireName())
          .register(registry)
          .increment();
    }
    int oldRestarts =
        before == null || before.getRestartCount() == null ? 0 : before.getRestartCount();
    Integer restarts = after.getRestartCount();
    if (restarts != null && restarts > oldRestarts && after.getLastFailure() != null) {
      Counter.builder("sarmae_jobs_restarts")
          .description("Group restarts of SARMAE runs by failure class")
          .tag("kind", kind)
          .tag("namespace", ns)
          .tag("reason", after.getLastFailure().getReason())
          .register(registry)
          .increment(restarts - oldRestarts);
    }
  }

  private void ensureGauge(String kind, String ns, Phase phase) {
    if (!gauges.add(List.of(kind, ns, phase.wireName()))) {
      return;
    }
    Gauge.builder("sarmae_jobs", () -> count(kind, ns, phase))
        .description("SARMAE runs by kind, namespace and phase")
        .tag("kind", kind)
        .tag("namespace", ns)
        .tag("phase", phase.wireName())
        .register(registry);
  }

  long count(String kind, String ns, Phase phase) {
    var source = sources.get(kind);
    if (source == null) {
      return 0;
    }
    return source
        .get()
        .filter(r -> ns.equals(r.getMetadata().getNamespace()))
        .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == phase)
        .count();
  }
}
