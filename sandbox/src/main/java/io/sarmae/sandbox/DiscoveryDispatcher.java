package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.sarmae.operator.schema.CrdSchema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fabric8's CRUD dispatcher plus the discovery documents that the real {@code kubectl} reads before
 * it does anything ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/<group>/<version>},
 * {@code /version}). Built-in resources are a fixed list of what the sandbox uses; custom resources
 * are learned from the CRDs created through this server (so {@code kubectl apply -f crds/} works
 * too). Creates and replaces of custom resources are checked against the CRD's schema and CEL rules
 * (transition rules on replace) with the operator's {@link CrdSchema}, so kubectl gets the API
 * server's rejections for wrong types, bounds, rules and unknown fields.
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

  /** The mock's recent deletions, for watches opened after them ({@link ApiFront}). */
  private final Tombstones tombstones = new Tombstones();

  private final KubernetesCrudDispatcher crud =
      new KubernetesCrudDispatcher() {
        /**
         * Every change of the store passes here, inside the mock's write lock; a removal (no new
         * state) is also kept as a tombstone, with a resource version newer than any list taken
         * before it.
         */
        @Override
        public void processEvent(
            String path,
            AttributeSet pathAttributes,
            AttributeSet oldAttributes,
            GenericKubernetesResource resource,
            String newState) {
          String old = newState == null && oldAttributes != null ? map.get(oldAttributes) : null;
          super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
          if (old != null) {
            try {
              tombstones.add(path, JSON.readTree(old), requestResourceVersion());
            } catch (IOException e) {
              // the mock stores only what it parsed: a removal whose object cannot be read is
              // reported by the mock's own watch events alone
            }
          }
        }
      };

  /** "group/version/plural" -> the CRD version's openAPIV3Schema, for create/replace checks. */
  private final Map<String, CrdSchema> schemas = new java.util.concurrent.ConcurrentHashMap<>();

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
            group + "/" + v.path("name").asText() + "/" + names.path("plural").asText(),
            new CrdSchema(schema));
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
    MockResponse badName = ObjectNames.check(request, path);
    if (badName != null) {
      return badName;
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
      if ("DELETE".equals(request.getMethod())) {
        return withJsonType(delete(request, path, full));
      }
      if ("GET".equals(request.getMethod()) && !isWatch(full)) {
        return withJsonType(get(request, path, full));
      }
      if ("PATCH".equals(request.getMethod()) || "PUT".equals(request.getMethod())) {
        return withJsonType(write(request, path));
      }
      return withJsonType(crud.dispatch(request));
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
    CrdSchema schema = schemas.get(parts[2] + "/" + parts[3] + "/" + parts[6]);
    if (schema == null) {
      return null;
    }
    JsonNode object;
    try {
      object = JSON.readTree(request.getBody().getBytes());
    } catch (Exception e) {
      return json(400, status(400, "BadRequest", "the body is not JSON: " + e.getMessage()));
    }
    JsonNode old = null;
    if ("PUT".equals(method)) {
      MockResponse current = crud.handleGet(path);
      if (current.code() == 200 && current.getBody() != null) {
        try {
          old = JSON.readTree(current.getBody().getBytes());
        } catch (IOException e) {
          return json(500, status(500, "InternalError", "stored object unreadable: " + e));
        }
      }
    }
    List<CrdSchema.Violation> violations = schema.check(object, old);
    String name = object.path("metadata").path("name").asText("");
    String kind = object.path("kind").asText("") + "." + parts[2];
    List<String> unknown = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (CrdSchema.Violation v : violations) {
      if (v.type() == CrdSchema.Violation.Type.UNKNOWN_FIELD) {
        unknown.add("unknown field \"" + v.path() + "\"");
      } else {
        invalid.add(apiServerMessage(v));
      }
    }
    // Without strict field validation the API server drops unknown fields silently.
    if (full.contains("fieldValidation=Strict") && !unknown.isEmpty()) {
      return json(
          400, status(400, "BadRequest", "strict decoding error: " + String.join(", ", unknown)));
    }
    if (invalid.isEmpty()) {
      return null;
    }
    String message =
        kind
            + " \""
            + name
            + "\" is invalid: "
            + (invalid.size() == 1 ? invalid.get(0) : "[" + String.join(", ", invalid) + "]");
    return json(422, status(422, "Invalid", message));
  }

  /**
   * A violation as the API server words it: {@code spec.model.maskRatio: Invalid value: 1.5: must
   * be at most 1}, {@code spec.data: Required value}; a CEL rule's value is the object's type.
   */
  static String apiServerMessage(CrdSchema.Violation v) {
    if (v.value() == null) {
      return v.path() + ": " + v.message();
    }
    String value =
        v.type() == CrdSchema.Violation.Type.RULE && v.value().isContainerNode()
            ? "\"" + (v.value().isArray() ? "array" : "object") + "\""
            : v.value().toString();
    return (v.path().isEmpty() ? "<root>" : v.path())
        + ": Invalid value: "
        + value
        + ": "
        + v.message();
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
    JsonNode columns = printerColumns(path);
    if (columns == null) {
      return null;
    }
    MockResponse raw = get(request, path, full);
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
    return json(200, table(columns, items, body).toString());
  }

  /** The printer columns of the custom resource a request path names, or null. */
  JsonNode printerColumns(String path) {
    String[] parts = path.split("/");
    if (parts.length < 5 || !"apis".equals(parts[1])) {
      return null;
    }
    boolean namespaced = "namespaces".equals(parts[4]);
    int pluralIndex = namespaced ? 6 : 4;
    if (parts.length <= pluralIndex || parts.length > pluralIndex + 2) {
      return null;
    }
    return printerColumns.get(parts[2] + "/" + parts[3] + "/" + parts[pluralIndex]);
  }

  /** A Table of {@code items} with the CRD's printer columns, as the API server renders it. */
  static ObjectNode table(JsonNode columns, List<JsonNode> items, JsonNode body) {
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
    return t;
  }

  /**
   * A patch or replace. When it removed the last finalizer of an object being deleted, the mock
   * deletes the object and answers with an empty body, which kubectl cannot read; the API server
   * answers with the object, as this does (its state before the write).
   */
  private MockResponse write(RecordedRequest request, String path) {
    MockResponse before = crud.handleGet(path);
    MockResponse r = crud.dispatch(request);
    if (r.code() / 100 == 2
        && (r.getBody() == null || r.getBody().size() == 0)
        && before.code() == 200
        && before.getBody() != null) {
      return json(200, before.getBody().readUtf8());
    }
    return r;
  }

  /** The deletions a watch of {@code watchPath} from {@code since} is owed ({@link Tombstones}). */
  List<Tombstones.Tombstone> deletedSince(long since, String watchPath) {
    return tombstones.since(since, watchPath);
  }

  static boolean isWatch(String full) {
    return full.contains("watch=true") || full.contains("watch=1");
  }

  /**
   * The mock answers without a Content-Type; kubectl, which asks for protobuf first ({@code
   * describe}), then takes the JSON body for protobuf and fails. The API server always says.
   */
  private static MockResponse withJsonType(MockResponse r) {
    if (r != null
        && r.getWebSocketListener() == null
        && r.header("Content-Type") == null
        && r.getBody() != null
        && r.getBody().size() > 0) {
      r.setHeader("Content-Type", "application/json");
    }
    return r;
  }

  /**
   * A GET (not a watch) with the field selector applied as the API server does: the mock itself
   * understands only {@code metadata.name}, so the selector is taken off the query and every item
   * of the list is matched here ({@link FieldSelector}: {@code involvedObject.*} of events, {@code
   * status.phase}, {@code spec.nodeName}, any other field path; {@code =}, {@code ==}, {@code !=}).
   */
  private MockResponse get(RecordedRequest request, String path, String full) throws Exception {
    FieldSelector selector;
    try {
      selector = FieldSelector.fromQuery(full);
    } catch (IllegalArgumentException e) {
      return json(400, status(400, "BadRequest", e.getMessage()));
    }
    MockResponse raw =
        selector.isEmpty()
            ? crud.dispatch(request)
            : crud.handleGet(FieldSelector.withoutSelector(full));
    if (raw.code() != 200 || raw.getBody() == null || raw.getBody().size() == 0) {
      return raw;
    }
    JsonNode body = JSON.readTree(raw.getBody().getBytes());
    if (!body.has("items")) {
      return selector.matches(body) ? raw : json(404, status(404, "NotFound", "not found"));
    }
    String kind = kindOf(path);
    if (kind != null) {
      // The mock calls every list "List"; kubectl describe decodes events only from an EventList.
      ((ObjectNode) body).put("kind", kind + "List");
    }
    ArrayNode kept = JSON.createArrayNode();
    body.get("items")
        .forEach(
            i -> {
              if (selector.matches(i)) {
                kept.add(i);
              }
            });
    ((ObjectNode) body).set("items", kept);
    return json(200, body.toString());
  }

  /**
   * A DELETE with the propagation policy of its query or body: {@code Foreground} marks the object
   * with the finalizer {@code foregroundDeletion} (and a deletionTimestamp) so that it stays until
   * the {@link GarbageCollector} has deleted its dependents; {@code Orphan} (or {@code
   * orphanDependents=true}) marks it with {@code orphan}, which makes the collector strip the owner
   * references from its dependents; {@code Background}, the default, deletes at once and the
   * collector deletes the dependents afterwards.
   */
  private MockResponse delete(RecordedRequest request, String path, String full) throws Exception {
    String policy = propagationPolicy(request, full);
    String finalizer =
        switch (policy) {
          case "Foreground" -> "foregroundDeletion";
          case "Orphan" -> "orphan";
          default -> null;
        };
    if (finalizer == null || path.split("/").length < 4) {
      return crud.dispatch(request);
    }
    MockResponse current = crud.handleGet(path);
    if (current.code() != 200 || current.getBody() == null) {
      return crud.dispatch(request);
    }
    JsonNode object = JSON.readTree(current.getBody().getBytes());
    JsonNode meta = object.path("metadata");
    if (meta.has("deletionTimestamp")) {
      return json(200, object.toString());
    }
    ArrayNode finalizers = JSON.createArrayNode();
    meta.path("finalizers").forEach(finalizers::add);
    boolean present = false;
    for (JsonNode f : finalizers) {
      present |= finalizer.equals(f.asText());
    }
    if (!present) {
      finalizers.add(finalizer);
    }
    ObjectNode patch = JSON.createObjectNode();
    patch.putObject("metadata").set("finalizers", finalizers);
    MockResponse patched =
        crud.handlePatch(
            new RecordedRequest(
                "HTTP/1.1",
                io.fabric8.mockwebserver.dsl.HttpMethod.PATCH,
                path,
                new io.fabric8.mockwebserver.http.Headers.Builder()
                    .add("Content-Type", "application/merge-patch+json")
                    .build(),
                new io.fabric8.mockwebserver.http.Buffer(
                    patch.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    if (patched.code() >= 300) {
      return patched;
    }
    crud.handleDelete(path);
    MockResponse after = crud.handleGet(path);
    return after.code() == 200 ? after : json(200, object.toString());
  }

  static String propagationPolicy(RecordedRequest request, String full) {
    java.util.regex.Matcher q =
        java.util.regex.Pattern.compile("[?&]propagationPolicy=(\\w+)").matcher(full);
    if (q.find()) {
      return q.group(1);
    }
    if (full.contains("orphanDependents=true")) {
      return "Orphan";
    }
    try {
      byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
      if (body.length > 0) {
        JsonNode options = JSON.readTree(body);
        if (options.hasNonNull("propagationPolicy")) {
          return options.get("propagationPolicy").asText();
        }
        if (options.path("orphanDependents").asBoolean(false)) {
          return "Orphan";
        }
      }
    } catch (Exception e) {
      // not DeleteOptions: the default applies
    }
    return "Background";
  }

  /** The kind a list path names ({@code /api/v1/namespaces/x/events} is Event), or null. */
  private synchronized String kindOf(String path) {
    String[] parts = path.split("/");
    String gv;
    int rest;
    if (parts.length >= 4 && "api".equals(parts[1])) {
      gv = parts[2];
      rest = 3;
    } else if (parts.length >= 5 && "apis".equals(parts[1])) {
      gv = parts[2] + "/" + parts[3];
      rest = 4;
    } else {
      return null;
    }
    int plural = parts.length > rest + 2 && "namespaces".equals(parts[rest]) ? rest + 2 : rest;
    if (plural != parts.length - 1) {
      return null;
    }
    for (Resource r : groups.getOrDefault(gv, List.of())) {
      if (r.plural().equals(parts[plural])) {
        return r.kind();
      }
    }
    return null;
  }

  /** apiVersion and kind of every namespaced resource served (what the collector sweeps). */
  synchronized List<String[]> namespacedKinds() {
    List<String[]> out = new ArrayList<>();
    java.util.Set<String> kinds = new java.util.HashSet<>();
    for (Map.Entry<String, List<Resource>> e : groups.entrySet()) {
      for (Resource r : e.getValue()) {
        if (r.namespaced() && kinds.add(r.kind() + "/" + r.plural())) {
          out.add(new String[] {e.getKey(), r.kind()});
        }
      }
    }
    return out;
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
    ObjectNode components = doc.putObject("components").putObject("schemas");
    for (Resource r : resources) {
      CrdSchema schema = schemas.get(group + "/" + version + "/" + r.plural());
      if (schema != null) {
        // What kubectl explain reads: the CRD's structural schema, tagged with its kind.
        ObjectNode s = schema.openApi().deepCopy();
        s.putArray("x-kubernetes-group-version-kind")
            .addObject()
            .put("group", group)
            .put("version", version)
            .put("kind", r.kind());
        String reversed =
            String.join(".", reverse(List.of(group.split("\\.")))) + "." + version + "." + r.kind();
        components.set(reversed, s);
      }
    }
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

  private static List<String> reverse(List<String> parts) {
    List<String> out = new ArrayList<>(parts);
    java.util.Collections.reverse(out);
    return out;
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
