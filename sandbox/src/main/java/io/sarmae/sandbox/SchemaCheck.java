package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The structural part of a CRD's {@code openAPIV3Schema} checked as an API server would on create
 * and replace: types, required fields, enums, bounds, lengths, patterns, item counts, and unknown
 * fields (when the client asks for strict field validation, as kubectl does). CEL rules are not
 * evaluated here; the operator's own validation covers them.
 */
final class SchemaCheck {
  private SchemaCheck() {}

  /** Problems found, each "path: message", plus unknown-field paths when {@code strict}. */
  record Problems(List<String> invalid, List<String> unknownFields) {
    boolean isEmpty() {
      return invalid.isEmpty() && unknownFields.isEmpty();
    }
  }

  static Problems check(JsonNode schema, JsonNode object, boolean strict) {
    Problems p = new Problems(new ArrayList<>(), new ArrayList<>());
    if (schema == null || schema.isMissingNode()) {
      return p;
    }
    JsonNode props = schema.path("properties");
    Iterator<String> names = object.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (name.equals("apiVersion") || name.equals("kind") || name.equals("metadata")) {
        continue; // checked by the API machinery, not the schema
      }
      if (props.has(name)) {
        walk(props.get(name), object.get(name), name, p, strict);
      } else if (strict) {
        p.unknownFields().add(name);
      }
    }
    for (JsonNode r : schema.path("required")) {
      if (!object.has(r.asText())) {
        p.invalid().add(r.asText() + ": Required value");
      }
    }
    return p;
  }

  private static void walk(JsonNode s, JsonNode v, String path, Problems p, boolean strict) {
    if (v == null || v.isNull()) {
      if (!s.path("nullable").asBoolean(false)) {
        p.invalid().add(path + ": Invalid value: \"null\": " + path + " in body must not be null");
      }
      return;
    }
    if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      if (!v.isIntegralNumber() && !v.isTextual()) {
        p.invalid().add(path + ": Invalid value: " + v + ": must be an integer or a string");
      }
      return;
    }
    String type = s.path("type").asText("");
    boolean ok =
        switch (type) {
          case "object" -> v.isObject();
          case "array" -> v.isArray();
          case "string" -> v.isTextual();
          case "integer" -> v.isIntegralNumber();
          case "number" -> v.isNumber();
          case "boolean" -> v.isBoolean();
          default -> true;
        };
    if (!ok) {
      p.invalid()
          .add(
              path
                  + ": Invalid value: \""
                  + kind(v)
                  + "\": "
                  + path
                  + " in body must be of type "
                  + type
                  + ": \""
                  + kind(v)
                  + "\"");
      return;
    }
    if (s.has("enum")) {
      boolean found = false;
      for (JsonNode e : s.get("enum")) {
        found |= e.equals(v) || (e.isNumber() && v.isNumber() && e.asDouble() == v.asDouble());
      }
      if (!found) {
        p.invalid()
            .add(path + ": Unsupported value: " + v + ": supported values: " + s.get("enum"));
      }
    }
    if (v.isNumber()) {
      double d = v.asDouble();
      if (s.has("minimum")) {
        double min = s.get("minimum").asDouble();
        boolean ex = s.path("exclusiveMinimum").asBoolean(false);
        if (ex ? d <= min : d < min) {
          p.invalid()
              .add(
                  path
                      + ": Invalid value: "
                      + v
                      + ": "
                      + path
                      + " in body should be greater than "
                      + (ex ? "" : "or equal to ")
                      + s.get("minimum"));
        }
      }
      if (s.has("maximum")) {
        double max = s.get("maximum").asDouble();
        boolean ex = s.path("exclusiveMaximum").asBoolean(false);
        if (ex ? d >= max : d > max) {
          p.invalid()
              .add(
                  path
                      + ": Invalid value: "
                      + v
                      + ": "
                      + path
                      + " in body should be less than "
                      + (ex ? "" : "or equal to ")
                      + s.get("maximum"));
        }
      }
    }
    if (v.isTextual()) {
      String text = v.asText();
      if (s.has("minLength") && text.length() < s.get("minLength").asInt()) {
        p.invalid()
            .add(
                path
                    + ": Invalid value: \""
                    + text
                    + "\": should be at least "
                    + s.get("minLength")
                    + " chars long");
      }
      if (s.has("maxLength") && text.length() > s.get("maxLength").asInt()) {
        p.invalid().add(path + ": Too long: may not be more than " + s.get("maxLength") + " bytes");
      }
      if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(text).find()) {
        p.invalid()
            .add(
                path
                    + ": Invalid value: \""
                    + text
                    + "\": "
                    + path
                    + " in body should match '"
                    + s.get("pattern").asText()
                    + "'");
      }
    }
    if (v.isArray()) {
      if (s.has("minItems") && v.size() < s.get("minItems").asInt()) {
        p.invalid()
            .add(
                path
                    + ": Invalid value: "
                    + v.size()
                    + ": should have at least "
                    + s.get("minItems")
                    + " items");
      }
      if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) {
        p.invalid()
            .add(
                path
                    + ": Too many: "
                    + v.size()
                    + ": must have at most "
                    + s.get("maxItems")
                    + " items");
      }
      JsonNode items = s.path("items");
      for (int i = 0; i < v.size(); i++) {
        if (!items.isMissingNode()) {
          walk(items, v.get(i), path + "[" + i + "]", p, strict);
        }
      }
    }
    if (v.isObject()) {
      boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
      JsonNode props = s.path("properties");
      JsonNode additional = s.path("additionalProperties");
      Iterator<String> names = v.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        String child = path + "." + name;
        if (props.has(name)) {
          walk(props.get(name), v.get(name), child, p, strict);
        } else if (additional.isObject()) {
          walk(additional, v.get(name), child, p, strict);
        } else if (strict && !preserve && !additional.asBoolean(false) && props.size() > 0) {
          p.unknownFields().add(child);
        }
      }
      for (JsonNode r : s.path("required")) {
        if (!v.has(r.asText())) {
          p.invalid().add(path + "." + r.asText() + ": Required value");
        }
      }
    }
  }

  private static String kind(JsonNode v) {
    if (v.isTextual()) {
      return "string";
    }
    if (v.isIntegralNumber()) {
      return "integer";
    }
    if (v.isNumber()) {
      return "number";
    }
    if (v.isBoolean()) {
      return "boolean";
    }
    return v.isArray() ? "array" : "object";
  }
}
