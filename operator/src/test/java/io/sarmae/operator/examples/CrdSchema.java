package io.sarmae.operator.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.sarmae.operator.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the API server does with a manifest, on the JVM: structural defaulting, OpenAPI schema
 * validation (json-schema-validator), rejection of unknown fields (kubectl's strict field
 * validation) and the CEL rules of {@code x-kubernetes-validations} (cel-java), including
 * transition rules on update.
 */
public final class CrdSchema {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final CelCompiler CEL =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .setOptions(CelOptions.current().enableHeterogeneousNumericComparisons(true).build())
          .build();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder()
          .setOptions(CelOptions.current().enableHeterogeneousNumericComparisons(true).build())
          .build();

  final JsonNode openApi;
  private final Schema schema;

  public CrdSchema(String crdFile) {
    try {
      JsonNode crd = YAML.readTree(Golden.REPO.resolve("crds").resolve(crdFile).toFile());
      openApi = crd.at("/spec/versions/0/schema/openAPIV3Schema");
      schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(openApi);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode read(Path manifest) {
    try {
      return YAML.readTree(manifest.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Violations of a create: schema, unknown fields and CEL rules after defaulting. */
  public List<String> validateCreate(JsonNode manifest) {
    JsonNode obj = manifest.deepCopy();
    applyDefaults(obj, openApi);
    List<String> errors = new ArrayList<>();
    for (Error e : schema.validate(obj)) {
      errors.add(e.getInstanceLocation() + ": " + e.getMessage());
    }
    unknownFields(obj, openApi, "", errors);
    cel(obj, null, openApi, "", errors);
    return errors;
  }

  /** Violations of an update from {@code before} to {@code after}, transition rules included. */
  List<String> validateUpdate(JsonNode before, JsonNode after) {
    JsonNode o = before.deepCopy();
    JsonNode n = after.deepCopy();
    applyDefaults(o, openApi);
    applyDefaults(n, openApi);
    List<String> errors = validateCreate(n);
    cel(n, o, openApi, "", errors);
    return errors.stream().distinct().toList();
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

  static void unknownFields(JsonNode node, JsonNode schema, String path, List<String> errors) {
    if (node == null || schema == null) {
      return;
    }
    if (node.isArray() && schema.has("items")) {
      int i = 0;
      for (JsonNode item : node) {
        unknownFields(item, schema.get("items"), path + "[" + i++ + "]", errors);
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
      if (path.isEmpty()
          && (e.getKey().equals("apiVersion")
              || e.getKey().equals("kind")
              || e.getKey().equals("metadata"))) {
        continue;
      }
      if (props != null && props.has(e.getKey())) {
        unknownFields(e.getValue(), props.get(e.getKey()), path + "." + e.getKey(), errors);
      } else if (additional != null && additional.isObject()) {
        unknownFields(e.getValue(), additional, path + "." + e.getKey(), errors);
      } else {
        errors.add(path + "." + e.getKey() + ": unknown field");
      }
    }
  }

  /** Evaluates CEL rules; transition rules only when {@code old} is given. */
  static void cel(JsonNode node, JsonNode old, JsonNode schema, String path, List<String> errors) {
    if (node == null || node.isNull() || schema == null) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expr = rule.get("rule").asText();
      boolean transition = expr.contains("oldSelf");
      if (transition && (old == null || old.isNull())) {
        continue;
      }
      try {
        CelAbstractSyntaxTree ast = CEL.compile(expr).getAst();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("self", toCel(node, schema));
        if (transition) {
          vars.put("oldSelf", toCel(old, schema));
        }
        Object ok = RUNTIME.createProgram(ast).eval(vars);
        if (!Boolean.TRUE.equals(ok)) {
          // As the API server: messageExpression when present, else message, else the rule.
          String message = rule.path("message").asText(expr);
          if (rule.hasNonNull("messageExpression")) {
            message =
                String.valueOf(
                    RUNTIME
                        .createProgram(CEL.compile(rule.get("messageExpression").asText()).getAst())
                        .eval(vars));
          }
          errors.add((path.isEmpty() ? "<root>" : path) + ": " + message);
        }
      } catch (Exception e) {
        errors.add(path + ": CEL rule " + expr + " failed: " + e.getMessage());
      }
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
              path + "." + e.getKey(),
              errors);
        }
      }
    }
    if (node.isArray() && schema.has("items")) {
      int i = 0;
      for (JsonNode item : node) {
        cel(item, null, schema.get("items"), path + "[" + i++ + "]", errors);
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
