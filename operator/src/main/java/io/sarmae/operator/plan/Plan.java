package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of planning one pass: writes to children, the complete desired status, when to look
 * again, and the events to record.
 *
 * @param actions writes, in order
 * @param status the whole status the resource should have after this pass
 * @param requeueAfter when to reconcile again without an event; null for never
 * @param events events to record (phase transitions, invalid spec)
 */
public record Plan(
    List<Action> actions, SarmaeJobStatus status, Duration requeueAfter, List<Event> events) {

  /** A write to the cluster. */
  public sealed interface Action {}

  /** Create a child; "already exists" counts as success. */
  public record Create(HasMetadata object) implements Action {}

  /** Delete pods (the trainer gets SIGTERM and checkpoints); "not found" counts as success. */
  public record DeletePods(List<String> names, String why) implements Action {}

  /** Delete the run itself ({@code ttlSecondsAfterFinished}); children go by owner references. */
  public record DeleteResource() implements Action {}

  /** An event on the run. */
  public record Event(boolean warning, String reason, String message) {}
}
