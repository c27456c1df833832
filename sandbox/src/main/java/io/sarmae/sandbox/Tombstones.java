package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The mock's recent deletions, so that a watch opened after a deletion still reports it. kubectl
 * ({@code delete --wait}, {@code wait --for=delete}, {@code get -w}) lists, then watches from the
 * list's {@code resourceVersion}; an API server sends that watch every change made since, while the
 * mock's watch starts empty at the moment it is opened. An object deleted between the list and the
 * watch was therefore never reported and kubectl waited for ever (the sandbox's orphaning delete,
 * whose garbage collector removes the finalizer a moment after the DELETE, hit that window now and
 * then). Each deletion is kept here with a fresh resource version taken inside the mock's write
 * lock, which orders it against every list; a watch from version {@code since} is owed exactly the
 * deletions kept with a greater version. The last {@value #CAPACITY} are kept; older ones are not
 * replayed (an API server would answer 410 Gone there).
 */
final class Tombstones {
  static final int CAPACITY = 4096;

  /**
   * A deletion: its resource version, the collection paths it belongs to (namespaced and across
   * namespaces) and the object as last stored, with that version.
   */
  record Tombstone(long resourceVersion, String collection, String allNamespaces, JsonNode object) {
    String uid() {
      return object.path("metadata").path("uid").asText("");
    }
  }

  private final Deque<Tombstone> kept = new ArrayDeque<>();

  /**
   * Keeps a deletion. {@code path} is the request path that caused it: an object's path, its {@code
   * /status}, or the collection of a delete-collection.
   */
  synchronized void add(String path, JsonNode object, long resourceVersion) {
    String name = object.path("metadata").path("name").asText("");
    String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    if (p.endsWith("/status")) {
      p = p.substring(0, p.length() - "/status".length());
    }
    String collection = p.endsWith("/" + name) ? p.substring(0, p.length() - name.length() - 1) : p;
    String allNamespaces = collection.replaceFirst("/namespaces/[^/]+/", "/");
    ObjectNode copy = object.deepCopy();
    if (copy.get("metadata") instanceof ObjectNode meta) {
      meta.put("resourceVersion", Long.toString(resourceVersion));
    }
    kept.addLast(new Tombstone(resourceVersion, collection, allNamespaces, copy));
    while (kept.size() > CAPACITY) {
      kept.removeFirst();
    }
  }

  /**
   * The deletions a watch of {@code watchPath} (a collection, with its query) opened from {@code
   * since} is owed: kept with a greater version, in its collection, matching its field and label
   * selectors. None for {@code since} 0 (a watch from now) or a label selector this class does not
   * read (set-based: {@code in}, {@code notin}).
   */
  synchronized List<Tombstone> since(long since, String watchPath) {
    List<Tombstone> out = new ArrayList<>();
    if (since <= 0) {
      return out;
    }
    int q = watchPath.indexOf('?');
    String collection = q < 0 ? watchPath : watchPath.substring(0, q);
    FieldSelector fields = FieldSelector.fromQuery(watchPath);
    List<LabelTerm> labels = labelSelector(watchPath);
    if (labels == null) {
      return out;
    }
    for (Tombstone t : kept) {
      if (t.resourceVersion() > since
          && (collection.equals(t.collection()) || collection.equals(t.allNamespaces()))
          && fields.matches(t.object())
          && labelsMatch(labels, t.object().path("metadata").path("labels"))) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * One term of an equality-based label selector: {@code k=v}, {@code k!=v}, {@code k}, {@code !k}.
   */
  record LabelTerm(Op op, String key, String value) {
    enum Op {
      EQUALS,
      NOT_EQUALS,
      EXISTS,
      ABSENT
    }

    boolean matches(JsonNode labels) {
      JsonNode v = labels.path(key);
      boolean has = v.isTextual();
      return switch (op) {
        case EQUALS -> has && v.asText().equals(value);
        case NOT_EQUALS -> !has || !v.asText().equals(value);
        case EXISTS -> has;
        case ABSENT -> !has;
      };
    }
  }

  /**
   * The query's equality-based label selector; empty without one, null when set-based ({@code in},
   * {@code notin}).
   */
  static List<LabelTerm> labelSelector(String pathAndQuery) {
    List<LabelTerm> terms = new ArrayList<>();
    for (String selector : FieldSelector.queryValues(pathAndQuery, "labelSelector")) {
      for (String term : selector.split(",")) {
        String t = term.strip();
        if (t.isEmpty()) {
          continue;
        }
        if (t.contains("(") || t.contains(" ")) {
          return null;
        }
        int ne = t.indexOf("!=");
        int eq = t.indexOf('=');
        if (ne > 0) {
          terms.add(
              new LabelTerm(LabelTerm.Op.NOT_EQUALS, t.substring(0, ne), t.substring(ne + 2)));
        } else if (eq > 0) {
          String v = t.substring(eq + 1);
          terms.add(
              new LabelTerm(
                  LabelTerm.Op.EQUALS, t.substring(0, eq), v.startsWith("=") ? v.substring(1) : v));
        } else if (t.startsWith("!")) {
          terms.add(new LabelTerm(LabelTerm.Op.ABSENT, t.substring(1), ""));
        } else {
          terms.add(new LabelTerm(LabelTerm.Op.EXISTS, t, ""));
        }
      }
    }
    return terms;
  }

  static boolean labelsMatch(List<LabelTerm> terms, JsonNode labels) {
    return terms.stream().allMatch(t -> t.matches(labels));
  }
}
