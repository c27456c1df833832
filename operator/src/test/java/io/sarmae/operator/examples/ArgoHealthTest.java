package io.sarmae.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sarmae.operator.testing.Golden;
import io.sarmae.operator.testing.OperatorScrape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health checks (Lua, run with LuaJ as Argo CD runs them with gopher-lua): every case
 * in each kind's {@code health_test.yaml}, the copy in the argocd-cm snippet, and the statuses the
 * operator really writes.
 */
class ArgoHealthTest {
  static final Path CUSTOMIZATIONS =
      Golden.REPO.resolve("examples/gitops/argocd/resource_customizations/sarmae.io");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  record Health(String status, String message) {}

  static LuaValue lua(JsonNode n) {
    if (n.isObject()) {
      LuaTable t = new LuaTable();
      n.fields().forEachRemaining(e -> t.set(e.getKey(), lua(e.getValue())));
      return t;
    }
    if (n.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < n.size(); i++) {
        t.set(i + 1, lua(n.get(i)));
      }
      return t;
    }
    if (n.isNumber()) {
      return LuaValue.valueOf(n.asDouble());
    }
    if (n.isBoolean()) {
      return LuaValue.valueOf(n.asBoolean());
    }
    if (n.isNull()) {
      return LuaValue.NIL;
    }
    return LuaValue.valueOf(n.asText());
  }

  static Health health(String script, JsonNode resource) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(resource));
    LuaValue hs = globals.load(script, "health.lua").call();
    return new Health(hs.get("status").tojstring(), hs.get("message").optjstring(null));
  }

  static String script(String kind) {
    try {
      return Files.readString(CUSTOMIZATIONS.resolve(kind).resolve("health.lua"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Stream<Arguments> cases() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (String kind : List.of("SarmaePretrain", "SarmaeFinetune")) {
      Path dir = CUSTOMIZATIONS.resolve(kind);
      for (JsonNode t : YAML.readTree(dir.resolve("health_test.yaml").toFile()).path("tests")) {
        out.add(
            Arguments.of(
                kind,
                t.path("inputPath").asText(),
                t.path("healthStatus").path("status").asText(),
                t.path("healthStatus").path("message").asText()));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("cases")
  void argoTestCase(String kind, String input, String status, String message) throws IOException {
    JsonNode resource = YAML.readTree(CUSTOMIZATIONS.resolve(kind).resolve(input).toFile());
    assertThat(resource.path("kind").asText()).isEqualTo(kind);
    assertThat(health(script(kind), resource)).isEqualTo(new Health(status, message));
  }

  @Test
  void everyHealthStatusIsCoveredForBothKinds() throws IOException {
    List<String> statuses = cases().map(a -> (String) a.get()[2]).distinct().toList();
    assertThat(statuses).contains("Progressing", "Healthy", "Degraded", "Suspended");
    assertThat(cases().filter(a -> a.get()[0].equals("SarmaeFinetune")).map(a -> a.get()[2]))
        .contains("Progressing", "Healthy", "Degraded", "Suspended");
  }

  @Test
  void bothKindsAndTheArgoCdConfigMapUseTheSameScript() throws IOException {
    String script = script("SarmaePretrain");
    // One source: SarmaeFinetune's file is a link to SarmaePretrain's, not a second copy.
    Path finetune = CUSTOMIZATIONS.resolve("SarmaeFinetune").resolve("health.lua");
    assertThat(Files.isSymbolicLink(finetune)).as(finetune + " is a link").isTrue();
    assertThat(finetune.toRealPath())
        .isEqualTo(CUSTOMIZATIONS.resolve("SarmaePretrain").resolve("health.lua").toRealPath());
    assertThat(script("SarmaeFinetune")).isEqualTo(script);
    // SnakeYAML resolves the alias as kubectl (go-yaml) does; Jackson's tree reader does not.
    Map<String, Object> cm =
        new org.yaml.snakeyaml.Yaml()
            .load(Files.readString(Golden.REPO.resolve("examples/gitops/argocd/argocd-cm.yaml")));
    @SuppressWarnings("unchecked")
    Map<String, Object> data = (Map<String, Object>) cm.get("data");
    for (String kind : List.of("SarmaePretrain", "SarmaeFinetune")) {
      assertThat(data.get("resource.customizations.health.sarmae.io_" + kind)).isEqualTo(script);
    }
  }

  /**
   * kstatus (Flux's health checks) reads observedGeneration and the Reconciling / Stalled
   * conditions: a running run is Current, a restarting one InProgress.
   */
  @Test
  void statusesTheOperatorWritesAreWhatKstatusReads() throws Exception {
    OperatorScrape.text();
    var running = OperatorScrape.SNAPSHOTS.get("running");
    var restarted = OperatorScrape.SNAPSHOTS.get("restarted");
    for (var r : List.of(running, restarted)) {
      assertThat(r.getStatus().getObservedGeneration()).isEqualTo(r.getMetadata().getGeneration());
      assertThat(r.getStatus().getConditions())
          .extracting(c -> c.getType())
          .contains("Ready", "Reconciling", "Stalled");
    }
    assertThat(condition(running, "Reconciling")).isEqualTo("False");
    assertThat(condition(running, "Stalled")).isEqualTo("False");
    assertThat(condition(running, "Ready")).isEqualTo("True");
    assertThat(condition(restarted, "Reconciling")).isEqualTo("True");
    assertThat(condition(restarted, "Stalled")).isEqualTo("False");
  }

  static String condition(io.sarmae.operator.api.v1alpha1.SarmaePretrain r, String type) {
    return r.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .map(c -> c.getStatus())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void statusesTheOperatorWritesMapToProgressing() throws Exception {
    OperatorScrape.text();
    for (var e : Map.of("running", "Running", "restarted", "").entrySet()) {
      JsonNode resource =
          YAML.readTree(Serialization.asYaml(OperatorScrape.SNAPSHOTS.get(e.getKey())));
      Health h = health(script("SarmaePretrain"), resource);
      assertThat(h.status()).as(resource.path("status").toString()).isEqualTo("Progressing");
      assertThat(h.message()).startsWith(e.getValue()).doesNotContain("nil");
    }
  }
}
