package io.sarmae.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No two packages of the trainer's main sources depend on each other, directly or through others
 * (issue #14): every reference to a trainer class, by import or by qualified name, is an edge from
 * the referring file's package, and no strongly connected component of that graph has two packages.
 */
class PackageCyclesTest {
  private static final Path MAIN = Path.of("src/main/java");
  private static final Pattern REF =
      Pattern.compile("\\b(io\\.sarmae\\.trainer(?:\\.[a-z][a-z0-9_]*)*)\\.[A-Z]\\w*");

  static Map<String, Set<String>> graph(Path root) throws IOException {
    Map<String, Set<String>> edges = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
        Set<String> out = edges.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = REF.matcher(Files.readString(f));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            out.add(m.group(1));
          }
        }
      }
    }
    return edges;
  }

  /** Tarjan's strongly connected components with more than one package. */
  static List<Set<String>> cycles(Map<String, Set<String>> edges) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    List<Set<String>> out = new ArrayList<>();
    int[] next = {0};
    for (String v : edges.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, edges, index, low, stack, out, next);
      }
    }
    return out;
  }

  private static void connect(
      String v,
      Map<String, Set<String>> edges,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      List<Set<String>> out,
      int[] next) {
    index.put(v, next[0]);
    low.put(v, next[0]++);
    stack.push(v);
    for (String w : edges.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, edges, index, low, stack, out, next);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }

  @Test
  void theTrainersPackagesFormNoCycle() throws IOException {
    Map<String, Set<String>> edges = graph(MAIN);
    assertThat(edges).containsKeys("io.sarmae.trainer.model", "io.sarmae.trainer.config");
    assertThat(cycles(edges)).isEmpty();
  }

  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> edges = new TreeMap<>();
    edges.put("a", Set.of("b"));
    edges.put("b", Set.of("c"));
    edges.put("c", Set.of("a", "d"));
    edges.put("d", Set.of());
    assertThat(cycles(edges)).containsExactly(Set.of("a", "b", "c"));
  }
}
