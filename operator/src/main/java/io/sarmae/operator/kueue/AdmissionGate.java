package io.sarmae.operator.kueue;

import io.sarmae.operator.api.v1alpha1.Phase;

/**
 * The Kueue gate of a queued run (pure): pods run only while its Workload is admitted. A run that
 * Kueue evicts (preemption, deactivation, a stopped queue...) is suspended: its pods are deleted,
 * the trainer checkpoints on SIGTERM, and the next admission starts a new attempt that resumes from
 * the last checkpoint. Evictions are not failures: nothing counts against backoffLimit.
 */
public final class AdmissionGate {
  private AdmissionGate() {}

  /**
   * Whether pods may run, and if not, the phase, reason and message the run shows.
   *
   * @param open pods may run
   * @param createWorkload the Workload does not exist yet: create it
   */
  public record Verdict(
      boolean open, boolean createWorkload, Phase phase, String reason, String message) {
    static final Verdict OPEN = new Verdict(true, false, null, null, null);
  }

  /**
   * @param k the Workload as observed
   * @param started whether an earlier admission already ran pods (then a closed gate is shown as
   *     Suspended, not Pending)
   */
  public static Verdict check(KueueState k, boolean started) {
    if (k.foreignOwner() != null) {
      return new Verdict(
          false,
          false,
          Phase.PENDING,
          "WaitingForForeignWorkload",
          "Workload "
              + k.workload()
              + " belongs to an earlier incarnation of this run (owner UID "
              + (k.foreignOwner().isEmpty() ? "none" : k.foreignOwner())
              + "); waiting for it to be deleted");
    }
    if (k.unreadable() != null) {
      return new Verdict(
          false,
          false,
          started ? Phase.SUSPENDED : Phase.PENDING,
          "KueueForbidden",
          k.unreadable());
    }
    if (!k.exists()) {
      return new Verdict(
          false,
          true,
          started ? Phase.SUSPENDED : Phase.PENDING,
          "WaitingForAdmission",
          "created Workload " + k.workload() + " in LocalQueue " + k.queue());
    }
    if (k.evicted() != null) {
      String why = k.evicted().reason();
      return new Verdict(
          false,
          false,
          Phase.SUSPENDED,
          "Preempted".equals(why) ? "Preempted" : "Evicted",
          "evicted by Kueue ("
              + why
              + (k.evicted().message().isEmpty() ? "" : ": " + k.evicted().message())
              + "); pods are stopped (the trainer checkpoints on SIGTERM) and the run resumes"
              + " from its last checkpoint when Kueue admits it again");
    }
    if (!k.admitted()) {
      return new Verdict(
          false,
          false,
          started ? Phase.SUSPENDED : Phase.PENDING,
          "WaitingForAdmission",
          "waiting for Kueue to admit Workload "
              + k.workload()
              + " (LocalQueue "
              + k.queue()
              + ")"
              + (k.pending().isEmpty() ? "" : ": " + k.pending()));
    }
    return Verdict.OPEN;
  }
}
