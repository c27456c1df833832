package io.sarmae.operator.kueue;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.Phase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Kueue gate and the Workload status writes as tables of cases (pure, no cluster). */
class AdmissionGateTest {

  static KueueState state(
      boolean exists,
      boolean admitted,
      KueueState.Reason evicted,
      boolean finished,
      boolean quota) {
    return new KueueState(
        "sarmaepretrain-a",
        "team-a",
        exists,
        null,
        admitted,
        evicted,
        finished,
        quota,
        "no quota",
        admitted ? "cq" : null,
        admitted ? Map.of("cpu", "f") : Map.of(),
        Placement.NONE,
        null,
        null,
        null);
  }

  static final KueueState.Reason PREEMPTED = new KueueState.Reason("Preempted", "by w2");

  @Test
  void theGateOpensOnlyOnAnAdmittedWorkloadThatIsNotEvicted() {
    var absent = AdmissionGate.check(state(false, false, null, false, false), false);
    assertThat(absent.open()).isFalse();
    assertThat(absent.createWorkload()).isTrue();
    assertThat(absent.phase()).isEqualTo(Phase.PENDING);

    var waiting = AdmissionGate.check(state(true, false, null, false, false), false);
    assertThat(waiting.reason()).isEqualTo("WaitingForAdmission");
    assertThat(waiting.message()).endsWith(": no quota");
    assertThat(AdmissionGate.check(state(true, false, null, false, false), true).phase())
        .as("a run that ran before is shown suspended")
        .isEqualTo(Phase.SUSPENDED);

    var evicted = AdmissionGate.check(state(true, true, PREEMPTED, false, true), true);
    assertThat(evicted.open()).isFalse();
    assertThat(evicted.phase()).isEqualTo(Phase.SUSPENDED);
    assertThat(evicted.reason()).isEqualTo("Preempted");
    assertThat(evicted.message()).contains("Preempted: by w2", "last checkpoint");
    var deactivated =
        AdmissionGate.check(
            state(true, true, new KueueState.Reason("Deactivated", ""), false, true), true);
    assertThat(deactivated.reason()).isEqualTo("Evicted");

    assertThat(AdmissionGate.check(state(true, true, null, false, true), false).open()).isTrue();

    var forbidden =
        AdmissionGate.check(state(true, true, null, false, true).unreadable("no RBAC"), false);
    assertThat(forbidden.open()).isFalse();
    assertThat(forbidden.reason()).isEqualTo("KueueForbidden");
  }

  @Test
  void quotaIsReleasedOnlyAfterTheLastPodAndFinishedOnlyOnceTheRunEnds() {
    KueueState evicted = state(true, true, PREEMPTED, false, true);
    assertThat(WorkloadSync.next(evicted, Phase.SUSPENDED, true))
        .as("pods still stopping")
        .isEqualTo(WorkloadSync.Update.NONE);
    assertThat(WorkloadSync.next(evicted, Phase.SUSPENDED, false))
        .isEqualTo(WorkloadSync.Update.RELEASE_QUOTA);
    assertThat(
            WorkloadSync.next(state(true, false, PREEMPTED, false, false), Phase.SUSPENDED, false))
        .as("already released")
        .isEqualTo(WorkloadSync.Update.NONE);
    KueueState admitted = state(true, true, null, false, true);
    assertThat(WorkloadSync.next(admitted, Phase.RUNNING, true))
        .isEqualTo(WorkloadSync.Update.NONE);
    assertThat(WorkloadSync.next(admitted, Phase.SUCCEEDED, true))
        .isEqualTo(WorkloadSync.Update.FINISH);
    assertThat(WorkloadSync.next(admitted, Phase.FAILED, false))
        .isEqualTo(WorkloadSync.Update.FINISH);
    assertThat(WorkloadSync.next(state(true, true, null, true, true), Phase.SUCCEEDED, false))
        .isEqualTo(WorkloadSync.Update.NONE);
    assertThat(WorkloadSync.next(null, Phase.SUCCEEDED, false)).isEqualTo(WorkloadSync.Update.NONE);
  }
}
