package io.sarmae.trainer.recipes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.trainer.config.ConfigException;
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
    try (InputStream in = Recipe.class.getResourceAsStream(name + ".yaml")) {
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
    if (!this.command.equals(command)) {
      throw new ConfigException(
          "--recipe "
              + name
              + " is a "
              + this.command
              + " recipe; run it with sarmae-trainer "
              + this.command);
    }
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
    for (String s : userSets) {
      int eq = s.indexOf('=');
      if (eq > 0) {
        user.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
      }
    }
    List<String> missing = new ArrayList<>();
    requires.forEach(
        (key, what) -> {
          String v = user.get(key);
          if (v == null || v.isBlank() || v.equals("null") || v.equals("\"\"")) {
            missing.add(key + " (" + what + ")");
          }
        });
    if (!missing.isEmpty()) {
      throw new ConfigException(
          "--recipe "
              + name
              + ": set "
              + String.join(" and ", missing)
              + ", in the --config file or with --set KEY=PATH");
    }
    List<String> out = new ArrayList<>();
    List<String> overridden = new ArrayList<>();
    settings.forEach(
        (key, value) -> {
          if (coveredBy(key, user.keySet())) {
            overridden.add(key);
          } else {
            out.add(key + "=" + value);
          }
        });
    LOG.info(
        "Recipe {}: {} keys from the recipe, {} overridden by --config/--set {}",
        name,
        out.size(),
        overridden.size(),
        overridden);
    out.addAll(userSets);
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
