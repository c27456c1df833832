package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.kueue.AdmissionGate;
import io.sarmae.operator.kueue.KueueAdmissionStatus;
import io.sarmae.operator.kueue.KueueState;
import io.sarmae.operator.kueue.Workloads;
import io.sarmae.operator.resources.Children;
import io.sarmae.operator.resources.Effective;
import java.util.List;

/**
 * The Kueue admission of a queued run, in the lifecycle (the rules are {@link AdmissionGate}'s):
 * creates the Workload when it is missing, keeps pods away while it is not admitted and stops them
 * when it is evicted. Unlike a kind's {@link Gate}, it applies to every kind, it acts on running
 * pods (an eviction stops them), and its condition, Admitted, is True when the gate is open; so it
 * sits next to spec.suspend rather than behind {@link KindStrategy}.
 */
final class KueueGate {
  private final Context context;
  private final Draft draft;

  KueueGate(Context context, Draft draft) {
    this.context = context;
    this.draft = draft;
  }

  /**
   * @return true when the run may not run pods in this pass (the draft then says why)
   */
  boolean holds(int attempt, List<Pod> live) {
    KueueState kueue = context.observed().kueue();
    SarmaeJobStatus status = draft.status;
    AdmissionGate.Verdict verdict = AdmissionGate.check(kueue, attempt > 0);
    if (verdict.open()) {
      return false;
    }
    if (verdict.createWorkload()) {
      // The pod set is the pod this run will create, so a fine-tune first resolves its weights.
      Gate.Decision decision = context.kind().open(context.observed(), status);
      if (decision instanceof Gate.Wait wait) {
        draft.gate(wait.gate());
        draft.outcome(
            io.sarmae.operator.api.v1alpha1.Phase.PENDING, wait.runReason(), wait.gate().message());
        draft.requeueIn(context.settings().waitInterval());
        return true;
      }
      if (decision instanceof Gate.Fail fail) {
        draft.gate(fail.gate());
        draft.fail(fail.runReason(), fail.runMessage());
        return true;
      }
      Gate.Open open = (Gate.Open) decision;
      draft.gate(open.gate());
      draft.act(
          new Plan.Create(
              Workloads.build(
                  context.resource(),
                  Children.pod(context.kind().trainerRun(open.weights()), 0, attempt + 1),
                  Effective.replicas(context.spec()),
                  kueue.priority())));
    }
    draft.deletePods(live, "not admitted by Kueue (" + verdict.reason() + ")");
    status.setStartTime(null);
    status.setNextRestartTime(null);
    draft.outcome(verdict.phase(), verdict.reason(), verdict.message());
    draft.requeueIn(context.settings().waitInterval());
    return true;
  }

  /** Condition Admitted, status.admission and the admission events of a queued run. */
  static void describe(
      KueueState kueue,
      SarmaeJobStatus previous,
      SarmaeJobStatus status,
      Conditions conditions,
      List<Plan.Event> events) {
    KueueAdmissionStatus.Result admission = KueueAdmissionStatus.of(kueue, previous);
    status.setAdmission(admission.admission());
    conditions.set(
        Conditions.ADMITTED, admission.admitted(), admission.reason(), admission.message());
    var was = Conditions.find(previous.getConditions(), Conditions.ADMITTED);
    boolean wasAdmitted = was != null && "True".equals(was.getStatus());
    if (was == null ? admission.admitted() : admission.admitted() != wasAdmitted) {
      events.add(new Plan.Event(!admission.admitted(), admission.reason(), admission.message()));
    }
  }
}
