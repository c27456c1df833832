package io.sarmae.operator.kueue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads what the planner needs about a queued run: its Workload, the ResourceFlavors of the
 * admission (their node labels and tolerations go to the pods) and, before the Workload exists, the
 * value of its WorkloadPriorityClass.
 */
public final class KueueObserver {
  private final KubernetesClient client;

  public KueueObserver(KubernetesClient client) {
    this.client = client;
  }

  /** The run's Kueue state, or null when the run is not queued through Kueue. */
  public KueueState observe(HasMetadata run) {
    String queue = Workloads.queue(run);
    if (queue == null) {
      return null;
    }
    String name = Workloads.name(run);
    GenericKubernetesResource wl =
        client
            .genericKubernetesResources(Workloads.WORKLOADS)
            .inNamespace(run.getMetadata().getNamespace())
            .withName(name)
            .get();
    if (wl == null) {
      try {
        return KueueState.absent(name, queue, priority(run));
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
          throw e;
        }
        return KueueState.absent(name, queue, null)
            .unreadable(forbidden("workloadpriorityclasses"));
      }
    }
    Map<String, GenericKubernetesResource> flavors = new LinkedHashMap<>();
    String unreadable = null;
    for (String f : KueueState.flavorNames(wl)) {
      try {
        GenericKubernetesResource rf =
            client.genericKubernetesResources(Workloads.FLAVORS).withName(f).get();
        if (rf != null) {
          flavors.put(f, rf);
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
          throw e;
        }
        unreadable = forbidden("resourceflavors");
      }
    }
    KueueState k = KueueState.of(wl, run.getMetadata().getUid(), queue, flavors);
    return unreadable == null ? k : k.unreadable(unreadable);
  }

  /** Namespace-mode installs create no cluster-scoped RBAC (docs/operator.md, "Kueue"). */
  static String forbidden(String resource) {
    return "the operator may not get kueue.x-k8s.io "
        + resource
        + " (cluster-scoped): grant it get on them with a ClusterRole (the chart does in"
        + " rbac.scope=cluster)";
  }

  private Integer priority(HasMetadata run) {
    String cls = Workloads.priorityClass(run);
    if (cls == null) {
      return null;
    }
    GenericKubernetesResource wpc =
        client.genericKubernetesResources(Workloads.PRIORITY_CLASSES).withName(cls).get();
    Object value = wpc == null ? null : wpc.getAdditionalProperties().get("value");
    return value instanceof Number n ? n.intValue() : null;
  }
}
