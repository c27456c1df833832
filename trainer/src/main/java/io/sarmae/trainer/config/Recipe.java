package io.sarmae.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named paper protocol ({@code --recipe NAME}): a committed YAML resource under {@code
 * io/sarmae/trainer/recipes/} that sets every key the reference fixes for one experiment, citing
 * the reference section per key, and names the keys the user must supply (weights files).
 *
 * <p>Precedence, lowest first: the config defaults, the recipe, the {@code --config} file, {@code
 * --set} (and the command's shorthand options). A recipe therefore only fills keys that neither the
 * file nor {@code --set} gives; it becomes {@code --set} overrides placed before the user's own, so
 * the loader, its strict key checks and the logged resolved config are unchanged.
 *
 * @param name the recipe's name
 * @param command {@code pretrain} or {@code finetune}
 * @param settings the recipe's keys as {@code key=value} overrides (values as YAML flow text)
 * @param requires keys the user must set, with what they are
 */
public record Recipe(
    String name, String command, Map<String, String> settings, Map<String, String> requires) {

  /** The top-level config-file key that names a recipe, as {@code --recipe} does. */
  public static final String KEY = "recipe";

  /** The recipes shipped with the trainer. */
  public static final List<String> NAMES =
      List.of(
          "pretrain-vitb-paper",
          "pretrain-vitl-paper",
          "fusar-40shot-vitb",
          "mstar-40shot-vitb",
          "saracd-30pct-vitb");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Logger LOG = LoggerFactory.getLogger(Recipe.class);

  /** Reads a shipped recipe; an unknown name is a config error listing the known ones. */
  public static Recipe named(String name) {
    if (!NAMES.contains(name)) {
      throw new ConfigException(
          "--recipe: unknown recipe '" + name + "'; use one of " + String.join(", ", NAMES));
    }
    try (InputStream in =
        Recipe.class.getResourceAsStream("/io/sarmae/trainer/recipes/" + name + ".yaml")) {
      if (in == null) {
        throw new IllegalStateException("recipe resource " + name + ".yaml is missing");
      }
      JsonNode root = YAML.readTree(in);
      Map<String, String> settings = new LinkedHashMap<>();
      flatten(root.path("config"), "", settings);
      Map<String, String> requires = new LinkedHashMap<>();
      root.path("requires")
          .fields()
          .forEachRemaining(e -> requires.put(e.getKey(), e.getValue().asText()));
      return new Recipe(name, root.path("command").asText(), settings, requires);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read recipe " + name, e);
    }
  }

  /**
   * The overrides that apply this recipe under the user's config file and overrides: the recipe's
   * keys that neither sets, then the user's overrides.
   *
   * @param command the command running the recipe, which must be the recipe's
   * @throws ConfigException if the recipe belongs to another command or a required key is unset
   */
  public List<String> overrides(String command, Path configFile, List<String> userSets) {
    checkCommand(command, "--recipe " + name);
    Map<String, String> user = new LinkedHashMap<>();
    if (configFile != null && Files.isRegularFile(configFile)) {
      try {
        flatten(YAML.readTree(configFile.toFile()), "", user);
      } catch (JsonProcessingException e) {
        // left for the loader, which reports it with the line and column
      } catch (IOException e) {
        throw new ConfigException("cannot read config " + configFile + ": " + e.getMessage(), e);
      }
    }
    if (user.containsKey(KEY)) {
      throw new ConfigException(
          "--recipe "
              + name
              + ": "
              + configFile
              + " names a recipe too ("
              + KEY
              + ": "
              + user.get(KEY)
              + "); give the recipe once, with --recipe or in the file");
    }
    for (String s : userSets) {
      int eq = s.indexOf('=');
      if (eq > 0) {
        user.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
      }
    }
    checkRequired(user, "--recipe " + name, "in the --config file or with --set KEY=PATH");
    List<String> out = new ArrayList<>(unset(user.keySet(), "--config/--set"));
    out.addAll(userSets);
    return out;
  }

  /**
   * Applies a config file's {@code recipe: NAME} key, the file form of {@code --recipe} (how the
   * operator passes {@code spec.recipe}), to the file's tree in place: removes the key and fills
   * the recipe's keys that the file does not set, so the precedence is the same as {@code
   * --recipe}'s (defaults, recipe, file, {@code --set}). Call {@link #checkRequired(ObjectNode)}
   * once the overrides are applied.
   *
   * @param tree the config file's root mapping
   * @param command the command loading it
   * @param source the file, for messages
   * @return the recipe, or null when the file names none
   * @throws ConfigException if the key is not a recipe name or names another command's recipe
   */
  static Recipe applyFileKey(ObjectNode tree, String command, String source) {
    JsonNode key = tree.remove(KEY);
    if (key == null || key.isNull()) {
      return null;
    }
    if (!key.isTextual() || !NAMES.contains(key.asText())) {
      throw new ConfigException(
          KEY
              + " in "
              + source
              + ": unknown recipe "
              + key
              + "; use one of "
              + String.join(", ", NAMES));
    }
    Recipe recipe = named(key.asText());
    recipe.checkCommand(command, KEY + ": " + recipe.name + " in " + source);
    Map<String, String> file = new LinkedHashMap<>();
    flatten(tree, "", file);
    for (String set : recipe.unset(file.keySet(), source)) {
      ConfigLoader.applyOverride(tree, set);
    }
    return recipe;
  }

  /**
   * Refuses a resolved tree that leaves a key this recipe requires (a weights file) unset.
   *
   * @throws ConfigException naming each missing key and the file it expects
   */
  void checkRequired(ObjectNode tree) {
    Map<String, String> resolved = new LinkedHashMap<>();
    flatten(tree, "", resolved);
    checkRequired(resolved, KEY + ": " + name, "in the config file or with --set KEY=PATH");
  }

  private void checkCommand(String command, String what) {
    if (!this.command.equals(command)) {
      throw new ConfigException(
          what + " is a " + this.command + " recipe; run it with sarmae-trainer " + this.command);
    }
  }

  private void checkRequired(Map<String, String> user, String what, String where) {
    List<String> missing = new ArrayList<>();
    requires.forEach(
        (key, description) -> {
          String v = user.get(key);
          if (v == null || v.isBlank() || v.equals("null") || v.equals("\"\"")) {
            missing.add(key + " (" + description + ")");
          }
        });
    if (!missing.isEmpty()) {
      throw new ConfigException(what + ": set " + String.join(" and ", missing) + ", " + where);
    }
  }

  /** This recipe's settings as {@code key=value} overrides, less those {@code userKeys} cover. */
  private List<String> unset(Set<String> userKeys, String by) {
    List<String> out = new ArrayList<>();
    List<String> overridden = new ArrayList<>();
    settings.forEach(
        (key, value) -> {
          if (coveredBy(key, userKeys)) {
            overridden.add(key);
          } else {
            out.add(key + "=" + value);
          }
        });
    LOG.info(
        "Recipe {}: {} keys from the recipe, {} overridden by {} {}",
        name,
        out.size(),
        overridden.size(),
        by,
        overridden);
    return out;
  }

  /** True when the user sets {@code key} itself or a whole section above it. */
  private static boolean coveredBy(String key, Set<String> userKeys) {
    for (String u : userKeys) {
      if (u.equals(key) || key.startsWith(u + ".")) {
        return true;
      }
    }
    return false;
  }

  /** Leaf keys as {@code a.b} with values as YAML flow text (strings quoted, lists inline). */
  private static void flatten(JsonNode node, String prefix, Map<String, String> out) {
    if (node == null || node instanceof MissingNode) {
      return;
    }
    if (node.isObject()) {
      if (!prefix.isEmpty() && node.isEmpty()) {
        out.put(prefix, "{}");
        return;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
      }
      return;
    }
    out.put(prefix, node.isTextual() ? quote(node.asText()) : node.toString());
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
