package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A field selector ({@code ?fieldSelector=involvedObject.name=x,type!=Normal}) as the API server
 * applies it: every requirement must hold; {@code =} and {@code ==} compare a field's text, {@code
 * !=} its negation, and a missing field is the empty string. Any field path is accepted (the API
 * server accepts a fixed list per kind; the sandbox is lenient rather than strict here).
 */
record FieldSelector(List<Requirement> requirements) {

  record Requirement(String field, boolean equal, String value) {
    boolean matches(JsonNode object) {
      JsonNode v = object;
      for (String key : field.split("\\.")) {
        v = v.path(key);
      }
      String text = v.isMissingNode() || v.isNull() ? "" : v.asText();
      return equal == text.equals(value);
    }
  }

  boolean isEmpty() {
    return requirements.isEmpty();
  }

  boolean matches(JsonNode object) {
    return requirements.stream().allMatch(r -> r.matches(object));
  }

  /** The decoded values of every {@code name=} parameter of a request path's query. */
  static List<String> queryValues(String pathAndQuery, String name) {
    List<String> values = new ArrayList<>();
    int q = pathAndQuery.indexOf('?');
    if (q < 0) {
      return values;
    }
    for (String param : pathAndQuery.substring(q + 1).split("&")) {
      if (param.startsWith(name + "=")) {
        values.add(URLDecoder.decode(param.substring(name.length() + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  /** The selector of a request path's query; empty when it has none. */
  static FieldSelector fromQuery(String pathAndQuery) {
    List<Requirement> out = new ArrayList<>();
    for (String selector : queryValues(pathAndQuery, "fieldSelector")) {
      for (String term : selector.split(",")) {
        if (term.isBlank()) {
          continue;
        }
        int ne = term.indexOf("!=");
        if (ne > 0) {
          out.add(new Requirement(term.substring(0, ne).strip(), false, term.substring(ne + 2)));
          continue;
        }
        int eq = term.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("invalid field selector term: " + term);
        }
        String value = term.substring(eq + 1);
        out.add(
            new Requirement(
                term.substring(0, eq).strip(),
                true,
                value.startsWith("=") ? value.substring(1) : value));
      }
    }
    return new FieldSelector(out);
  }

  /** The request path and query without its field selector. */
  static String withoutSelector(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    if (q < 0) {
      return pathAndQuery;
    }
    List<String> kept = new ArrayList<>();
    for (String param : pathAndQuery.substring(q + 1).split("&")) {
      if (!param.startsWith("fieldSelector=") && !param.isEmpty()) {
        kept.add(param);
      }
    }
    return pathAndQuery.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }
}
