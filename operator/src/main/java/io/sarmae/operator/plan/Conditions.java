package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the conditions list: one entry per type, in a fixed order, keeping {@code
 * lastTransitionTime} while the status stays the same so that repeated passes write nothing.
 */
public final class Conditions {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String SCHEDULED = "Scheduled";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";
  public static final String SUSPENDED = "Suspended";
  public static final String SPEC_ACCEPTED = "SpecAccepted";
  public static final String WAITING_FOR_PRETRAIN = "WaitingForPretrain";

  /**
   * Only on a run queued through Kueue: its Workload is admitted (see io.sarmae.operator.kueue).
   */
  public static final String ADMITTED = "Admitted";

  /** Present (True) only while resources.limits.memory is below the run's memory estimate. */
  public static final String MEMORY_BELOW_ESTIMATE = "MemoryBelowEstimate";

  private final List<Condition> previous;
  private final List<Condition> next = new ArrayList<>();
  private final String now;
  private final Long generation;

  private Conditions(List<Condition> previous, String now, Long generation) {
    this.previous = previous == null ? List.of() : previous;
    this.now = now;
    this.generation = generation;
  }

  public static Conditions from(List<Condition> previous, String now, Long generation) {
    return new Conditions(previous, now, generation);
  }

  public static Condition find(List<Condition> list, String type) {
    if (list == null) {
      return null;
    }
    return list.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  public static boolean isTrue(List<Condition> list, String type) {
    Condition c = find(list, type);
    return c != null && "True".equals(c.getStatus());
  }

  public Conditions set(String type, boolean status, String reason, String message) {
    String value = status ? "True" : "False";
    Condition old = find(previous, type);
    String since = old != null && value.equals(old.getStatus()) ? old.getLastTransitionTime() : now;
    Condition c = new Condition();
    c.setType(type);
    c.setStatus(value);
    c.setReason(reason);
    c.setMessage(message == null ? "" : message);
    c.setLastTransitionTime(since == null ? now : since);
    c.setObservedGeneration(generation);
    next.add(c);
    return this;
  }

  /** Keeps the previous condition of this type unchanged, if there is one. */
  public Conditions keep(String type) {
    Condition old = find(previous, type);
    if (old != null) {
      Condition c = new Condition();
      c.setType(old.getType());
      c.setStatus(old.getStatus());
      c.setReason(old.getReason());
      c.setMessage(old.getMessage());
      c.setLastTransitionTime(old.getLastTransitionTime());
      c.setObservedGeneration(generation);
      next.add(c);
    }
    return this;
  }

  public List<Condition> build() {
    return List.copyOf(next);
  }
}
