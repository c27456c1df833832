package io.sarmae.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sarmae.operator.testing.Golden;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Helm chart lints and renders the operator Deployment, RBAC and Service it documents. */
class ChartTest {
  static final Helm CHART = new Helm(Golden.REPO.resolve("charts/sarmae-operator"));

  @Test
  void lintsStrictly() {
    var result = CHART.lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void rendersTheOperatorWithLeaderElectionAndWatchedNamespaces() {
    String yaml =
        CHART
            .template()
            .withName("sarmae")
            .withNamespace("sarmae-system")
            .set("watchNamespaces[0]", "ml")
            .set("watchNamespaces[1]", "research")
            .call();
    List<HasMetadata> objects = Serialization.unmarshal(yaml);
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .contains(
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service");
    Deployment d =
        objects.stream()
            .filter(Deployment.class::isInstance)
            .map(Deployment.class::cast)
            .findFirst()
            .orElseThrow();
    var c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/sarmae/sarmae-operator:0.1.0");
    assertThat(c.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("WATCH_NAMESPACES");
              assertThat(e.getValue()).isEqualTo("ml,research");
            });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    ClusterRole role =
        objects.stream()
            .filter(ClusterRole.class::isInstance)
            .map(ClusterRole.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(role.getRules())
        .anySatisfy(r -> assertThat(r.getResources()).contains("sarmaepretrains/status"));
  }
}
