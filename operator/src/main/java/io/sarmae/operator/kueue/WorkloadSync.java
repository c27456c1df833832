package io.sarmae.operator.kueue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.api.v1alpha1.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two Workload status writes that Kueue's job framework makes for the jobs it knows, made here
 * for a run: give the quota back once an evicted run's pods are gone (QuotaReserved False,
 * admission cleared, Admitted False, Requeued), and mark the Workload Finished when the run ends,
 * which releases its quota.
 */
public final class WorkloadSync {
  private WorkloadSync() {}

  /** A status write to make, or none. */
  public enum Update {
    NONE,
    RELEASE_QUOTA,
    FINISH
  }

  /**
   * What to write after a pass (pure).
   *
   * @param k the Workload as observed before the pass, or null for a run not queued
   * @param phase the run's phase after the pass
   * @param podsLeft whether any pod of the run still exists (terminating ones included)
   */
  public static Update next(KueueState k, Phase phase, boolean podsLeft) {
    if (k == null || !k.exists() || k.foreignOwner() != null) {
      return Update.NONE;
    }
    if ((phase == Phase.SUCCEEDED || phase == Phase.FAILED) && !k.finished()) {
      return Update.FINISH;
    }
    if (k.evicted() != null && k.quotaReserved() && !podsLeft) {
      return Update.RELEASE_QUOTA;
    }
    return Update.NONE;
  }

  /** Makes the write (an update of the Workload's status, so a concurrent change conflicts). */
  @SuppressWarnings("unchecked")
  public static void apply(
      KubernetesClient client,
      KueueState k,
      Update update,
      Phase phase,
      String message,
      Instant now) {
    if (update == Update.NONE) {
      return;
    }
    GenericKubernetesResource wl = k.raw();
    Map<String, Object> status =
        new LinkedHashMap<>(
            (Map<String, Object>) wl.getAdditionalProperties().getOrDefault("status", Map.of()));
    List<Map<String, Object>> conditions = new ArrayList<>();
    Object old = status.get("conditions");
    if (old instanceof List<?> l) {
      l.forEach(c -> conditions.add(new LinkedHashMap<>((Map<String, Object>) c)));
    }
    String time = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    Long generation = wl.getMetadata().getGeneration();
    if (update == Update.FINISH) {
      set(
          conditions,
          "Finished",
          true,
          phase == Phase.SUCCEEDED ? "Succeeded" : "Failed",
          message,
          time,
          generation);
    } else {
      KueueState.Reason ev = k.evicted();
      boolean requeued = "Preempted".equals(ev.reason()) || "NodeFailures".equals(ev.reason());
      set(conditions, "Requeued", requeued, ev.reason(), ev.message(), time, generation);
      set(conditions, "QuotaReserved", false, "Pending", ev.message(), time, generation);
      var admitted = conditions.stream().filter(c -> "Admitted".equals(c.get("type"))).findFirst();
      if (admitted.isPresent()) {
        set(
            conditions,
            "Admitted",
            false,
            "NoReservation",
            "The workload has no reservation",
            time,
            generation);
      }
      status.remove("admission");
    }
    status.put("conditions", conditions);
    wl.getAdditionalProperties().put("status", status);
    client
        .genericKubernetesResources(Workloads.WORKLOADS)
        .inNamespace(wl.getMetadata().getNamespace())
        .resource(wl)
        .updateStatus();
  }

  /** Sets a condition as metav1.Condition semantics want: the time moves only on a change. */
  static void set(
      List<Map<String, Object>> conditions,
      String type,
      boolean value,
      String reason,
      String message,
      String time,
      Long generation) {
    String status = value ? "True" : "False";
    Map<String, Object> c =
        conditions.stream().filter(x -> type.equals(x.get("type"))).findFirst().orElse(null);
    if (c == null) {
      c = new LinkedHashMap<>();
      c.put("type", type);
      conditions.add(c);
    }
    if (!status.equals(c.get("status"))) {
      c.put("lastTransitionTime", time);
    }
    c.put("status", status);
    c.put("reason", reason == null || reason.isEmpty() ? "Unknown" : reason);
    c.put(
        "message",
        message == null ? "" : message.length() > 32768 ? message.substring(0, 32768) : message);
    if (generation != null) {
      c.put("observedGeneration", generation);
    }
  }
}
