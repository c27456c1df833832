package io.sarmae.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.operator.testing.Golden;
import io.sarmae.operator.testing.OperatorScrape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dashboards and alert rules only use series that exist: the operator's from a real scrape of the
 * operator process, the trainer's from its metrics code, GPU ones from dcgm-exporter's default
 * counters, container ones from the kubelet (cAdvisor), and recording rules the chart defines.
 */
class MetricSeriesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path DASHBOARDS = Chart.DIR.resolve("dashboards");

  /** dcgm-exporter's default counters (etc/default-counters.csv) that the dashboard uses. */
  static final Set<String> DCGM =
      Set.of(
          "DCGM_FI_DEV_GPU_UTIL",
          "DCGM_FI_DEV_FB_USED",
          "DCGM_FI_DEV_POWER_USAGE",
          "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
          "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE");

  /** Scraped from the kubelet (cAdvisor) and Prometheus itself in any kube-prometheus setup. */
  static final Set<String> PLATFORM =
      Set.of("up", "container_memory_working_set_bytes", "container_cpu_usage_seconds_total");

  static Set<String> operatorSeries;

  @BeforeAll
  static void scrape() throws Exception {
    operatorSeries = new TreeSet<>(OperatorScrape.seriesNames());
    // JOSDK registers failure counters at the first failure, under the success counter's name
    // with "failure"/"failed" (MicrometerMetrics: FAILURE_SUFFIX, RECONCILIATIONS_FAILED).
    assertThat(operatorSeries)
        .contains(
            "operator_sdk_controllers_execution_reconcile_success_total",
            "operator_sdk_reconciliations_success_total");
    operatorSeries.add("operator_sdk_controllers_execution_reconcile_failure_total");
    operatorSeries.add("operator_sdk_reconciliations_failed_total");
  }

  /** sarmae_train_* names the trainer registers (Micrometer names as Prometheus writes them). */
  static Set<String> trainerSeries() throws IOException {
    String code =
        Files.readString(
            Golden.REPO.resolve(
                "trainer/src/main/java/io/sarmae/trainer/metrics/TrainingMetrics.java"));
    Set<String> names = new TreeSet<>();
    Matcher m =
        Pattern.compile(
                "(gauge|Gauge\\.builder|Counter\\.builder|Timer\\.builder)\\(\\s*\"(sarmae\\.[a-z.]+)\"")
            .matcher(code);
    while (m.find()) {
      String base = m.group(2).replace('.', '_');
      switch (m.group(1)) {
        case "Counter.builder" -> names.add(base + "_total");
        case "Timer.builder" -> {
          for (String suffix : List.of("", "_count", "_sum", "_max")) {
            names.add(base + "_seconds" + suffix);
          }
        }
        default -> names.add(base);
      }
    }
    assertThat(names)
        .contains("sarmae_train_loss", "sarmae_train_step", "sarmae_train_checkpoints_total");
    return names;
  }

  static List<JsonNode> dashboards() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(DASHBOARDS)) {
      for (Path p : files.sorted().toList()) {
        out.add(JSON.readTree(p.toFile()));
      }
    }
    return out;
  }

  static List<String> dashboardExprs() throws IOException {
    List<String> exprs = new ArrayList<>();
    for (JsonNode d : dashboards()) {
      d.findValues("expr").forEach(e -> exprs.add(e.asText()));
      for (JsonNode v : d.path("templating").path("list")) {
        if (v.path("type").asText().equals("query")) {
          String q = v.path("query").path("query").asText();
          Matcher m = Pattern.compile("label_values\\((.*),\\s*\\w+\\)").matcher(q);
          assertThat(m.matches()).as(q).isTrue();
          exprs.add(m.group(1));
        }
      }
    }
    return exprs;
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> ruleExprs() {
    Map<String, Object> spec = AlertRulesTest.groups(Map.of());
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (Object g : (List<Object>) spec.get("groups")) {
      for (Map<String, Object> r :
          (List<Map<String, Object>>) ((Map<String, Object>) g).get("rules")) {
        String name = (String) (r.containsKey("alert") ? r.get("alert") : r.get("record"));
        out.put(name, (String) r.get("expr"));
      }
    }
    return out;
  }

  static Set<String> recordedNames() {
    return ruleExprs().keySet().stream()
        .filter(n -> n.contains(":"))
        .collect(java.util.stream.Collectors.toSet());
  }

  Set<String> known() throws IOException {
    Set<String> known = new HashSet<>(operatorSeries);
    known.addAll(trainerSeries());
    known.addAll(DCGM);
    known.addAll(PLATFORM);
    known.addAll(recordedNames());
    return known;
  }

  @Test
  void promQlReadingFindsNamesAndLabels() {
    String e =
        "sum by (kind) (rate(a_total{x=\"y:z\",pod=~\"$run-.*\"}[$__rate_interval])) / on(kind)"
            + " (b offset 5m > 0) or histogram_quantile(0.9, c_bucket) unless d:rec";
    assertThat(PromQl.metricNames(e))
        .containsExactlyInAnyOrder("a_total", "b", "c_bucket", "d:rec");
    assertThat(PromQl.labelNames(e)).containsExactlyInAnyOrder("kind", "x", "pod");
  }

  @Test
  void dashboardsQueryOnlyExistingSeries() throws IOException {
    Set<String> known = known();
    Set<String> used = new TreeSet<>();
    for (String e : dashboardExprs()) {
      assertThat(PromQl.metricNames(e)).as(e).isNotEmpty();
      used.addAll(PromQl.metricNames(e));
    }
    assertThat(known).containsAll(used);
    // Both dashboards are built on our own names, not controller-runtime's.
    assertThat(used)
        .contains(
            "operator_sdk_reconciliations_success_total",
            "sarmae_jobs",
            "sarmae_jobs_restarts_total",
            "sarmae_train_loss",
            "sarmae_train_mae_loss",
            "sarmae_train_align_loss",
            "sarmae_train_lr",
            "sarmae_train_images_per_second",
            "DCGM_FI_DEV_GPU_UTIL")
        .noneMatch(n -> n.startsWith("controller_runtime_") || n.startsWith("workqueue_"));
  }

  @Test
  void rulesQueryOnlyExistingSeries() throws IOException {
    Set<String> known = known();
    ruleExprs()
        .forEach(
            (name, expr) ->
                assertThat(known).as(name + ": " + expr).containsAll(PromQl.metricNames(expr)));
  }

  @Test
  void dashboardQueriesParseAsPromQl(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    // promtool parses every panel query as a recording rule, Grafana variables substituted.
    List<Map<String, Object>> rules = new ArrayList<>();
    int i = 0;
    for (String e : dashboardExprs()) {
      String expr =
          e.replace("$__rate_interval", "5m")
              .replace("$__range", "6h")
              .replaceAll("\\$[a-z_]+", "x");
      rules.add(Map.of("record", "dashboard:query" + i++, "expr", expr));
    }
    Map<String, Object> file =
        Map.of("groups", List.of(Map.of("name", "dashboards", "rules", rules)));
    AlertRulesTest.YAML.writeValue(dir.resolve("dashboards.yaml").toFile(), file);
    var result = Promtool.run(dir, "check", "rules", "dashboards.yaml");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(i).isGreaterThan(30);
  }

  @Test
  void runLabelsComeFromThePodMonitor() throws IOException {
    @SuppressWarnings("unchecked")
    List<String> podLabels =
        (List<String>)
            Chart.render(Map.of("metrics.podMonitor.enabled", true))
                .spec("PodMonitor")
                .get("podTargetLabels");
    // Prometheus turns pod label names into label names by replacing invalid characters.
    Set<String> fromPods = new TreeSet<>();
    podLabels.forEach(l -> fromPods.add(l.replaceAll("[^a-zA-Z0-9_]", "_")));
    Set<String> used = new TreeSet<>();
    for (String e : dashboardExprs()) {
      used.addAll(PromQl.labelNames(e));
    }
    ruleExprs().values().forEach(e -> used.addAll(PromQl.labelNames(e)));
    used.stream()
        .filter(l -> l.startsWith("sarmae_io_"))
        .forEach(l -> assertThat(fromPods).contains(l));
    assertThat(used).contains("sarmae_io_job_name");
  }

  @Test
  void dashboardsAreWellFormed() throws IOException {
    Set<String> uids = new HashSet<>();
    for (JsonNode d : dashboards()) {
      assertThat(uids.add(d.path("uid").asText())).isTrue();
      assertThat(d.path("title").asText()).startsWith("SARMAE");
      assertThat(d.path("templating").path("list").get(0).path("type").asText())
          .isEqualTo("datasource");
      Set<Integer> ids = new HashSet<>();
      for (JsonNode p : d.path("panels")) {
        assertThat(ids.add(p.path("id").asInt())).isTrue();
        JsonNode pos = p.path("gridPos");
        assertThat(pos.path("x").asInt() + pos.path("w").asInt()).isLessThanOrEqualTo(24);
        if (!p.path("type").asText().equals("row")) {
          assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
          assertThat(p.path("targets")).isNotEmpty();
        }
      }
    }
    assertThat(uids).containsExactlyInAnyOrder("sarmae-operator", "sarmae-training");
  }
}
