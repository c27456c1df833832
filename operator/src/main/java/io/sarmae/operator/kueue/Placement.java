package io.sarmae.operator.kueue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an admission adds to the pods, as Kueue's job framework adds it to a Job's pod template: the
 * node labels and tolerations of the assigned ResourceFlavors, then the pod set updates of the
 * admission checks (labels, annotations, node selector, tolerations).
 *
 * @param nodeSelector merged into the pod's node selector (the admission wins on a shared key)
 * @param tolerations appended unless the pod has an equal one
 * @param labels merged into the pod's labels (the operator's own labels win)
 * @param annotations merged into the pod's annotations
 */
public record Placement(
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    Map<String, String> labels,
    Map<String, String> annotations) {

  public static final Placement NONE = new Placement(Map.of(), List.of(), Map.of(), Map.of());

  /** Adds this placement to a pod built by the operator; returns the same pod. */
  public Pod applyTo(Pod pod) {
    if (!nodeSelector.isEmpty()) {
      Map<String, String> sel = new LinkedHashMap<>();
      if (pod.getSpec().getNodeSelector() != null) {
        sel.putAll(pod.getSpec().getNodeSelector());
      }
      sel.putAll(nodeSelector);
      pod.getSpec().setNodeSelector(sel);
    }
    if (!tolerations.isEmpty()) {
      List<Toleration> all = new ArrayList<>();
      if (pod.getSpec().getTolerations() != null) {
        all.addAll(pod.getSpec().getTolerations());
      }
      for (Toleration t : tolerations) {
        if (!all.contains(t)) {
          all.add(t);
        }
      }
      pod.getSpec().setTolerations(all);
    }
    if (!labels.isEmpty()) {
      Map<String, String> merged = new LinkedHashMap<>(labels);
      merged.putAll(pod.getMetadata().getLabels());
      pod.getMetadata().setLabels(merged);
    }
    if (!annotations.isEmpty()) {
      Map<String, String> merged = new LinkedHashMap<>();
      if (pod.getMetadata().getAnnotations() != null) {
        merged.putAll(pod.getMetadata().getAnnotations());
      }
      merged.putAll(annotations);
      pod.getMetadata().setAnnotations(merged);
    }
    return pod;
  }
}
