package io.sarmae.operator.plan;

import io.sarmae.operator.api.v1alpha1.Phase;
import java.time.Duration;
import java.util.List;

/**
 * What the lifecycle decision concluded in one pass; the status calculator turns it into conditions
 * and events.
 *
 * @param phase the run's phase
 * @param reason the run's reason (status.reason and the reason of most conditions)
 * @param message the human explanation of the phase
 * @param scheduled the Scheduled condition; null when this pass did not look at the pods'
 *     scheduling
 * @param stalled why the run is stuck although not failed; null when it is not
 * @param gate the kind's gate as seen in this pass; null when the pass did not look at it
 * @param rejected why the current generation's spec is rejected; null when it is accepted
 * @param keepConditions true for a finished run: its phase and conditions stay as they are
 * @param actions writes, in order
 * @param events events decided so far (the status calculator adds transitions)
 * @param requeue when to look again without an event; null for never
 */
public record Verdict(
    Phase phase,
    String reason,
    String message,
    ConditionValue scheduled,
    ConditionValue stalled,
    Gate gate,
    String rejected,
    boolean keepConditions,
    List<Plan.Action> actions,
    List<Plan.Event> events,
    Duration requeue) {

  public Verdict {
    actions = List.copyOf(actions);
    events = List.copyOf(events);
  }

  /** The status, reason and message of one condition. */
  public record ConditionValue(boolean status, String reason, String message) {}
}
