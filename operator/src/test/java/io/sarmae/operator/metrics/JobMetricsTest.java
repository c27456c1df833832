package io.sarmae.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sarmae.operator.api.v1alpha1.FailureRecord;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobMetricsTest {
  static SarmaeJobStatus status(Phase phase, Integer restarts, String reason) {
    SarmaeJobStatus s = new SarmaeJobStatus();
    s.setPhase(phase);
    s.setRestartCount(restarts);
    if (reason != null) {
      FailureRecord f = new FailureRecord();
      f.setReason(reason);
      s.setLastFailure(f);
    }
    return s;
  }

  @Test
  void gaugesCountTheCacheAndCountersCountTransitionsWithoutPerRunLabels() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    JobMetrics metrics = new JobMetrics(registry);
    List<SarmaePretrain> cache = new ArrayList<>();
    metrics.source("pretrain", cache::stream);
    SarmaePretrain a = Fixtures.tinyPretrain();
    SarmaePretrain b = Fixtures.vitB();
    a.setStatus(status(Phase.RUNNING, null, null));
    b.setStatus(status(Phase.RUNNING, null, null));
    cache.addAll(List.of(a, b));
    metrics.observe(a, status(Phase.PENDING, null, null), a.getStatus());
    metrics.observe(b, status(Phase.RUNNING, null, null), b.getStatus());
    assertThat(registry.get("sarmae_jobs").tag("phase", "Running").gauge().value()).isEqualTo(2.0);
    assertThat(registry.get("sarmae_jobs_transitions").tag("phase", "Running").counter().count())
        .isEqualTo(1.0);
    SarmaeJobStatus restarting = status(Phase.RESTARTING, 1, "Evicted");
    metrics.observe(a, a.getStatus(), restarting);
    assertThat(registry.get("sarmae_jobs_restarts").tag("reason", "Evicted").counter().count())
        .isEqualTo(1.0);
    cache.remove(b);
    assertThat(registry.get("sarmae_jobs").tag("phase", "Running").gauge().value()).isEqualTo(1.0);
    assertThat(registry.getMeters())
        .allSatisfy(
            m ->
                assertThat(m.getId().getTags())
                    .extracting(t -> t.getKey())
                    .isSubsetOf("kind", "namespace", "phase", "reason"));
  }
}
