package io.sarmae.operator.kueue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the operator saw of a queued run's Workload in one pass (pure data, read by the planner).
 *
 * @param workload the Workload's name
 * @param queue the run's LocalQueue
 * @param exists whether the Workload exists
 * @param foreignOwner the controller UID of a Workload of that name owned by another incarnation of
 *     the run (it is garbage collected with its owner), or null
 * @param admitted condition Admitted is True (quota reserved and every admission check ready)
 * @param evicted condition Evicted while it is True, else null
 * @param finished condition Finished is True
 * @param quotaReserved status.admission is set (Kueue holds quota for the run)
 * @param pending why Kueue does not admit yet (message of QuotaReserved or Admitted), or ""
 * @param clusterQueue the admitting ClusterQueue, or null
 * @param flavors resource name to ResourceFlavor name of the admission
 * @param placement what the admission adds to the pods
 * @param priority the value of the run's WorkloadPriorityClass, resolved to create the Workload
 * @param raw the Workload as read, for status updates; null when absent
 * @param unreadable why an object the admission names could not be read (RBAC), or null
 */
public record KueueState(
    String workload,
    String queue,
    boolean exists,
    String foreignOwner,
    boolean admitted,
    Reason evicted,
    boolean finished,
    boolean quotaReserved,
    String pending,
    String clusterQueue,
    Map<String, String> flavors,
    Placement placement,
    Integer priority,
    GenericKubernetesResource raw,
    String unreadable) {

  /** Reason and message of a Workload condition. */
  public record Reason(String reason, String message) {}

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** No Workload yet. */
  public static KueueState absent(String workload, String queue, Integer priority) {
    return new KueueState(
        workload,
        queue,
        false,
        null,
        false,
        null,
        false,
        false,
        "",
        null,
        Map.of(),
        Placement.NONE,
        priority,
        null,
        null);
  }

  /** The same state, with an object it needs that the operator may not read. */
  public KueueState unreadable(String why) {
    return new KueueState(
        workload,
        queue,
        exists,
        foreignOwner,
        admitted,
        evicted,
        finished,
        quotaReserved,
        pending,
        clusterQueue,
        flavors,
        placement,
        priority,
        raw,
        why);
  }

  /** Whether pods may run: admitted and not being evicted. */
  public boolean open() {
    return exists && foreignOwner == null && admitted && evicted == null && !finished;
  }

  /**
   * Reads a Workload.
   *
   * @param wl the Workload
   * @param runUid the run's UID (a Workload controlled by another UID is foreign)
   * @param flavorObjects the ResourceFlavors its admission names, by name (missing ones are
   *     skipped)
   */
  public static KueueState of(
      GenericKubernetesResource wl,
      String runUid,
      String queue,
      Map<String, GenericKubernetesResource> flavorObjects) {
    JsonNode root = JSON.convertValue(wl, JsonNode.class);
    String owner = null;
    for (JsonNode ref : root.path("metadata").path("ownerReferences")) {
      if (ref.path("controller").asBoolean(false)) {
        owner = ref.path("uid").asText(null);
      }
    }
    String foreign = owner != null && owner.equals(runUid) ? null : owner == null ? "" : owner;
    JsonNode status = root.path("status");
    JsonNode admitted = condition(status, "Admitted");
    JsonNode evicted = condition(status, "Evicted");
    JsonNode finished = condition(status, "Finished");
    JsonNode reserved = condition(status, "QuotaReserved");
    JsonNode admission = status.path("admission");
    String pending = "";
    if (reserved != null && !"True".equals(reserved.path("status").asText())) {
      pending = reserved.path("message").asText("");
    } else if (admitted != null && !"True".equals(admitted.path("status").asText())) {
      pending = admitted.path("message").asText("");
    }
    Map<String, String> flavors = new TreeMap<>();
    Map<String, String> nodeSelector = new LinkedHashMap<>();
    List<Toleration> tolerations = new ArrayList<>();
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, String> annotations = new LinkedHashMap<>();
    for (JsonNode psa : admission.path("podSetAssignments")) {
      if (!Workloads.POD_SET.equals(psa.path("name").asText())) {
        continue;
      }
      psa.path("flavors")
          .fields()
          .forEachRemaining(e -> flavors.put(e.getKey(), e.getValue().asText()));
    }
    for (String flavor : new java.util.TreeSet<>(flavors.values())) {
      GenericKubernetesResource rf = flavorObjects.get(flavor);
      if (rf == null) {
        continue;
      }
      JsonNode spec = JSON.convertValue(rf, JsonNode.class).path("spec");
      nodeSelector.putAll(strings(spec.path("nodeLabels")));
      addTolerations(tolerations, spec.path("tolerations"));
    }
    for (JsonNode check : status.path("admissionChecks")) {
      for (JsonNode u : check.path("podSetUpdates")) {
        if (!Workloads.POD_SET.equals(u.path("name").asText())) {
          continue;
        }
        labels.putAll(strings(u.path("labels")));
        annotations.putAll(strings(u.path("annotations")));
        nodeSelector.putAll(strings(u.path("nodeSelector")));
        addTolerations(tolerations, u.path("tolerations"));
      }
    }
    return new KueueState(
        wl.getMetadata().getName(),
        queue,
        true,
        foreign,
        isTrue(admitted),
        isTrue(evicted)
            ? new Reason(evicted.path("reason").asText(""), evicted.path("message").asText(""))
            : null,
        isTrue(finished),
        !admission.isMissingNode() && !admission.isNull(),
        pending,
        admission.path("clusterQueue").asText(null),
        java.util.Collections.unmodifiableMap(flavors),
        new Placement(
            Map.copyOf(nodeSelector),
            List.copyOf(tolerations),
            Map.copyOf(labels),
            Map.copyOf(annotations)),
        null,
        wl,
        null);
  }

  /** ResourceFlavor names of an admission (to fetch them before {@link #of}). */
  public static List<String> flavorNames(GenericKubernetesResource wl) {
    JsonNode root = JSON.convertValue(wl, JsonNode.class);
    List<String> names = new ArrayList<>();
    for (JsonNode psa : root.path("status").path("admission").path("podSetAssignments")) {
      psa.path("flavors")
          .forEach(
              f -> {
                if (!names.contains(f.asText())) {
                  names.add(f.asText());
                }
              });
    }
    return names;
  }

  static JsonNode condition(JsonNode status, String type) {
    for (JsonNode c : status.path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    return null;
  }

  static boolean isTrue(JsonNode condition) {
    return condition != null && "True".equals(condition.path("status").asText());
  }

  private static Map<String, String> strings(JsonNode obj) {
    Map<String, String> m = new LinkedHashMap<>();
    obj.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  private static void addTolerations(List<Toleration> into, JsonNode list) {
    for (JsonNode t : list) {
      Toleration tol = JSON.convertValue(t, Toleration.class);
      if (!into.contains(tol)) {
        into.add(tol);
      }
    }
  }
}
