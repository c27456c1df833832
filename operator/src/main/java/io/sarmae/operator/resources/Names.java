package io.sarmae.operator.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import java.util.LinkedHashMap;
import java.util.Map;

/** Deterministic child names and the labels that tie children to their run. */
public final class Names {
  private Names() {}

  public static final String MANAGED_BY = "sarmae-operator";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String LABEL_NAME = "app.kubernetes.io/name";
  public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  public static final String LABEL_KIND = "sarmae.io/kind";
  public static final String LABEL_JOB = "sarmae.io/job-name";
  public static final String LABEL_INDEX = "sarmae.io/replica-index";
  public static final String LABEL_ATTEMPT = "sarmae.io/attempt";

  /**
   * Longest resource name whose pod hostnames ({@code <name>-worker-999}) stay DNS labels (63
   * chars) for the 1000 replicas the schema allows.
   */
  public static final int MAX_NAME_LENGTH =
      io.sarmae.operator.api.v1alpha1.SpecRules.MAX_NAME_LENGTH;

  public static String worker(String job, int index) {
    return job + "-worker-" + index;
  }

  public static String configMap(String job) {
    return job + "-config";
  }

  public static String service(String job) {
    return job + "-workers";
  }

  public static String podGroup(String job) {
    return job;
  }

  /** Value of {@link #LABEL_KIND}: {@code pretrain} or {@code finetune}. */
  public static String kindLabel(HasMetadata owner) {
    return owner instanceof SarmaeFinetune ? "finetune" : "pretrain";
  }

  /** Labels shared by every child of a run; also the pod selector of the run. */
  public static Map<String, String> selector(HasMetadata owner) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_KIND, kindLabel(owner));
    labels.put(LABEL_JOB, owner.getMetadata().getName());
    return labels;
  }

  /** Full label set of a child. */
  public static Map<String, String> labels(HasMetadata owner, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_NAME, "sarmae-trainer");
    labels.put(LABEL_INSTANCE, owner.getMetadata().getName());
    labels.put(LABEL_COMPONENT, component);
    labels.put(LABEL_MANAGED_BY, MANAGED_BY);
    labels.putAll(selector(owner));
    return labels;
  }
}
