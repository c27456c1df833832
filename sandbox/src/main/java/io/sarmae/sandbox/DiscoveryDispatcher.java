package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fabric8's CRUD dispatcher plus the discovery documents that the real {@code kubectl} reads before
 * it does anything ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/<group>/<version>},
 * {@code /version}). Built-in resources are a fixed list of what the sandbox uses; custom resources
 * are learned from the CRDs created through this server (so {@code kubectl apply -f crds/} works
 * too). Creates and replaces of custom resources are checked against the CRD's structural schema
 * ({@link SchemaCheck}), so kubectl gets the API server's rejections for wrong types, bounds and
 * unknown fields.
 */
final class DiscoveryDispatcher extends Dispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  /** A served resource: plural, singular, kind, namespaced, short names, whether it has status. */
  record Resource(
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean status) {}

  private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();

  /** "group/version/plural" -> the CRD version's openAPIV3Schema, for create/replace checks. */
  private final Map<String, JsonNode> schemas = new java.util.concurrent.ConcurrentHashMap<>();

  /** "group/version/plural" -> the CRD version's additionalPrinterColumns, for kubectl get. */
  private final Map<String, JsonNode> printerColumns =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** group/version -> resources, in discovery order; "" is the core group. */
  private final Map<String, List<Resource>> groups = new LinkedHashMap<>();

  DiscoveryDispatcher() {
    add(
        "v1",
        new Resource("pods", "pod", "Pod", true, List.of("po"), true),
        new Resource("configmaps", "configmap", "ConfigMap", true, List.of("cm"), false),
        new Resource("services", "service", "Service", true, List.of("svc"), true),
        new Resource("events", "event", "Event", true, List.of("ev"), false),
        new Resource(
            "persistentvolumeclaims",
            "persistentvolumeclaim",
            "PersistentVolumeClaim",
            true,
            List.of("pvc"),
            true),
        new Resource("secrets", "secret", "Secret", true, List.of(), false),
        new Resource(
            "serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), false),
        new Resource("namespaces", "namespace", "Namespace", false, List.of("ns"), true));
    add(
        "apiextensions.k8s.io/v1",
        new Resource(
            "customresourcedefinitions",
            "customresourcedefinition",
            "CustomResourceDefinition",
            false,
            List.of("crd", "crds"),
            true));
    add("coordination.k8s.io/v1", new Resource("leases", "lease", "Lease", true, List.of(), false));
    add("events.k8s.io/v1", new Resource("events", "event", "Event", true, List.of("ev"), false));
  }

  private synchronized void add(String groupVersion, Resource... resources) {
    List<Resource> list = groups.computeIfAbsent(groupVersion, k -> new ArrayList<>());
    for (Resource r : resources) {
      list.removeIf(x -> x.plural().equals(r.plural()));
      list.add(r);
    }
  }

  /** Registers the served versions of a CRD (its JSON or YAML-as-JSON tree). */
  synchronized void learnCrd(JsonNode crd) {
    JsonNode spec = crd.path("spec");
    String group = spec.path("group").asText();
    JsonNode names = spec.path("names");
    List<String> shortNames = new ArrayList<>();
    names.path("shortNames").forEach(n -> shortNames.add(n.asText()));
    for (JsonNode v : spec.path("versions")) {
      if (!v.path("served").asBoolean(true)) {
        continue;
      }
      if (v.path("additionalPrinterColumns").isArray()) {
        printerColumns.put(
            group + "/" + v.path("name").asText() + "/" + names.path("plural").asText(),
            v.path("additionalPrinterColumns"));
      }
      JsonNode schema = v.path("schema").path("openAPIV3Schema");
      if (!schema.isMissingNode()) {
        schemas.put(
            group + "/" + v.path("name").asText() + "/" + names.path("plural").asText(), schema);
      }
      add(
          group + "/" + v.path("name").asText(),
          new Resource(
              names.path("plural").asText(),
              names.path("singular").asText(names.path("kind").asText().toLowerCase()),
              names.path("kind").asText(),
              !"Cluster".equals(spec.path("scope").asText()),
              shortNames,
              v.path("subresources").has("status")));
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String full = request.getPath();
    String path = full.contains("?") ? full.substring(0, full.indexOf('?')) : full;
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if ("GET".equals(request.getMethod())) {
      String doc = discovery(path);
      if (doc != null) {
        return json(200, doc);
      }
      if (path.equals("/openapi/v2")) {
        // Only asked (as protobuf) for kinds the v3 index does not cover, such as a kind nobody
        // serves: an empty protobuf Document lets kubectl go on to "no matches for kind".
        return new MockResponse()
            .setResponseCode(200)
            .setHeader("Content-Type", "application/octet-stream")
            .setBody("");
      }
      if (path.equals("/openapi/v3")) {
        return json(200, openApiRoot());
      }
      if (path.startsWith("/openapi/v3/")) {
        String gv = path.substring("/openapi/v3/".length());
        String v3 = openApiGroupVersion(gv.startsWith("api/") ? gv.substring(4) : gv.substring(5));
        if (v3 != null) {
          return json(200, v3);
        }
      }
      if (path.startsWith("/openapi/")) {
        return json(404, status(404, "NotFound", "the sandbox serves no such OpenAPI document"));
      }
    }
    if (path.startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
      // JOSDK's leader election asks what it may do; the sandbox allows everything.
      return json(
          201,
          "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
              + "\"metadata\":{},\"spec\":{},\"status\":{\"incomplete\":false,"
              + "\"nonResourceRules\":[],\"resourceRules\":[{\"verbs\":[\"*\"],"
              + "\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]}}");
    }
    if (path.equals(CRD_PATH) && ("POST".equals(request.getMethod()))) {
      try {
        // getBytes() does not consume the body, which the CRUD dispatcher reads next.
        learnCrd(JSON.readTree(request.getBody().getBytes()));
      } catch (Exception e) {
        return json(400, status(400, "BadRequest", "cannot read the CRD: " + e.getMessage()));
      }
    }
    MockResponse invalid = validate(request, path, full);
    if (invalid != null) {
      return invalid;
    }
    String type = request.getHeader("Content-Type");
    if (type != null && type.contains("protobuf")) {
      // kubectl create <builtin> sends protobuf; the mock stores JSON only.
      return json(
          415,
          status(
              415,
              "UnsupportedMediaType",
              "the sarmae sandbox accepts JSON and YAML only; use kubectl apply -f with a manifest"));
    }
    try {
      MockResponse table = table(request, path, full);
      if (table != null) {
        return table;
      }
      return crud.dispatch(request);
    } catch (Exception e) {
      // Without an answer the client would hang until its timeout.
      return json(500, status(500, "InternalError", "sandbox API: " + e));
    }
  }

  /**
   * Checks a create (POST) or replace (PUT) of a custom resource against its CRD schema; returns
   * the API server's answer for an invalid object, or null. Patches and /status are not checked.
   */
  private MockResponse validate(RecordedRequest request, String path, String full) {
    String method = request.getMethod();
    if (!"POST".equals(method) && !"PUT".equals(method)) {
      return null;
    }
    String[] parts = path.split("/");
    // /apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]
    if (parts.length < 7 || !"apis".equals(parts[1]) || !"namespaces".equals(parts[4])) {
      return null;
    }
    if (parts.length > 8 || ("POST".equals(method) != (parts.length == 7))) {
      return null;
    }
    JsonNode schema = schemas.get(parts[2] + "/" + parts[3] + "/" + parts[6]);
    if (schema == null) {
      return null;
    }
    JsonNode object;
    try {
      object = JSON.readTree(request.getBody().getBytes());
    } catch (Exception e) {
      return json(400, status(400, "BadRequest", "the body is not JSON: " + e.getMessage()));
    }
    boolean strict = full.contains("fieldValidation=Strict");
    SchemaCheck.Problems problems = SchemaCheck.check(schema, object, strict);
    if (problems.isEmpty()) {
      return null;
    }
    String name = object.path("metadata").path("name").asText("");
    String kind = object.path("kind").asText("") + "." + parts[2];
    if (!problems.unknownFields().isEmpty()) {
      List<String> msgs = new ArrayList<>();
      problems.unknownFields().forEach(f -> msgs.add("unknown field \"" + f + "\""));
      return json(
          400, status(400, "BadRequest", "strict decoding error: " + String.join(", ", msgs)));
    }
    List<String> invalid = problems.invalid();
    String message =
        kind
            + " \""
            + name
            + "\" is invalid: "
            + (invalid.size() == 1 ? invalid.get(0) : "[" + String.join(", ", invalid) + "]");
    return json(422, status(422, "Invalid", message));
  }

  /**
   * {@code kubectl get} asks for a Table: answer it with the CRD's printer columns (simple {@code
   * .a.b.c} JSONPaths; dates as ages), as the API server does, so {@code kubectl get smp} shows
   * Phase, Epoch, Loss, ETA and Progress. Watches and other resources pass through unchanged.
   */
  private MockResponse table(RecordedRequest request, String path, String full) throws Exception {
    String accept = request.getHeader("Accept");
    if (!"GET".equals(request.getMethod())
        || accept == null
        || !accept.contains("as=Table")
        || full.contains("watch=true")
        || full.contains("watch=1")) {
      return null;
    }
    String[] parts = path.split("/");
    if (parts.length < 5 || !"apis".equals(parts[1])) {
      return null;
    }
    boolean namespaced = "namespaces".equals(parts[4]);
    int pluralIndex = namespaced ? 6 : 4;
    if (parts.length <= pluralIndex || parts.length > pluralIndex + 2) {
      return null;
    }
    JsonNode columns = printerColumns.get(parts[2] + "/" + parts[3] + "/" + parts[pluralIndex]);
    if (columns == null) {
      return null;
    }
    MockResponse raw = crud.dispatch(request);
    if (raw.code() != 200) {
      return raw;
    }
    JsonNode body = JSON.readTree(raw.getBody().getBytes());
    List<JsonNode> items = new ArrayList<>();
    if (body.has("items")) {
      body.get("items").forEach(items::add);
    } else {
      items.add(body);
    }
    ObjectNode t = JSON.createObjectNode();
    t.put("kind", "Table");
    t.put("apiVersion", "meta.k8s.io/v1");
    t.putObject("metadata")
        .put("resourceVersion", body.path("metadata").path("resourceVersion").asText(""));
    ArrayNode defs = t.putArray("columnDefinitions");
    defs.addObject()
        .put("name", "Name")
        .put("type", "string")
        .put("format", "name")
        .put("description", "Name of the resource")
        .put("priority", 0);
    for (JsonNode c : columns) {
      defs.addObject()
          .put("name", c.path("name").asText())
          .put("type", c.path("type").asText("string"))
          .put("format", c.path("format").asText(""))
          .put("description", c.path("description").asText(""))
          .put("priority", c.path("priority").asInt(0));
    }
    ArrayNode rows = t.putArray("rows");
    java.time.Instant now = java.time.Instant.now();
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      for (JsonNode c : columns) {
        JsonNode v = item;
        for (String key : c.path("jsonPath").asText("").split("\\.")) {
          if (!key.isEmpty()) {
            v = v.path(key);
          }
        }
        if (v.isMissingNode() || v.isNull()) {
          cells.addNull();
        } else if ("date".equals(c.path("type").asText())) {
          cells.add(age(java.time.Duration.between(java.time.Instant.parse(v.asText()), now)));
        } else {
          cells.add(v);
        }
      }
      ObjectNode object = row.putObject("object");
      object.put("kind", "PartialObjectMetadata");
      object.put("apiVersion", "meta.k8s.io/v1");
      object.set("metadata", item.path("metadata"));
    }
    return json(200, t.toString());
  }

  /** kubectl's short age: 42s, 5m, 3h, 2d. */
  static String age(java.time.Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + "m";
    }
    if (s < 172800) {
      return (s / 3600) + "h";
    }
    return (s / 86400) + "d";
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  private synchronized String discovery(String path) {
    switch (path) {
      case "/version":
        return "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-sarmae-sandbox\","
            + "\"platform\":\"linux/amd64\"}";
      case "/api":
        return "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
            + "\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\","
            + "\"serverAddress\":\"127.0.0.1\"}]}";
      case "/apis":
        return groupList();
      case "/api/v1":
        return resourceList("v1");
      default:
        if (path.startsWith("/apis/")) {
          String gv = path.substring("/apis/".length());
          if (gv.chars().filter(c -> c == '/').count() == 1 && groups.containsKey(gv)) {
            return resourceList(gv);
          }
          if (gv.indexOf('/') < 0) {
            for (String key : groups.keySet()) {
              if (key.startsWith(gv + "/")) {
                return group(gv).toString();
              }
            }
          }
        }
        return null;
    }
  }

  /**
   * The OpenAPI v3 index. kubectl reads it only to learn that the server validates fields itself
   * ({@code fieldValidation} on PATCH); it then sends {@code fieldValidation=Strict} and skips
   * client-side validation, which would need the full OpenAPI v2 document.
   */
  private synchronized String openApiRoot() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode paths = root.putObject("paths");
    for (String gv : groups.keySet()) {
      String key = gv.contains("/") ? "apis/" + gv : "api/" + gv;
      paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=sandbox");
    }
    return root.toString();
  }

  private synchronized String openApiGroupVersion(String gv) {
    List<Resource> resources = groups.get(gv);
    if (resources == null) {
      return null;
    }
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
    ObjectNode paths = doc.putObject("paths");
    String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
    String version = gv.contains("/") ? gv.substring(gv.indexOf('/') + 1) : gv;
    String prefix = gv.contains("/") ? "/apis/" + gv : "/api/" + gv;
    for (Resource r : resources) {
      String path =
          prefix + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
      ObjectNode patch = paths.putObject(path).putObject("patch");
      patch
          .putObject("x-kubernetes-group-version-kind")
          .put("group", group)
          .put("version", version)
          .put("kind", r.kind());
      ObjectNode param = patch.putArray("parameters").addObject();
      param.put("name", "fieldValidation");
      param.put("in", "query");
      param.putObject("schema").put("type", "string");
    }
    return doc.toString();
  }

  private String groupList() {
    ObjectNode list = JSON.createObjectNode();
    list.put("kind", "APIGroupList");
    list.put("apiVersion", "v1");
    ArrayNode items = list.putArray("groups");
    groups.keySet().stream()
        .filter(gv -> gv.contains("/"))
        .map(gv -> gv.substring(0, gv.indexOf('/')))
        .distinct()
        .forEach(g -> items.add(group(g)));
    return list.toString();
  }

  private ObjectNode group(String group) {
    ObjectNode g = JSON.createObjectNode();
    g.put("kind", "APIGroup");
    g.put("apiVersion", "v1");
    g.put("name", group);
    ArrayNode versions = g.putArray("versions");
    for (String gv : groups.keySet()) {
      if (gv.startsWith(group + "/")) {
        ObjectNode v = versions.addObject();
        v.put("groupVersion", gv);
        v.put("version", gv.substring(group.length() + 1));
      }
    }
    g.set("preferredVersion", versions.get(0));
    return g;
  }

  private String resourceList(String groupVersion) {
    ObjectNode list = JSON.createObjectNode();
    list.put("kind", "APIResourceList");
    list.put("apiVersion", "v1");
    list.put("groupVersion", groupVersion);
    ArrayNode resources = list.putArray("resources");
    for (Resource r : groups.get(groupVersion)) {
      ObjectNode n = resources.addObject();
      n.put("name", r.plural());
      n.put("singularName", r.singular());
      n.put("namespaced", r.namespaced());
      n.put("kind", r.kind());
      ArrayNode verbs = n.putArray("verbs");
      for (String v :
          List.of(
              "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")) {
        verbs.add(v);
      }
      ArrayNode shortNames = n.putArray("shortNames");
      r.shortNames().forEach(shortNames::add);
      if (r.status()) {
        ObjectNode s = resources.addObject();
        s.put("name", r.plural() + "/status");
        s.put("singularName", "");
        s.put("namespaced", r.namespaced());
        s.put("kind", r.kind());
        s.putArray("verbs").add("get").add("patch").add("update");
      }
    }
    return list.toString();
  }

  private static String status(int code, String reason, String message) {
    ObjectNode s = JSON.createObjectNode();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure");
    s.put("message", message);
    s.put("reason", reason);
    s.put("code", code);
    return s.toString();
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }
}
