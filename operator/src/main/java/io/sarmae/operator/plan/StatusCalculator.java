package io.sarmae.operator.plan;

import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.resources.PodSizing;
import java.util.ArrayList;
import java.util.List;

/**
 * Describes a verdict: the phase, reason and conditions of the status, and the events that go with
 * their changes. Pure: the same verdict on the same previous status gives the same status.
 */
final class StatusCalculator {
  private StatusCalculator() {}

  /**
   * The plan of a pass.
   *
   * @param context the pass's inputs
   * @param status the drafted status; its phase, reason and conditions are set here
   * @param verdict what the decision concluded
   */
  static Plan plan(Context context, SarmaeJobStatus status, Verdict verdict) {
    if (verdict.keepConditions()) {
      return new Plan(verdict.actions(), status, verdict.requeue(), List.of());
    }
    SarmaeJobStatus previous = context.previous();
    Phase phase = verdict.phase();
    String reason = verdict.reason();
    String message = verdict.message();
    String rejected = verdict.rejected();
    Verdict.ConditionValue stalled = verdict.stalled();
    List<Plan.Event> events = new ArrayList<>(verdict.events());
    status.setPhase(phase);
    status.setReason(reason);
    if (phase != Phase.RUNNING) {
      ProgressMapper.quiesce(status.getProgress());
    }
    Conditions conditions =
        Conditions.from(previous.getConditions(), context.nowText(), context.generation());
    boolean ready = phase == Phase.RUNNING || phase == Phase.SUCCEEDED;
    boolean reconciling = phase == Phase.PENDING || phase == Phase.RESTARTING;
    conditions.set(Conditions.READY, ready, reason, message);
    conditions.set(
        Conditions.RECONCILING, reconciling && stalled == null, reason, reconciling ? message : "");
    if (phase == Phase.FAILED) {
      conditions.set(Conditions.STALLED, true, reason, message);
    } else if (stalled != null) {
      conditions.set(Conditions.STALLED, true, stalled.reason(), stalled.message());
    } else {
      conditions.set(Conditions.STALLED, false, "Progressing", "");
    }
    Verdict.ConditionValue scheduled = verdict.scheduled();
    if (scheduled != null) {
      conditions.set(
          Conditions.SCHEDULED, scheduled.status(), scheduled.reason(), scheduled.message());
    } else if (Conditions.find(previous.getConditions(), Conditions.SCHEDULED) != null) {
      conditions.keep(Conditions.SCHEDULED);
    } else {
      conditions.set(Conditions.SCHEDULED, false, "NoPods", "no pods yet");
    }
    conditions.set(
        Conditions.RUNNING,
        phase == Phase.RUNNING,
        phase == Phase.RUNNING ? "Training" : phaseName(phase),
        "");
    conditions.set(
        Conditions.SUCCEEDED,
        phase == Phase.SUCCEEDED,
        phase == Phase.SUCCEEDED ? "Succeeded" : phaseName(phase),
        phase == Phase.SUCCEEDED ? message : "");
    conditions.set(
        Conditions.FAILED,
        phase == Phase.FAILED,
        phase == Phase.FAILED ? reason : phaseName(phase),
        phase == Phase.FAILED ? message : "");
    conditions.set(
        Conditions.SUSPENDED,
        phase == Phase.SUSPENDED,
        phase == Phase.SUSPENDED ? "Suspended" : "NotSuspended",
        phase == Phase.SUSPENDED ? message : "");
    conditions.set(
        Conditions.SPEC_ACCEPTED,
        rejected == null,
        rejected == null ? "Accepted" : "SpecRejected",
        rejected == null ? "" : rejected);
    var wasAccepted = Conditions.find(previous.getConditions(), Conditions.SPEC_ACCEPTED);
    if (rejected != null && (wasAccepted == null || !"False".equals(wasAccepted.getStatus()))) {
      events.add(new Plan.Event(true, "SpecRejected", rejected));
    }
    Gate gate = verdict.gate();
    for (String type : context.kind().gateConditions()) {
      if (gate != null && type.equals(gate.condition())) {
        conditions.set(type, gate.closed(), gate.reason(), gate.message());
      } else if (Conditions.find(previous.getConditions(), type) != null) {
        conditions.keep(type);
      }
    }
    if (context.observed().kueue() != null) {
      KueueGate.describe(context.observed().kueue(), previous, status, conditions, events);
    }
    var wasStalled = Conditions.find(previous.getConditions(), Conditions.STALLED);
    if (stalled != null
        && (wasStalled == null
            || !"True".equals(wasStalled.getStatus())
            || !stalled.reason().equals(wasStalled.getReason()))) {
      events.add(new Plan.Event(true, stalled.reason(), stalled.message()));
    }
    String memory = PodSizing.memoryWarning(context.spec());
    if (memory != null) {
      conditions.set(
          Conditions.MEMORY_BELOW_ESTIMATE, true, Conditions.MEMORY_BELOW_ESTIMATE, memory);
      if (Conditions.find(previous.getConditions(), Conditions.MEMORY_BELOW_ESTIMATE) == null) {
        events.add(new Plan.Event(true, Conditions.MEMORY_BELOW_ESTIMATE, memory));
      }
    }
    status.setConditions(conditions.build());
    if (previous.getPhase() != phase) {
      boolean warning = phase == Phase.FAILED || phase == Phase.RESTARTING;
      events.add(new Plan.Event(warning, reason, phaseName(phase) + ": " + message));
    }
    return new Plan(verdict.actions(), status, verdict.requeue(), List.copyOf(events));
  }

  /** The phase as a condition reason; "Unknown" before the first phase. */
  static String phaseName(Phase phase) {
    return phase == null ? "Unknown" : phase.wireName();
  }
}
