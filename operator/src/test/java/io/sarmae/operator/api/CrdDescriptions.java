package io.sarmae.operator.api;

import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.Map;

/**
 * Descriptions the Java types cannot carry: the top-level {@code spec} and {@code status} fields
 * and the fields of Kubernetes' standard {@code Condition}, so that {@code kubectl explain} reads
 * like documentation all the way down.
 */
final class CrdDescriptions implements CRDPostProcessor {
  static final Map<String, String> CONDITION =
      Map.of(
          "type", "Condition type, for example Ready or Succeeded.",
          "status", "True, False or Unknown.",
          "reason", "Machine-readable CamelCase reason of the last transition.",
          "message", "Human-readable details.",
          "lastTransitionTime", "When status last changed (RFC 3339).",
          "observedGeneration", "metadata.generation the condition was computed for.");

  @Override
  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
    if (!(crd instanceof CustomResourceDefinition c)) {
      return crd;
    }
    String kind = c.getSpec().getNames().getKind();
    JSONSchemaProps root = c.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    root.getProperties()
        .get("spec")
        .setDescription(
            "Desired state of the "
                + kind
                + " run. Immutable after creation except suspend; defaults are shown per field.");
    JSONSchemaProps status = root.getProperties().get("status");
    status.setDescription("Observed state of the run, written only by the operator.");
    JSONSchemaProps condition = status.getProperties().get("conditions").getItems().getSchema();
    CONDITION.forEach((k, v) -> condition.getProperties().get(k).setDescription(v));
    return crd;
  }
}
