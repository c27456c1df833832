package io.sarmae.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart in several value combinations: strict lint, the objects it produces, least-privilege
 * RBAC in both install modes, and values.schema.json rejecting bad values.
 */
class ChartTest {
  /** Exactly what the operator calls (docs/operator.md): resource -> verbs. No Secrets. */
  static final Map<String, List<String>> WORKLOAD_RULES =
      Map.ofEntries(
          Map.entry("sarmae.io/sarmaepretrains", List.of("get", "list", "watch", "delete")),
          Map.entry("sarmae.io/sarmaefinetunes", List.of("get", "list", "watch", "delete")),
          Map.entry("sarmae.io/sarmaepretrains/status", List.of("get", "patch", "update")),
          Map.entry("sarmae.io/sarmaefinetunes/status", List.of("get", "patch", "update")),
          Map.entry("/pods", List.of("get", "list", "watch", "create", "delete")),
          // An existing one is read and replaced when stale (JobController.replaceIfStale): a
          // ConfigMap in place, a Service by delete and create.
          Map.entry("/configmaps", List.of("get", "create", "update")),
          Map.entry("/services", List.of("get", "create", "delete")),
          Map.entry("/events", List.of("create", "list")),
          Map.entry("scheduling.volcano.sh/podgroups", List.of("create")),
          Map.entry("scheduling.x-k8s.io/podgroups", List.of("create")),
          Map.entry("kueue.x-k8s.io/workloads", List.of("get", "list", "watch", "create")),
          Map.entry("kueue.x-k8s.io/workloads/status", List.of("update")));

  /** Cluster mode only: Kueue's cluster-scoped objects the operator reads. */
  static final Map<String, List<String>> KUEUE_CLUSTER_RULES =
      Map.of(
          "kueue.x-k8s.io/resourceflavors", List.of("get"),
          "kueue.x-k8s.io/workloadpriorityclasses", List.of("get"));

  /** What a cluster-wide install grants: the workload rules and Kueue's cluster objects. */
  static Map<String, List<String>> clusterRules() {
    var rules = new java.util.TreeMap<>(WORKLOAD_RULES);
    rules.putAll(KUEUE_CLUSTER_RULES);
    return rules;
  }

  /** What a cluster-wide install creates (monitoring objects off). */
  static final String[] CLUSTER_INSTALL = {
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Deployment",
    "Service"
  };

  static Map<String, List<String>> flatten(List<PolicyRule> rules) {
    var out = new java.util.TreeMap<String, List<String>>();
    for (PolicyRule r : rules) {
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          out.put(g + "/" + res, r.getVerbs());
        }
      }
    }
    return out;
  }

  static Container operator(Chart.Rendered r) {
    return r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static String env(Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }

  @Test
  void lintsStrictlyWithDefaultsAndWithEverythingOn(@TempDir Path tmp) throws IOException {
    var defaults = Chart.HELM.lint().strict().call();
    assertThat(defaults.isFailed()).as(String.join("\n", defaults.getMessages())).isFalse();
    // helm-java's lint takes no values: lint a copy whose values.yaml switches everything on.
    Path copy = tmp.resolve("sarmae-operator");
    try (Stream<Path> files = Files.walk(Chart.DIR)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = copy.resolve(Chart.DIR.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    String values = Files.readString(copy.resolve("values.yaml"));
    Files.writeString(
        copy.resolve("values.yaml"),
        values
            .replace("enabled: false", "enabled: true")
            .replace("watchNamespaces: []", "watchNamespaces: [ml]")
            .replace("scope: cluster", "scope: namespace"));
    var all = new com.marcnuri.helm.Helm(copy).lint().strict().call();
    assertThat(all.isFailed()).as(String.join("\n", all.getMessages())).isFalse();
  }

  @Test
  void defaultsInstallAHardenedOperatorWithClusterRbacAndNoMonitoringObjects() {
    Chart.Rendered r = Chart.render(Map.of());
    assertThat(r.kinds()).containsExactlyInAnyOrder(CLUSTER_INSTALL);
    Deployment d = r.one(Deployment.class);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container c = operator(r);
    assertThat(c.getImage()).isEqualTo("ghcr.io/sarmae/sarmae-operator:0.1.0");
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(env(c, "LEADER_ELECTION")).isEqualTo("true");
    assertThat(env(c, "LEASE_NAME")).isEqualTo("sarmae");
    assertThat(env(c, "WATCH_NAMESPACES")).isEmpty();
    assertThat(flatten(r.one(ClusterRole.class).getRules())).isEqualTo(clusterRules());
    Role lease = r.one(Role.class);
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
    assertThat(flatten(lease.getRules()))
        .isEqualTo(Map.of("coordination.k8s.io/leases", List.of("get", "create", "update")));
    assertThat(r.one(RoleBinding.class).getSubjects().get(0).getName()).isEqualTo("sarmae");
  }

  @Test
  void namespaceModeGrantsRolesOnlyInTheWatchedNamespaces() {
    Chart.Rendered r =
        Chart.render(
            Map.of(
                "rbac.scope", "namespace",
                "watchNamespaces[0]", "ml",
                "watchNamespaces[1]", "research"));
    assertThat(r.all(ClusterRole.class)).isEmpty();
    assertThat(r.kinds()).doesNotContain("ClusterRoleBinding");
    List<Role> roles = r.all(Role.class);
    assertThat(roles)
        .extracting(x -> x.getMetadata().getNamespace() + "/" + x.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "ml/sarmae", "research/sarmae", "sarmae-system/sarmae-leader-election");
    roles.stream()
        .filter(x -> x.getMetadata().getName().equals("sarmae"))
        .forEach(x -> assertThat(flatten(x.getRules())).isEqualTo(WORKLOAD_RULES));
    assertThat(r.all(RoleBinding.class))
        .allSatisfy(
            b -> {
              assertThat(b.getSubjects().get(0).getNamespace()).isEqualTo(Chart.NAMESPACE);
              assertThat(b.getSubjects().get(0).getName()).isEqualTo("sarmae");
            });
    assertThat(env(operator(r), "WATCH_NAMESPACES")).isEqualTo("ml,research");
  }

  /** Cluster-wide RBAC, but the operator told to watch only some namespaces. */
  @Test
  void clusterModeWithWatchedNamespacesPassesThemToTheOperator() {
    Chart.Rendered r =
        Chart.render(Map.of("watchNamespaces[0]", "ml", "watchNamespaces[1]", "research"));
    assertThat(r.kinds()).containsExactlyInAnyOrder(CLUSTER_INSTALL);
    assertThat(env(operator(r), "WATCH_NAMESPACES")).isEqualTo("ml,research");
    assertThat(flatten(r.one(ClusterRole.class).getRules())).isEqualTo(clusterRules());
  }

  @Test
  void namespaceModeWithoutNamespacesFailsWithAReason() {
    assertThatThrownBy(() -> Chart.render(Map.of("rbac.scope", "namespace")))
        .hasMessageContaining("rbac.scope=namespace needs watchNamespaces");
  }

  @Test
  void noRuleAnywhereReachesSecrets() {
    String yaml =
        Chart.yaml(
            Map.of(
                "rbac.scope", "namespace",
                "watchNamespaces[0]", "ml",
                "prometheusRule.enabled", true));
    assertThat(yaml).doesNotContain("secrets").doesNotContain("\"*\"");
  }

  @Test
  void singleReplicaWithoutLeaderElectionAndAnExistingServiceAccount() {
    Chart.Rendered r =
        Chart.render(
            Map.of(
                "leaderElection", false,
                "replicas", 1,
                "serviceAccount.create", false,
                "serviceAccount.name", "ops-sa",
                "metrics.service", false));
    assertThat(r.kinds())
        .containsExactlyInAnyOrder("ClusterRole", "ClusterRoleBinding", "Deployment");
    assertThat(env(operator(r), "LEADER_ELECTION")).isEqualTo("false");
    assertThat(r.one(Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("ops-sa");
  }

  @Test
  void monitoringObjectsWhenSwitchedOn() throws IOException {
    Chart.Rendered r =
        Chart.render(
            Map.of(
                "metrics.serviceMonitor.enabled", true,
                "metrics.serviceMonitor.labels.release", "kube-prometheus-stack",
                "metrics.podMonitor.enabled", true,
                "prometheusRule.enabled", true,
                "grafana.dashboards.enabled", true,
                "watchNamespaces[0]", "ml"));
    var sm = r.generic("ServiceMonitor").orElseThrow();
    assertThat(sm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    assertThat(r.spec("ServiceMonitor").toString())
        .contains("app.kubernetes.io/component=metrics", "port=http", "path=/metrics");
    // The ServiceMonitor selects the metrics Service by its labels.
    var svc =
        r.all(io.fabric8.kubernetes.api.model.Service.class).stream()
            .filter(s -> s.getMetadata().getName().equals("sarmae-metrics"))
            .findFirst()
            .orElseThrow();
    assertThat(svc.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/component", "metrics");

    Map<String, Object> pm = r.spec("PodMonitor");
    assertThat(pm.get("podTargetLabels"))
        .isEqualTo(List.of("sarmae.io/job-name", "sarmae.io/kind", "sarmae.io/attempt"));
    assertThat(pm.get("namespaceSelector")).isEqualTo(Map.of("matchNames", List.of("ml")));
    assertThat(pm.toString()).contains("port=metrics");
    assertThat(r.generic("PrometheusRule")).isPresent();

    List<ConfigMap> dashboards = r.all(ConfigMap.class);
    assertThat(dashboards)
        .extracting(m -> m.getMetadata().getName())
        .containsExactlyInAnyOrder("sarmae-dashboard-operator", "sarmae-dashboard-training");
    ObjectMapper json = new ObjectMapper();
    for (ConfigMap m : dashboards) {
      assertThat(m.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
      String file = m.getData().keySet().iterator().next();
      // The ConfigMap carries the committed JSON unchanged.
      assertThat(json.readTree(m.getData().get(file)))
          .isEqualTo(json.readTree(Chart.DIR.resolve("dashboards").resolve(file).toFile()));
    }
  }

  @Test
  void podMonitorWatchesAllNamespacesWhenTheOperatorDoes() {
    Map<String, Object> pm =
        Chart.render(Map.of("metrics.podMonitor.enabled", true)).spec("PodMonitor");
    assertThat(pm.get("namespaceSelector")).isEqualTo(Map.of("any", true));
  }

  @Test
  void schemaRejectsUnknownKeysAndBadValues() {
    assertThatThrownBy(() -> Chart.yaml(Map.of("rbac.scope", "everything")))
        .hasMessageContaining("/rbac/scope");
    assertThatThrownBy(() -> Chart.yaml(Map.of("metrics.serviceMonitr.enabled", true)))
        .hasMessageContaining("serviceMonitr");
    assertThatThrownBy(() -> Chart.yaml(Map.of("metrics.serviceMonitor.interval", "soon")))
        .hasMessageContaining("/metrics/serviceMonitor/interval");
    assertThatThrownBy(() -> Chart.yaml(Map.of("watchNamespaces[0]", "Not_A_Namespace")))
        .hasMessageContaining("/watchNamespaces/0");
  }

  @Test
  void crdsShipWithTheChartAndMatchTheGeneratedOnes() throws IOException {
    for (String f :
        List.of("sarmaepretrains.sarmae.io-v1.yml", "sarmaefinetunes.sarmae.io-v1.yml")) {
      assertThat(Files.readString(Chart.DIR.resolve("crds").resolve(f)))
          .isEqualTo(Files.readString(Chart.DIR.resolve("../../crds").resolve(f).normalize()));
    }
    // helm installs crds/ before the templates (and never upgrades them: docs/operating.md).
    try (Stream<Path> files = Files.list(Chart.DIR.resolve("crds"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "sarmaepretrains.sarmae.io-v1.yml", "sarmaefinetunes.sarmae.io-v1.yml");
    }
  }
}
