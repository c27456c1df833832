package io.sarmae.sandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sarmae.operator.kueue.Workloads;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal Kueue for the sandbox: one ClusterQueue per namespace whose only quota is CPU, set by
 * the ConfigMap {@code sandbox-kueue} (key {@code cpu}, in cores) of that namespace; without it a
 * namespace has no Kueue and its Workloads stay pending with a message saying so. It writes
 * Workload status as Kueue's scheduler does: quota reservation and admission with the flavor
 * {@value #FLAVOR} (StrictFIFO by priority, then creation), preemption of lower-priority admitted
 * Workloads (Evicted and Preempted), eviction of a deactivated Workload ({@code spec.active:
 * false}), and no quota for Finished Workloads. Not emulated: cohorts, borrowing, several flavors
 * or resources, admission checks, LocalQueue objects (any queue name goes to the namespace's
 * ClusterQueue), requeue backoff, waitForPodsReady.
 */
final class KueueEmulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KueueEmulator.class);
  static final String QUOTA_CONFIG_MAP = "sandbox-kueue";
  static final String FLAVOR = "sandbox-default";
  static final String FLAVOR_LABEL = "sandbox.sarmae.io/flavor";

  private final KubernetesClient client;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sandbox-kueue");
            t.setDaemon(true);
            return t;
          });

  KueueEmulator(KubernetesClient client) {
    this.client = client;
  }

  KueueEmulator start(long periodMillis) {
    GenericKubernetesResource flavor =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(Workloads.API_VERSION)
            .withKind("ResourceFlavor")
            .withNewMetadata()
            .withName(FLAVOR)
            .endMetadata()
            .withAdditionalProperties(
                Map.of("spec", Map.of("nodeLabels", Map.of(FLAVOR_LABEL, "default"))))
            .build();
    client.genericKubernetesResources(Workloads.FLAVORS).resource(flavor).createOr(x -> x.update());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            schedule();
          } catch (RuntimeException e) {
            LOG.debug("kueue emulation pass: {}", e.toString());
          }
        },
        periodMillis,
        periodMillis,
        TimeUnit.MILLISECONDS);
    return this;
  }

  /** One scheduling pass over every namespace. */
  synchronized void schedule() {
    Map<String, List<GenericKubernetesResource>> byNamespace = new LinkedHashMap<>();
    for (GenericKubernetesResource w :
        client.genericKubernetesResources(Workloads.WORKLOADS).inAnyNamespace().list().getItems()) {
      byNamespace.computeIfAbsent(w.getMetadata().getNamespace(), n -> new ArrayList<>()).add(w);
    }
    byNamespace.forEach(this::schedule);
  }

  private void schedule(String namespace, List<GenericKubernetesResource> workloads) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(QUOTA_CONFIG_MAP).get();
    String cpu = cm == null || cm.getData() == null ? null : cm.getData().get("cpu");
    List<GenericKubernetesResource> live =
        workloads.stream().filter(w -> !isTrue(w, "Finished")).toList();
    BigDecimal used = BigDecimal.ZERO;
    for (GenericKubernetesResource w : live) {
      if (admission(w) != null) {
        used = used.add(cpu(w));
        if (!Boolean.FALSE.equals(spec(w).get("active")) || isTrue(w, "Evicted")) {
          continue;
        }
        evict(w, "Deactivated", "The workload is deactivated");
      }
    }
    List<GenericKubernetesResource> pending =
        live.stream()
            .filter(w -> admission(w) == null && !Boolean.FALSE.equals(spec(w).get("active")))
            .sorted(
                Comparator.comparingInt(KueueEmulator::priority)
                    .reversed()
                    .thenComparing(w -> w.getMetadata().getCreationTimestamp()))
            .toList();
    for (GenericKubernetesResource w : pending) {
      if (cpu == null) {
        pending(
            w,
            "no ClusterQueue: the sandbox admits a namespace's Workloads once its ConfigMap "
                + QUOTA_CONFIG_MAP
                + " sets a cpu quota");
        return;
      }
      BigDecimal quota = Quantity.getAmountInBytes(new Quantity(cpu));
      BigDecimal need = cpu(w);
      if (used.add(need).compareTo(quota) <= 0) {
        admit(w, namespace);
        used = used.add(need);
        continue;
      }
      // Preempt lower-priority admitted Workloads, the lowest and newest first, if that is enough.
      List<GenericKubernetesResource> victims =
          live.stream()
              .filter(v -> admission(v) != null && priority(v) < priority(w))
              .sorted(
                  Comparator.comparingInt(KueueEmulator::priority)
                      .thenComparing(
                          v -> v.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()))
              .toList();
      BigDecimal free = quota.subtract(used);
      List<GenericKubernetesResource> chosen = new ArrayList<>();
      for (GenericKubernetesResource v : victims) {
        if (free.compareTo(need) >= 0) {
          break;
        }
        chosen.add(v);
        free = free.add(cpu(v));
      }
      if (free.compareTo(need) >= 0 && !chosen.isEmpty()) {
        for (GenericKubernetesResource v : chosen) {
          if (!isTrue(v, "Evicted")) {
            evict(
                v,
                "Preempted",
                "Preempted to accommodate a workload (UID: "
                    + w.getMetadata().getUid()
                    + ") due to prioritization in the ClusterQueue");
          }
        }
      }
      pending(
          w,
          "couldn't assign flavors to pod set "
              + Workloads.POD_SET
              + ": insufficient unused quota for cpu in flavor "
              + FLAVOR
              + ", "
              + used.add(need).subtract(quota).stripTrailingZeros().toPlainString()
              + " more needed");
      return; // StrictFIFO: the head blocks the queue
    }
  }

  private void admit(GenericKubernetesResource w, String namespace) {
    int count = ((Number) podSet(w).get("count")).intValue();
    Map<String, Object> admission = new LinkedHashMap<>();
    admission.put("clusterQueue", namespace);
    admission.put(
        "podSetAssignments",
        List.of(
            Map.of(
                "name",
                Workloads.POD_SET,
                "count",
                count,
                "flavors",
                Map.of("cpu", FLAVOR, "memory", FLAVOR))));
    update(
        w,
        st -> {
          st.put("admission", admission);
          condition(
              st,
              w,
              "QuotaReserved",
              true,
              "QuotaReserved",
              "Quota reserved in ClusterQueue " + namespace);
          condition(st, w, "Admitted", true, "Admitted", "The workload is admitted");
          resetIfTrue(st, w, "Evicted");
          resetIfTrue(st, w, "Preempted");
        });
    LOG.info("kueue: admitted {}/{}", namespace, w.getMetadata().getName());
  }

  private void evict(GenericKubernetesResource w, String reason, String message) {
    update(
        w,
        st -> {
          condition(st, w, "Evicted", true, reason, message);
          if ("Preempted".equals(reason)) {
            condition(st, w, "Preempted", true, "InClusterQueue", message);
          }
        });
    LOG.info(
        "kueue: evicted {}/{} ({})",
        w.getMetadata().getNamespace(),
        w.getMetadata().getName(),
        reason);
  }

  private void pending(GenericKubernetesResource w, String message) {
    Map<String, Object> c = find(status(w), "QuotaReserved");
    if (c != null && "False".equals(c.get("status")) && message.equals(c.get("message"))) {
      return;
    }
    update(w, st -> condition(st, w, "QuotaReserved", false, "Pending", message));
  }

  private void update(
      GenericKubernetesResource w, java.util.function.Consumer<Map<String, Object>> change) {
    Map<String, Object> st = new LinkedHashMap<>(status(w));
    change.accept(st);
    w.getAdditionalProperties().put("status", st);
    try {
      client
          .genericKubernetesResources(Workloads.WORKLOADS)
          .inNamespace(w.getMetadata().getNamespace())
          .resource(w)
          .updateStatus();
    } catch (KubernetesClientException e) {
      LOG.debug("kueue: {} changed meanwhile: {}", w.getMetadata().getName(), e.getCode());
    }
  }

  @SuppressWarnings("unchecked")
  private static void condition(
      Map<String, Object> st,
      GenericKubernetesResource w,
      String type,
      boolean value,
      String reason,
      String message) {
    List<Map<String, Object>> list = new ArrayList<>();
    Object old = st.get("conditions");
    if (old instanceof List<?> l) {
      l.forEach(c -> list.add(new LinkedHashMap<>((Map<String, Object>) c)));
    }
    Map<String, Object> c =
        list.stream().filter(x -> type.equals(x.get("type"))).findFirst().orElse(null);
    String status = value ? "True" : "False";
    if (c == null) {
      c = new LinkedHashMap<>();
      c.put("type", type);
      list.add(c);
    }
    if (!status.equals(c.get("status"))) {
      c.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
    c.put("status", status);
    c.put("reason", reason);
    c.put("message", message);
    c.put("observedGeneration", w.getMetadata().getGeneration());
    st.put("conditions", list);
  }

  private static void resetIfTrue(
      Map<String, Object> st, GenericKubernetesResource w, String type) {
    Map<String, Object> c = find(st, type);
    if (c != null && "True".equals(c.get("status"))) {
      condition(st, w, type, false, "QuotaReserved", "Previously: " + c.get("message"));
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> status(GenericKubernetesResource w) {
    Object s = w.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource w) {
    Object s = w.getAdditionalProperties().get("spec");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> find(Map<String, Object> status, String type) {
    Object list = status.get("conditions");
    if (!(list instanceof List<?> l)) {
      return null;
    }
    for (Object c : l) {
      if (type.equals(((Map<String, Object>) c).get("type"))) {
        return (Map<String, Object>) c;
      }
    }
    return null;
  }

  static boolean isTrue(GenericKubernetesResource w, String type) {
    Map<String, Object> c = find(status(w), type);
    return c != null && "True".equals(c.get("status"));
  }

  static Object admission(GenericKubernetesResource w) {
    return status(w).get("admission");
  }

  static int priority(GenericKubernetesResource w) {
    return spec(w).get("priority") instanceof Number n ? n.intValue() : 0;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> podSet(GenericKubernetesResource w) {
    return (Map<String, Object>) ((List<?>) spec(w).get("podSets")).get(0);
  }

  /** CPU requests of every pod of the Workload: count x the containers' requests. */
  @SuppressWarnings("unchecked")
  static BigDecimal cpu(GenericKubernetesResource w) {
    BigDecimal total = BigDecimal.ZERO;
    for (Object o : (List<?>) spec(w).get("podSets")) {
      Map<String, Object> ps = (Map<String, Object>) o;
      Map<String, Object> template = (Map<String, Object>) ps.get("template");
      Map<String, Object> podSpec = (Map<String, Object>) template.get("spec");
      BigDecimal pod = BigDecimal.ZERO;
      for (Object c : (List<?>) podSpec.getOrDefault("containers", List.of())) {
        Map<String, Object> res =
            (Map<String, Object>) ((Map<String, Object>) c).getOrDefault("resources", Map.of());
        Map<String, Object> req = (Map<String, Object>) res.getOrDefault("requests", Map.of());
        Object v = req.get("cpu");
        if (v != null) {
          pod = pod.add(Quantity.getAmountInBytes(new Quantity(v.toString())));
        }
      }
      total = total.add(pod.multiply(BigDecimal.valueOf(((Number) ps.get("count")).longValue())));
    }
    return total;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
