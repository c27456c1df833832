package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The API server's rules for names and labels, checked on create (the mock accepts any name):
 *
 * <ul>
 *   <li>{@code metadata.name}: an RFC 1123 label (at most 63 characters) for namespaces, an RFC
 *       1035 label (63, starting with a letter) for services, an RFC 1123 subdomain (at most 253)
 *       for everything else, pods and custom resources included; a pod's {@code spec.hostname} and
 *       {@code spec.subdomain} are RFC 1123 labels (63), which is what bounds the pod names the
 *       operator derives (its hostname is the pod's name);
 *   <li>{@code metadata.labels}: keys of an optional subdomain prefix and a name of at most 63
 *       characters, values of at most 63 characters, both alphanumeric at the ends with {@code -_.}
 *       inside.
 * </ul>
 *
 * A violation is answered 422 {@code Invalid} with the API server's wording.
 */
final class ObjectNames {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  static final Pattern QUALIFIED = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  private static final String LABEL_TEXT =
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and"
          + " must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc',"
          + " regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  private static final String SUBDOMAIN_TEXT =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
          + " '.', and must start and end with an alphanumeric character (e.g. 'example.com',"
          + " regex used for validation is"
          + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  private static final String DNS1035_TEXT =
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an"
          + " alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or"
          + " 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

  private ObjectNames() {}

  /** The answer to a create whose names break the rules, or null. */
  static MockResponse check(RecordedRequest request, String path) {
    if (!"POST".equals(request.getMethod())) {
      return null;
    }
    String[] parts = path.split("/");
    String plural = parts[parts.length - 1];
    boolean resourcePath =
        (parts.length == 4 && "api".equals(parts[1]))
            || (parts.length == 6 && "namespaces".equals(parts[3]))
            || (parts.length == 5 && "apis".equals(parts[1]))
            || (parts.length == 7 && "namespaces".equals(parts[4]));
    if (!resourcePath) {
      return null;
    }
    JsonNode object;
    try {
      object = JSON.readTree(request.getBody().getBytes());
    } catch (Exception e) {
      return null; // not JSON: the mock answers it
    }
    if (object == null || !object.isObject()) {
      return null;
    }
    List<String> problems = problems(plural, object);
    if (problems.isEmpty()) {
      return null;
    }
    String kind = object.path("kind").asText("Object");
    String group = parts.length >= 5 && "apis".equals(parts[1]) ? "." + parts[2] : "";
    String message =
        kind
            + group
            + " \""
            + object.path("metadata").path("name").asText("")
            + "\" is invalid: "
            + (problems.size() == 1 ? problems.get(0) : "[" + String.join(", ", problems) + "]");
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure");
    status.putObject("metadata");
    status.put("message", message).put("reason", "Invalid").put("code", 422);
    return new MockResponse()
        .setResponseCode(422)
        .setHeader("Content-Type", "application/json")
        .setBody(status.toString());
  }

  /** Every rule the object breaks, in the API server's "field: Invalid value" form. */
  static List<String> problems(String plural, JsonNode object) {
    List<String> out = new ArrayList<>();
    JsonNode meta = object.path("metadata");
    if (meta.hasNonNull("name")) {
      String name = meta.get("name").asText();
      switch (plural) {
        case "namespaces" -> label(out, "metadata.name", name, DNS1123_LABEL, LABEL_TEXT);
        case "services" -> label(out, "metadata.name", name, DNS1035_LABEL, DNS1035_TEXT);
        default -> subdomain(out, "metadata.name", name);
      }
    }
    if ("pods".equals(plural)) {
      JsonNode spec = object.path("spec");
      for (String f : List.of("hostname", "subdomain")) {
        if (spec.hasNonNull(f) && !spec.get(f).asText().isEmpty()) {
          label(out, "spec." + f, spec.get(f).asText(), DNS1123_LABEL, LABEL_TEXT);
        }
      }
    }
    Iterator<Map.Entry<String, JsonNode>> labels = meta.path("labels").fields();
    while (labels.hasNext()) {
      Map.Entry<String, JsonNode> l = labels.next();
      labelKey(out, l.getKey());
      String v = l.getValue().asText("");
      if (v.length() > 63) {
        out.add(
            "metadata.labels: Invalid value: \"" + v + "\": must be no more than 63 characters");
      } else if (!v.isEmpty() && !QUALIFIED.matcher(v).matches()) {
        out.add(
            "metadata.labels: Invalid value: \""
                + v
                + "\": a valid label must be an empty string or consist of alphanumeric"
                + " characters, '-', '_' or '.', and must start and end with an alphanumeric"
                + " character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for"
                + " validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
      }
    }
    return out;
  }

  private static void label(
      List<String> out, String field, String value, Pattern pattern, String text) {
    if (value.length() > 63) {
      out.add(field + ": Invalid value: \"" + value + "\": must be no more than 63 characters");
    }
    if (!pattern.matcher(value).matches()) {
      out.add(field + ": Invalid value: \"" + value + "\": " + text);
    }
  }

  private static void subdomain(List<String> out, String field, String value) {
    if (value.length() > 253) {
      out.add(field + ": Invalid value: \"" + value + "\": must be no more than 253 characters");
    }
    if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      out.add(field + ": Invalid value: \"" + value + "\": " + SUBDOMAIN_TEXT);
    }
  }

  private static void labelKey(List<String> out, String key) {
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (prefix != null && (prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches())) {
      out.add("metadata.labels: Invalid value: \"" + key + "\": prefix part " + SUBDOMAIN_TEXT);
    }
    if (name.isEmpty() || name.length() > 63 || !QUALIFIED.matcher(name).matches()) {
      out.add(
          "metadata.labels: Invalid value: \""
              + key
              + "\": name part must be no more than 63 characters and consist of alphanumeric"
              + " characters, '-', '_' or '.', and must start and end with an alphanumeric"
              + " character");
    }
  }
}
