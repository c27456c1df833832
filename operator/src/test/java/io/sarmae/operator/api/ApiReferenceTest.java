package io.sarmae.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.operator.testing.Golden;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generates {@code docs/api-reference.md} from the committed CRDs (their descriptions, defaults,
 * bounds and CEL rules) and checks the committed file is current. After an API change rerun with
 * {@code -Dsarmae.updateGolden=true} and commit the diff.
 */
class ApiReferenceTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void apiReferenceIsGeneratedFromTheCrds() throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# API reference: `sarmae.io/v1alpha1`\n\n")
        .append("Generated from the CRDs in `crds/` by `ApiReferenceTest`")
        .append(" (`mvn -pl operator test -Dtest=ApiReferenceTest -Dsarmae.updateGolden=true`);")
        .append(" do not edit by hand. `kubectl explain sarmaepretrain.spec` shows the same")
        .append(" descriptions. Kubernetes types (affinity, tolerations, resources, volumes, env)")
        .append(" are listed once and follow the Kubernetes API reference.\n");
    for (String f :
        List.of("sarmaepretrains.sarmae.io-v1.yml", "sarmaefinetunes.sarmae.io-v1.yml")) {
      kind(md, YAML.readTree(Golden.REPO.resolve("crds").resolve(f).toFile()));
    }
    Golden.assertMatches(Golden.REPO.resolve("docs/api-reference.md"), md.toString());
  }

  static void kind(StringBuilder md, JsonNode crd) {
    JsonNode names = crd.at("/spec/names");
    JsonNode version = crd.at("/spec/versions/0");
    md.append("\n## ").append(names.path("kind").asText()).append("\n\n");
    md.append("`kubectl get ")
        .append(names.path("plural").asText())
        .append("` (short name `")
        .append(names.path("shortNames").path(0).asText())
        .append("`), namespaced. Columns: ");
    List<String> cols = new ArrayList<>();
    version
        .path("additionalPrinterColumns")
        .forEach(
            c -> cols.add(c.path("name").asText() + " (`" + c.path("jsonPath").asText() + "`)"));
    md.append(String.join(", ", cols)).append(".\n");
    JsonNode root = version.at("/schema/openAPIV3Schema");
    for (String part : List.of("spec", "status")) {
      JsonNode node = root.path("properties").path(part);
      md.append("\n### ")
          .append(names.path("kind").asText())
          .append(" `")
          .append(part)
          .append("`\n\n");
      if (node.has("description")) {
        md.append(oneLine(node.path("description").asText())).append("\n\n");
      }
      md.append("| field | type | default | constraints | description |\n");
      md.append("|---|---|---|---|---|\n");
      List<String[]> rules = new ArrayList<>();
      rows(md, rules, node, "." + part);
      if (!rules.isEmpty()) {
        md.append("\nValidation rules (CEL, checked by the API server):\n\n");
        for (String[] r : rules) {
          md.append("- `").append(r[0]).append("`: ").append(oneLine(r[1])).append("\n");
        }
      }
    }
  }

  static void rows(StringBuilder md, List<String[]> rules, JsonNode node, String path) {
    for (JsonNode v : node.path("x-kubernetes-validations")) {
      rules.add(new String[] {path, v.path("message").asText(v.path("rule").asText())});
    }
    JsonNode props = node.path("properties");
    if (node.path("type").asText().equals("array") && ours(node.path("items"))) {
      rows(md, rules, node.path("items"), path + "[]");
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> it = props.fields();
    while (it.hasNext()) {
      var e = it.next();
      String p = path + "." + e.getKey();
      JsonNode f = e.getValue();
      md.append("| `")
          .append(p)
          .append("` | ")
          .append(type(f))
          .append(" | ")
          .append(
              f.has("default") ? "`" + f.path("default").toString().replace("\"", "") + "`" : "")
          .append(" | ")
          .append(constraints(f))
          .append(" | ")
          .append(oneLine(f.path("description").asText("")))
          .append(" |\n");
      if (ours(f) || (f.path("type").asText().equals("array") && ours(f.path("items")))) {
        rows(md, rules, f, p);
      } else {
        for (JsonNode v : f.path("x-kubernetes-validations")) {
          rules.add(new String[] {p, v.path("message").asText(v.path("rule").asText())});
        }
      }
    }
  }

  /** An object whose fields carry our descriptions (Kubernetes types in the schema have none). */
  static boolean ours(JsonNode node) {
    Iterator<JsonNode> it = node.path("properties").elements();
    while (it.hasNext()) {
      if (it.next().has("description")) {
        return true;
      }
    }
    return false;
  }

  static String type(JsonNode f) {
    String t = f.path("type").asText("");
    if (f.path("x-kubernetes-int-or-string").asBoolean()) {
      return "int or string";
    }
    if (t.equals("array")) {
      String item = f.path("items").path("type").asText("object");
      return "[]" + item;
    }
    if (t.equals("object") && f.has("additionalProperties")) {
      return "map[string]" + f.path("additionalProperties").path("type").asText("object");
    }
    return t.isEmpty() ? "object" : t;
  }

  static String constraints(JsonNode f) {
    List<String> c = new ArrayList<>();
    if (f.has("enum")) {
      List<String> vals = new ArrayList<>();
      f.path("enum").forEach(v -> vals.add("`" + v.asText() + "`"));
      c.add(String.join(", ", vals));
    }
    if (f.has("minimum")) {
      c.add((f.path("exclusiveMinimum").asBoolean() ? "> " : ">= ") + number(f.path("minimum")));
    }
    if (f.has("maximum")) {
      c.add((f.path("exclusiveMaximum").asBoolean() ? "< " : "<= ") + number(f.path("maximum")));
    }
    if (f.has("pattern")) {
      c.add("pattern `" + f.path("pattern").asText().replace("|", "\\|") + "`");
    }
    if (f.has("maxLength")) {
      c.add("max length " + f.path("maxLength").asInt());
    }
    if (f.has("maxItems")) {
      c.add("max items " + f.path("maxItems").asInt());
    }
    return String.join("; ", c);
  }

  static String number(JsonNode n) {
    double d = n.asDouble();
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  static String oneLine(String s) {
    return s.replace("\n", " ").replace("|", "\\|").trim();
  }
}
