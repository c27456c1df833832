package io.sarmae.operator.kueue;

import io.sarmae.operator.api.v1alpha1.KueueAdmission;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import java.util.TreeMap;

/** Condition Admitted and {@code status.admission} of a queued run, from its Workload (pure). */
public final class KueueAdmissionStatus {
  private KueueAdmissionStatus() {}

  /** What the run's status says about its admission. */
  public record Result(boolean admitted, String reason, String message, KueueAdmission admission) {}

  /**
   * @param k the Workload as observed in this pass
   * @param old the run's status before this pass (for the eviction count)
   */
  public static Result of(KueueState k, SarmaeJobStatus old) {
    KueueAdmission a = new KueueAdmission();
    a.setWorkload(k.workload());
    a.setQueue(k.queue());
    KueueAdmission before = old.getAdmission();
    int evictions = before == null || before.getEvictions() == null ? 0 : before.getEvictions();
    boolean wasAdmitted =
        old.getConditions() != null
            && old.getConditions().stream()
                .anyMatch(c -> "Admitted".equals(c.getType()) && "True".equals(c.getStatus()));
    if (k.evicted() != null && wasAdmitted) {
      evictions++; // counted once: the pass that sees the eviction turns Admitted False
    }
    a.setEvictions(evictions == 0 ? null : evictions);
    AdmissionGate.Verdict v = AdmissionGate.check(k, false);
    if (!v.open()) {
      return new Result(false, v.reason(), v.message(), a);
    }
    a.setClusterQueue(k.clusterQueue());
    a.setFlavors(k.flavors().isEmpty() ? null : new TreeMap<>(k.flavors()));
    return new Result(
        true,
        "Admitted",
        "admitted by ClusterQueue "
            + k.clusterQueue()
            + (k.flavors().isEmpty() ? "" : " with flavors " + k.flavors()),
        a);
  }
}
