package io.sarmae.operator.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trainer's named recipes ({@code spec.recipe}) as the operator renders them. The recipe files
 * are the trainer's own ({@code trainer/src/main/resources/io/sarmae/trainer/recipes/}, copied onto
 * the operator's class path by its build), so the two sides read one source.
 *
 * <p>The rendered config names the recipe ({@code recipe: NAME}, the file form of the trainer's
 * {@code --recipe}: defaults, then the recipe, then the file, then {@code --set}). The operator
 * leaves out of the file every key the recipe sets whose value is still the schema's default, so
 * that the recipe's value applies; a field the user set to anything else stays in the file and wins
 * over the recipe, as a {@code --config} key does on the command line. A field set explicitly to
 * its default value is indistinguishable from one left out (the API server writes schema defaults
 * into the object), so it takes the recipe's value (docs/operator.md, "Recipes").
 */
public final class Recipes {
  private Recipes() {}

  /** The trainer config's top-level key naming a recipe (the trainer's Recipe.KEY). */
  public static final String KEY = "recipe";

  private static final String DIR = "/io/sarmae/trainer/recipes/";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The recipe's keys ({@code section.key}) and values, as its file sets them. */
  public static Map<String, JsonNode> settings(String recipe) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    flatten(read(recipe).path("config"), "", out);
    return out;
  }

  /** The keys the recipe requires the run to set (weights files), with what they are. */
  public static Map<String, String> requires(String recipe) {
    Map<String, String> out = new LinkedHashMap<>();
    read(recipe)
        .path("requires")
        .fields()
        .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /** The command the recipe belongs to: {@code pretrain} or {@code finetune}. */
  public static String command(String recipe) {
    return read(recipe).path("command").asText();
  }

  /**
   * Removes from {@code rendered} each key the recipe sets whose value equals the one in {@code
   * defaults} (the rendering of a spec that sets nothing), so that the trainer takes the recipe's.
   */
  static void yieldTo(
      String recipe,
      Map<String, Map<String, Object>> rendered,
      Map<String, Map<String, Object>> defaults) {
    for (String key : settings(recipe).keySet()) {
      int dot = key.indexOf('.');
      Map<String, Object> section = rendered.get(key.substring(0, dot));
      Map<String, Object> defaultSection = defaults.get(key.substring(0, dot));
      String leaf = key.substring(dot + 1);
      if (section != null
          && section.containsKey(leaf)
          && defaultSection != null
          && java.util.Objects.equals(section.get(leaf), defaultSection.get(leaf))) {
        section.remove(leaf);
      }
    }
    // A section left empty is left out: the trainer fills all of it.
    rendered.values().removeIf(Map::isEmpty);
  }

  private static JsonNode read(String recipe) {
    try (InputStream in = Recipes.class.getResourceAsStream(DIR + recipe + ".yaml")) {
      if (in == null) {
        throw new IllegalArgumentException(
            "recipe " + recipe + " is not on the class path (" + DIR + ")");
      }
      return YAML.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read recipe " + recipe, e);
    }
  }

  private static void flatten(JsonNode node, String prefix, Map<String, JsonNode> out) {
    if (node.isObject() && !node.isEmpty()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
      }
    } else if (!prefix.isEmpty()) {
      out.put(prefix, node);
    }
  }
}
