package io.sarmae.operator.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sarmae.operator.testing.Golden;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders the chart with helm-java (release {@code sarmae} in {@code sarmae-system}). */
final class Chart {
  static final Path DIR = Golden.REPO.resolve("charts/sarmae-operator");
  static final Helm HELM = new Helm(DIR);
  static final String RELEASE = "sarmae";
  static final String NAMESPACE = "sarmae-system";

  private Chart() {}

  /** The rendered YAML for the given {@code --set} values, CRDs skipped. */
  static String yaml(Map<String, Object> values) {
    TemplateCommand t = HELM.template().withName(RELEASE).withNamespace(NAMESPACE).skipCrds();
    values.forEach(t::set);
    return t.call();
  }

  static Rendered render(Map<String, Object> values) {
    List<HasMetadata> objects = Serialization.unmarshal(yaml(values));
    return new Rendered(objects);
  }

  /** Every optional part switched on. */
  static final Map<String, Object> EVERYTHING =
      Map.of(
          "metrics.serviceMonitor.enabled", true,
          "metrics.podMonitor.enabled", true,
          "prometheusRule.enabled", true,
          "grafana.dashboards.enabled", true);

  record Rendered(List<HasMetadata> objects) {
    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
      List<T> found = all(type);
      if (found.size() != 1) {
        throw new AssertionError("expected one " + type.getSimpleName() + ", got " + found);
      }
      return found.get(0);
    }

    List<String> kinds() {
      return objects.stream().map(HasMetadata::getKind).toList();
    }

    Optional<GenericKubernetesResource> generic(String kind) {
      return all(GenericKubernetesResource.class).stream()
          .filter(g -> g.getKind().equals(kind))
          .findFirst();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> spec(String kind) {
      return (Map<String, Object>)
          generic(kind).orElseThrow().getAdditionalProperties().get("spec");
    }
  }
}
