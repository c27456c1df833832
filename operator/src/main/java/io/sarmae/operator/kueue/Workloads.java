package io.sarmae.operator.kueue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.sarmae.operator.resources.Names;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Kueue Workload of a queued run, built the way Kueue's job framework builds one for a Job: one
 * pod set whose count is the number of ranks and whose template is the pod the operator will create
 * (so Kueue counts the same requests, GPUs included, and matches flavors against the same node
 * selector, affinity and tolerations). The Workload carries a controller owner reference to the
 * run: it lives as long as the run, across attempts, and garbage collection deletes it with the
 * run.
 */
public final class Workloads {
  private Workloads() {}

  public static final String GROUP = "kueue.x-k8s.io";
  public static final String VERSION = "v1beta1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** The label that opts a run in; its value names the LocalQueue. */
  public static final String QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

  /** Kueue's label naming a WorkloadPriorityClass; copied to the Workload. */
  public static final String PRIORITY_CLASS_LABEL = "kueue.x-k8s.io/priority-class";

  /** The one pod set of a run: all ranks share one template. */
  public static final String POD_SET = "trainer";

  public static final ResourceDefinitionContext WORKLOADS =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(VERSION)
          .withKind("Workload")
          .withPlural("workloads")
          .withNamespaced(true)
          .build();

  public static final ResourceDefinitionContext PRIORITY_CLASSES =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(VERSION)
          .withKind("WorkloadPriorityClass")
          .withPlural("workloadpriorityclasses")
          .withNamespaced(false)
          .build();

  public static final ResourceDefinitionContext FLAVORS =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(VERSION)
          .withKind("ResourceFlavor")
          .withPlural("resourceflavors")
          .withNamespaced(false)
          .build();

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** The WorkloadPriorityClass a run names, or null. */
  public static String priorityClass(HasMetadata run) {
    Map<String, String> labels = run.getMetadata().getLabels();
    return labels == null ? null : labels.get(PRIORITY_CLASS_LABEL);
  }

  /** The LocalQueue a run is queued in, or null when it is not queued through Kueue. */
  public static String queue(HasMetadata run) {
    Map<String, String> labels = run.getMetadata().getLabels();
    String q = labels == null ? null : labels.get(QUEUE_LABEL);
    return q == null || q.isBlank() ? null : q;
  }

  /**
   * {@code <kind>-<run>} (e.g. {@code sarmaepretrain-vit-b}): a pretrain and a fine-tune of the
   * same name get different Workloads. Run names are at most 48 characters, so this stays a DNS
   * label.
   */
  public static String name(HasMetadata run) {
    return run.getKind().toLowerCase(Locale.ROOT) + "-" + run.getMetadata().getName();
  }

  /**
   * The Workload for {@code run}, whose ranks are {@code count} copies of {@code pod} (the pod the
   * operator creates for rank 0, before any admission is applied).
   */
  public static GenericKubernetesResource build(
      HasMetadata run, Pod pod, int count, Integer priority) {
    Map<String, String> labels = new LinkedHashMap<>(Names.labels(run, "workload"));
    String priorityClass = priorityClass(run);
    if (priorityClass != null) {
      labels.put(PRIORITY_CLASS_LABEL, priorityClass);
    }
    Map<String, Object> templateMeta = new LinkedHashMap<>();
    templateMeta.put("labels", Names.labels(run, "worker"));
    Map<String, Object> template = new LinkedHashMap<>();
    template.put("metadata", templateMeta);
    template.put("spec", JSON.convertValue(pod.getSpec(), Map.class));
    Map<String, Object> podSet = new LinkedHashMap<>();
    podSet.put("name", POD_SET);
    podSet.put("count", count);
    podSet.put("template", template);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("queueName", queue(run));
    spec.put("podSets", List.of(podSet));
    if (priorityClass != null) {
      // As Kueue's job framework does: the class by name and source, and its value resolved when
      // the Workload is created (Kueue's scheduler orders and preempts by spec.priority).
      spec.put("priorityClassName", priorityClass);
      spec.put("priorityClassSource", "kueue.x-k8s.io/workloadpriorityclass");
      if (priority != null) {
        spec.put("priority", priority);
      }
    }
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(API_VERSION)
        .withKind("Workload")
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(name(run))
                .withNamespace(run.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withApiVersion(run.getApiVersion())
                        .withKind(run.getKind())
                        .withName(run.getMetadata().getName())
                        .withUid(run.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .build())
        .withAdditionalProperties(Map.of("spec", spec))
        .build();
  }
}
