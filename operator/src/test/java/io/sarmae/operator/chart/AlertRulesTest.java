package io.sarmae.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.operator.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's PrometheusRule, as rendered, passes {@code promtool check rules} and the alert unit
 * tests in {@code src/test/resources/chart/alerts-test.yaml} ({@code promtool test rules}).
 */
class AlertRulesTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The rendered rule groups ({@code spec} of the PrometheusRule). */
  static Map<String, Object> groups(Map<String, Object> values) {
    var all = new java.util.HashMap<String, Object>(values);
    all.put("prometheusRule.enabled", true);
    return Chart.render(all).spec("PrometheusRule");
  }

  static Path writeRules(Path dir, Map<String, Object> spec) throws IOException {
    Path rules = dir.resolve("sarmae-rules.yaml");
    YAML.writeValue(rules.toFile(), spec);
    return rules;
  }

  @Test
  void renderedRulesPassPromtoolCheck(@TempDir Path dir) throws Exception {
    writeRules(dir, groups(Map.of()));
    var result = Promtool.run(dir, "check", "rules", "sarmae-rules.yaml");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: 10 rules found");
  }

  @Test
  void alertUnitTestsPass(@TempDir Path dir) throws Exception {
    writeRules(dir, groups(Map.of()));
    Files.copy(
        Golden.DIR.resolve("../chart/alerts-test.yaml").normalize(),
        dir.resolve("alerts-test.yaml"));
    var result = Promtool.run(dir, "test", "rules", "alerts-test.yaml");
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void runbookLinksPointAtExistingSections() throws IOException {
    String doc = Files.readString(Golden.REPO.resolve("docs/troubleshooting.md"));
    java.util.Set<String> anchors = new java.util.HashSet<>();
    for (String line : doc.split("\n")) {
      if (line.startsWith("## ")) {
        anchors.add(
            line.substring(3).trim().toLowerCase().replaceAll("[^a-z0-9 -]", "").replace(' ', '-'));
      }
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("docs/troubleshooting\\.md#([a-z0-9-]+)")
            .matcher(Chart.yaml(Map.of("prometheusRule.enabled", true)));
    int links = 0;
    while (m.find()) {
      links++;
      assertThat(anchors).contains(m.group(1));
    }
    assertThat(links).isEqualTo(6);
  }

  @Test
  @SuppressWarnings("unchecked")
  void thresholdsComeFromValues(@TempDir Path dir) throws Exception {
    Map<String, Object> spec =
        groups(
            Map.of(
                "prometheusRule.noProgressMinutes", 45,
                "prometheusRule.pendingMinutes", 15,
                "prometheusRule.restartsThreshold", 5,
                "prometheusRule.restartsWindow", "6h",
                "prometheusRule.alertLabels.team", "ml-platform"));
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object g : (List<Object>) spec.get("groups")) {
      rules.addAll((List<Map<String, Object>>) ((Map<String, Object>) g).get("rules"));
    }
    Map<String, Map<String, Object>> alerts = new java.util.HashMap<>();
    rules.stream()
        .filter(r -> r.containsKey("alert"))
        .forEach(r -> alerts.put((String) r.get("alert"), r));
    assertThat(alerts)
        .containsOnlyKeys(
            "SarmaeRunFailed",
            "SarmaeRunNoProgress",
            "SarmaeRunStuckPending",
            "SarmaeRunRestartsRising",
            "SarmaeOperatorReconcileErrors",
            "SarmaeOperatorDown");
    assertThat((String) alerts.get("SarmaeRunNoProgress").get("expr")).contains("offset 45m");
    assertThat(alerts.get("SarmaeRunStuckPending").get("for")).isEqualTo("15m");
    assertThat((String) alerts.get("SarmaeRunRestartsRising").get("expr")).contains("[6h]", ">= 5");
    assertThat(alerts.values())
        .allSatisfy(
            a -> {
              assertThat((Map<String, Object>) a.get("labels"))
                  .containsEntry("team", "ml-platform");
              assertThat((Map<String, Object>) a.get("annotations"))
                  .containsKeys("summary", "description", "runbook_url");
            });
    writeRules(dir, spec);
    var result = Promtool.run(dir, "check", "rules", "sarmae-rules.yaml");
    assertThat(result.exitCode()).as(result.output()).isZero();
  }
}
