package io.sarmae.operator.plan;

/**
 * A reason a run may not start pods yet, reported as its own condition (for example {@code
 * WaitingForPretrain}: a fine-tune waits for its pretraining and resolves the weights to start
 * from). A gate a pass did not look at keeps its previous condition.
 *
 * @param condition the condition type that reports this gate
 * @param closed true while the gate holds the run back
 * @param reason the condition's reason
 * @param message the condition's message
 */
public record Gate(String condition, boolean closed, String reason, String message) {

  /** What a kind's gates decide before a pod group starts. */
  public sealed interface Decision {}

  /**
   * Pods may start.
   *
   * @param weights the pretrained weights the run starts from; null when the kind needs none
   * @param gate the gate as seen in this pass; null when the pass did not look at it
   */
  public record Open(io.sarmae.operator.api.v1alpha1.WeightsRef weights, Gate gate)
      implements Decision {}

  /**
   * The run waits, pending, and looks again after the wait interval.
   *
   * @param runReason the run's reason while it waits
   */
  public record Wait(String runReason, Gate gate) implements Decision {}

  /**
   * The run can never start: it fails.
   *
   * @param runReason the run's failure reason
   * @param runMessage the run's failure message
   */
  public record Fail(String runReason, String runMessage, Gate gate) implements Decision {}
}
