package io.sarmae.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * No two packages of the operator depend on each other, directly or through others. Dependencies
 * are read from the main sources: every reference to a class of another operator package (an import
 * or a fully qualified name). Same-package references need no import, so they never make an edge.
 */
class PackageCyclesTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final String ROOT = "io.sarmae.operator";
  private static final Pattern REFERENCE =
      Pattern.compile("\\b" + Pattern.quote(ROOT) + "(?:\\.[a-z][a-z0-9_]*)*\\.[A-Z]");

  @Test
  void theOperatorsPackagesFormNoCycle() {
    Map<String, Set<String>> graph = dependencies(SOURCES);
    assertThat(graph).containsKeys(ROOT + ".plan", ROOT + ".reconciler", ROOT + ".metrics");
    assertThat(graph.get(ROOT + ".reconciler")).contains(ROOT + ".plan");
    assertThat(cycles(graph)).isEmpty();
  }

  @Test
  void aCycleThroughAThirdPackageIsFound() {
    Map<String, Set<String>> graph = new TreeMap<>();
    graph.put("a", Set.of("b"));
    graph.put("b", Set.of("c"));
    graph.put("c", Set.of("a", "d"));
    graph.put("d", Set.of());
    assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c"));
  }

  /** Package to the operator packages its classes reference. */
  static Map<String, Set<String>> dependencies(Path sources) {
    Map<String, Set<String>> graph = new TreeMap<>();
    try (Stream<Path> files = Files.walk(sources)) {
      List<Path> javaFiles = files.filter(f -> f.toString().endsWith(".java")).toList();
      Set<String> packages = new TreeSet<>();
      for (Path file : javaFiles) {
        packages.add(packageOf(sources, file));
      }
      for (Path file : javaFiles) {
        String from = packageOf(sources, file);
        Set<String> targets = graph.computeIfAbsent(from, k -> new TreeSet<>());
        Matcher reference = REFERENCE.matcher(Files.readString(file));
        while (reference.find()) {
          String qualified = reference.group();
          String target = qualified.substring(0, qualified.length() - 2);
          if (packages.contains(target) && !target.equals(from)) {
            targets.add(target);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return graph;
  }

  private static String packageOf(Path sources, Path file) {
    return sources.relativize(file.getParent()).toString().replace('/', '.');
  }

  /** The strongly connected components with more than one package (Tarjan), each sorted. */
  static List<List<String>> cycles(Map<String, Set<String>> graph) {
    return new Tarjan(graph).components();
  }

  private static final class Tarjan {
    private final Map<String, Set<String>> graph;
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, Integer> lowLink = new HashMap<>();
    private final Deque<String> stack = new ArrayDeque<>();
    private final Set<String> onStack = new TreeSet<>();
    private final List<List<String>> found = new ArrayList<>();

    Tarjan(Map<String, Set<String>> graph) {
      this.graph = graph;
    }

    List<List<String>> components() {
      for (String node : graph.keySet()) {
        if (!index.containsKey(node)) {
          visit(node);
        }
      }
      return found;
    }

    private void visit(String node) {
      index.put(node, index.size());
      lowLink.put(node, index.get(node));
      stack.push(node);
      onStack.add(node);
      for (String next : graph.getOrDefault(node, Set.of())) {
        if (!index.containsKey(next)) {
          visit(next);
          lowLink.put(node, Math.min(lowLink.get(node), lowLink.get(next)));
        } else if (onStack.contains(next)) {
          lowLink.put(node, Math.min(lowLink.get(node), index.get(next)));
        }
      }
      if (lowLink.get(node).equals(index.get(node))) {
        List<String> component = new ArrayList<>();
        String member;
        do {
          member = stack.pop();
          onStack.remove(member);
          component.add(member);
        } while (!member.equals(node));
        if (component.size() > 1) {
          found.add(component.stream().sorted().toList());
        }
      }
    }
  }
}
