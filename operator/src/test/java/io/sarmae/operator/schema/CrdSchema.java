package io.sarmae.operator.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the API server does with a custom resource, on the JVM: structural defaulting, OpenAPI
 * schema validation (json-schema-validator), unknown fields (reported for kubectl's strict field
 * validation) and the CEL rules of {@code x-kubernetes-validations} (cel-java), including
 * transition rules on update.
 *
 * <p>The one validator of the project: the operator's tests check the CRDs and examples with it,
 * and the sandbox's API answers kubectl with it. It lives in the operator's test sources and is
 * published as the operator's test-jar (this package only), because it needs the two libraries the
 * operator must not ship in its image, and the sandbox already depends on the operator.
 */
public final class CrdSchema {
  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final CelOptions CEL_OPTIONS =
      CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final CelCompiler CEL =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .setOptions(CEL_OPTIONS)
          .build();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(CEL_OPTIONS).build();

  /** One problem with a resource, where the API server would report it. */
  public record Violation(Type type, String path, JsonNode value, String message) {
    /** Schema: a type, bound, enum, pattern or required field; rule: a CEL rule. */
    public enum Type {
      SCHEMA,
      UNKNOWN_FIELD,
      RULE
    }

    /** {@code .spec.model: message} ({@code <root>} for the object itself). */
    @Override
    public String toString() {
      return (path.isEmpty() ? "<root>" : "." + path) + ": " + message;
    }
  }

  private final JsonNode openApi;
  private final Schema schema;

  /** From a CRD version's {@code openAPIV3Schema}. */
  public CrdSchema(JsonNode openApiV3Schema) {
    openApi = openApiV3Schema;
    schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(openApi);
  }

  /** The CRD version's {@code openAPIV3Schema} this validator checks against. */
  public JsonNode openApi() {
    return openApi;
  }

  /** From a CRD file's first version. */
  public static CrdSchema ofCrd(Path crdFile) {
    return new CrdSchema(read(crdFile).at("/spec/versions/0/schema/openAPIV3Schema"));
  }

  public static JsonNode read(Path manifest) {
    try {
      return YAML.readTree(manifest.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every violation of a create ({@code old} null) or of an update from {@code old} (transition
   * rules too), after defaulting both as the API server does.
   */
  public List<Violation> check(JsonNode manifest, JsonNode old) {
    JsonNode obj = manifest.deepCopy();
    applyDefaults(obj, openApi);
    JsonNode before = null;
    if (old != null) {
      before = old.deepCopy();
      applyDefaults(before, openApi);
    }
    List<Violation> out = new ArrayList<>();
    for (Error e : schema.validate(obj)) {
      out.add(schemaViolation(e));
    }
    unknownFields(obj, openApi, "", out);
    cel(obj, before, openApi, "", out);
    return out.stream().distinct().toList();
  }

  /** Violations of a create, each as {@code .path: message}. */
  public List<String> validateCreate(JsonNode manifest) {
    return check(manifest, null).stream().map(Violation::toString).toList();
  }

  /** Violations of an update from {@code before} to {@code after}, transition rules included. */
  public List<String> validateUpdate(JsonNode before, JsonNode after) {
    return check(after, before).stream().map(Violation::toString).toList();
  }

  private static Violation schemaViolation(Error e) {
    String path = dotted(e.getInstanceLocation());
    if ("required".equals(e.getKeyword()) && e.getProperty() != null) {
      return new Violation(
          Violation.Type.SCHEMA, join(path, e.getProperty()), null, "Required value");
    }
    return new Violation(Violation.Type.SCHEMA, path, e.getInstanceNode(), e.getMessage());
  }

  /** {@code spec.items[0].name}, as the API server spells field paths. */
  private static String dotted(NodePath location) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        out.append('[').append(index).append(']');
      } else {
        out.append(out.isEmpty() ? "" : ".").append(element);
      }
    }
    return out.toString();
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  static void applyDefaults(JsonNode node, JsonNode schema) {
    if (node == null || !node.isObject()) {
      if (node != null && node.isArray() && schema.has("items")) {
        node.forEach(item -> applyDefaults(item, schema.get("items")));
      }
      return;
    }
    JsonNode props = schema.get("properties");
    if (props != null) {
      Iterator<Map.Entry<String, JsonNode>> it = props.properties().iterator();
      while (it.hasNext()) {
        var e = it.next();
        if (!node.has(e.getKey()) && e.getValue().has("default")) {
          ((ObjectNode) node).set(e.getKey(), e.getValue().get("default").deepCopy());
        }
        if (node.has(e.getKey())) {
          applyDefaults(node.get(e.getKey()), e.getValue());
        }
      }
    }
  }

  static void unknownFields(JsonNode node, JsonNode schema, String path, List<Violation> out) {
    if (node == null || schema == null) {
      return;
    }
    if (node.isArray() && schema.has("items")) {
      int i = 0;
      for (JsonNode item : node) {
        unknownFields(item, schema.get("items"), path + "[" + i++ + "]", out);
      }
      return;
    }
    if (!node.isObject() || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    JsonNode props = schema.get("properties");
    JsonNode additional = schema.get("additionalProperties");
    Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
    while (it.hasNext()) {
      var e = it.next();
      String child = join(path, e.getKey());
      if (path.isEmpty()
          && (e.getKey().equals("apiVersion")
              || e.getKey().equals("kind")
              || e.getKey().equals("metadata"))) {
        continue; // checked by the API machinery, not the schema
      }
      if (props != null && props.has(e.getKey())) {
        unknownFields(e.getValue(), props.get(e.getKey()), child, out);
      } else if (additional != null && additional.isObject()) {
        unknownFields(e.getValue(), additional, child, out);
      } else {
        out.add(new Violation(Violation.Type.UNKNOWN_FIELD, child, e.getValue(), "unknown field"));
      }
    }
  }

  /** Evaluates CEL rules; transition rules only when {@code old} is given. */
  static void cel(JsonNode node, JsonNode old, JsonNode schema, String path, List<Violation> out) {
    if (node == null || node.isNull() || schema == null) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expr = rule.get("rule").asText();
      boolean transition = expr.contains("oldSelf");
      if (transition && (old == null || old.isNull())) {
        continue;
      }
      String message;
      try {
        CelAbstractSyntaxTree ast = CEL.compile(expr).getAst();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("self", toCel(node, schema));
        if (transition) {
          vars.put("oldSelf", toCel(old, schema));
        }
        if (Boolean.TRUE.equals(RUNTIME.createProgram(ast).eval(vars))) {
          continue;
        }
        // As the API server: messageExpression when present, else message, else the rule.
        message = rule.path("message").asText(expr);
        if (rule.hasNonNull("messageExpression")) {
          message =
              String.valueOf(
                  RUNTIME
                      .createProgram(CEL.compile(rule.get("messageExpression").asText()).getAst())
                      .eval(vars));
        }
      } catch (Exception e) {
        message = "CEL rule " + expr + " failed: " + e.getMessage();
      }
      out.add(new Violation(Violation.Type.RULE, path, node, message));
    }
    JsonNode props = schema.get("properties");
    if (node.isObject() && props != null) {
      Iterator<Map.Entry<String, JsonNode>> it = props.properties().iterator();
      while (it.hasNext()) {
        var e = it.next();
        if (node.has(e.getKey())) {
          cel(
              node.get(e.getKey()),
              old == null ? null : old.get(e.getKey()),
              e.getValue(),
              join(path, e.getKey()),
              out);
        }
      }
    }
    if (node.isArray() && schema.has("items")) {
      int i = 0;
      for (JsonNode item : node) {
        cel(item, null, schema.get("items"), path + "[" + i++ + "]", out);
      }
    }
  }

  /** JSON to CEL values, typed by the schema as the API server does (integer vs number). */
  static Object toCel(JsonNode node, JsonNode schema) {
    String type = schema == null ? "" : schema.path("type").asText("");
    if (node.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      JsonNode props = schema == null ? null : schema.get("properties");
      JsonNode additional = schema == null ? null : schema.get("additionalProperties");
      node.properties()
          .forEach(
              e -> {
                JsonNode s =
                    props != null && props.has(e.getKey())
                        ? props.get(e.getKey())
                        : additional != null && additional.isObject() ? additional : null;
                m.put(e.getKey(), toCel(e.getValue(), s));
              });
      return m;
    }
    if (node.isArray()) {
      List<Object> l = new ArrayList<>();
      node.forEach(i -> l.add(toCel(i, schema == null ? null : schema.get("items"))));
      return l;
    }
    if (node.isNumber()) {
      return "integer".equals(type) || (!"number".equals(type) && node.isIntegralNumber())
          ? (Object) node.asLong()
          : (Object) node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }
}
