package io.sarmae.trainer.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the YAML config, applies {@code --set key=value} overrides, rejects unknown keys and values
 * of the wrong type with a message naming the key, then validates ranges ({@link ConfigValidator}).
 */
public final class ConfigLoader {
  /**
   * Strict YAML: a key given twice in one mapping is an error (not "the last one wins"), and a
   * number with a fraction for an integer key is an error (not truncated): issue 12.
   */
  private static final ObjectMapper YAML =
      new ObjectMapper(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

  private ConfigLoader() {}

  /** Loads {@code file} (may be null for all defaults), applies overrides and validates. */
  public static TrainerConfig load(Path file, List<String> overrides) {
    ObjectNode tree = readTree(file);
    Recipe recipe = Recipe.applyFileKey(tree, "pretrain", String.valueOf(file));
    for (String override : overrides) {
      applyOverride(tree, override);
    }
    if (recipe != null) {
      recipe.checkRequired(tree);
    }
    TrainerConfig config =
        bind(tree, file == null ? "--set" : file.toString(), TrainerConfig.class);
    ConfigValidator.validate(config);
    checkResumePath(config.checkpoint.resume, config.checkpoint.dir);
    return config;
  }

  /**
   * A {@code checkpoint.resume} path must name an existing folder when the run starts: a typo is a
   * configuration error (exit 2), not a storage error that the operator would retry.
   */
  static void checkResumePath(String resume, String dir) {
    if ("auto".equals(resume) || "never".equals(resume)) {
      return;
    }
    boolean folder;
    try {
      folder = Files.isDirectory(Path.of(resume));
    } catch (java.nio.file.InvalidPathException e) {
      folder = false;
    }
    if (!folder) {
      throw new ConfigException(
          "checkpoint.resume: "
              + resume
              + " is not an existing folder; use auto, never or the path of a checkpoint-<step>"
              + " folder (the checkpoints are in checkpoint.dir "
              + dir
              + ")");
    }
  }

  /** Loads a fine-tuning config ({@link FinetuneConfig}) the same way as {@link #load}. */
  public static FinetuneConfig loadFinetune(Path file, List<String> overrides) {
    ObjectNode tree = readTree(file);
    Recipe recipe = Recipe.applyFileKey(tree, "finetune", String.valueOf(file));
    for (String override : overrides) {
      applyOverride(tree, override);
    }
    if (recipe != null) {
      recipe.checkRequired(tree);
    }
    return bindFinetune(tree, file == null ? "--set" : file.toString());
  }

  private static FinetuneConfig bindFinetune(ObjectNode tree, String source) {
    applyModeDefaults(tree);
    FinetuneConfig config = bind(tree, source, FinetuneConfig.class);
    FinetuneConfigValidator.validate(config);
    return config;
  }

  /**
   * Fills the keys of {@link FinetuneConfig#LINPROBE_DEFAULTS} that a {@code model.mode: linprobe}
   * config leaves out, before binding, so that everything downstream (the logged and checkpointed
   * config included) sees the values in effect. Anything malformed is left for {@link #bind} to
   * report.
   */
  static void applyModeDefaults(ObjectNode tree) {
    JsonNode mode = tree.path("model").path("mode");
    if (!mode.isTextual() || !mode.asText().equals(FinetuneConfig.Mode.LINPROBE.yamlName())) {
      return;
    }
    for (Map.Entry<String, Object> d : FinetuneConfig.LINPROBE_DEFAULTS.entrySet()) {
      String[] parts = d.getKey().split("\\.");
      JsonNode section = tree.get(parts[0]);
      if (section == null || section.isNull()) {
        section = tree.putObject(parts[0]);
      }
      if (section instanceof ObjectNode o
          && (o.get(parts[1]) == null || o.get(parts[1]).isNull())) {
        o.set(parts[1], YAML.valueToTree(d.getValue()));
      }
    }
  }

  /** Parses fine-tuning YAML text (tests, contract check, configs stored in checkpoints). */
  public static FinetuneConfig parseFinetune(String yaml) {
    try {
      JsonNode node = YAML.readTree(yaml);
      ObjectNode tree =
          node == null || node.isNull() || node.isMissingNode()
              ? emptyObject()
              : asObject(node, "<root>");
      return bindFinetune(tree, "<text>");
    } catch (JsonProcessingException e) {
      throw new ConfigException("config is not valid YAML: " + e.getOriginalMessage(), e);
    }
  }

  /** Writes a resolved fine-tuning config as YAML. */
  public static String toYaml(FinetuneConfig config) {
    try {
      return YAML.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses YAML text (used by tests and by the contract check). */
  public static TrainerConfig parse(String yaml) {
    try {
      JsonNode node = YAML.readTree(yaml);
      ObjectNode tree = node == null || node.isNull() ? emptyObject() : asObject(node, "<root>");
      TrainerConfig config = bind(tree, "<text>", TrainerConfig.class);
      ConfigValidator.validate(config);
      return config;
    } catch (JsonProcessingException e) {
      throw new ConfigException("config is not valid YAML: " + e.getOriginalMessage(), e);
    }
  }

  /** Writes the resolved config as YAML (stored in checkpoints and logged at start). */
  public static String toYaml(TrainerConfig config) {
    try {
      return YAML.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode readTree(Path file) {
    if (file == null) {
      return emptyObject();
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(
          "--config: file " + file + " does not exist; pass the path of a YAML config file");
    }
    try {
      JsonNode node = YAML.readTree(file.toFile());
      if (node == null || node.isNull() || node.isMissingNode()) {
        return emptyObject();
      }
      return asObject(node, "<root>");
    } catch (JsonProcessingException e) {
      duplicateKey(e, file.toString());
      throw new ConfigException(
          file + " is not valid YAML: " + e.getOriginalMessage() + locationOf(e), e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config " + file + ": " + e.getMessage(), e);
    }
  }

  /** Throws a message naming the full key when {@code e} is a duplicate-key error. */
  private static void duplicateKey(JsonProcessingException e, String source) {
    if (!(e instanceof StreamReadException sre)
        || sre.getProcessor() == null
        || e.getOriginalMessage() == null
        || !e.getOriginalMessage().startsWith("Duplicate field")) {
      return;
    }
    String name = e.getOriginalMessage().replaceAll("^Duplicate field '(.*)'$", "$1");
    List<String> parts = new ArrayList<>();
    JsonParser parser = sre.getProcessor();
    for (JsonStreamContext c = parser.getParsingContext().getParent();
        c != null;
        c = c.getParent()) {
      if (c.getCurrentName() != null) {
        parts.add(0, c.getCurrentName());
      }
    }
    parts.add(name);
    String key = String.join(".", parts);
    throw new ConfigException(
        key
            + ": given twice in "
            + source
            + locationOf(e)
            + "; a key may appear once per mapping (remove one)",
        e);
  }

  private static String locationOf(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }

  private static ObjectNode emptyObject() {
    return JsonNodeFactory.instance.objectNode();
  }

  private static ObjectNode asObject(JsonNode node, String key) {
    if (!node.isObject()) {
      throw new ConfigException(key + ": expected a mapping of keys, got " + node.getNodeType());
    }
    return (ObjectNode) node;
  }

  static void applyOverride(ObjectNode tree, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          "--set " + override + ": expected key=value, for example --set optim.epochs=10");
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1).trim();
    JsonNode value;
    try {
      value = raw.isEmpty() ? NullNode.getInstance() : YAML.readTree(raw);
    } catch (JsonProcessingException e) {
      duplicateKey(e, "--set " + key);
      throw new ConfigException("--set " + key + ": cannot parse value '" + raw + "'", e);
    }
    String[] parts = key.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (child == null || child.isNull()) {
        child = node.putObject(parts[i]);
      }
      node = asObject(child, String.join(".", Arrays.copyOf(parts, i + 1)));
    }
    node.set(parts[parts.length - 1], value == null ? NullNode.getInstance() : value);
  }

  private static <T> T bind(ObjectNode tree, String source, Class<T> type) {
    checkKnownKeys(tree, type, "");
    try {
      return YAML.treeToValue(tree, type);
    } catch (InvalidFormatException e) {
      String key = pathOf(e);
      Class<?> target = e.getTargetType();
      if (target != null && target.isEnum()) {
        String allowed =
            Arrays.stream(target.getEnumConstants())
                .map(c -> ((TrainerConfig.ConfigEnum) c).yamlName())
                .collect(Collectors.joining(", "));
        throw new ConfigException(
            key + ": '" + e.getValue() + "' is not allowed; use one of " + allowed, e);
      }
      throw new ConfigException(
          key
              + ": '"
              + e.getValue()
              + "' is not a valid "
              + typeName(target)
              + (e.getValue() instanceof Number && "integer".equals(typeName(target))
                  ? " (a number with a fraction is not truncated; give a whole number)"
                  : ""),
          e);
    } catch (MismatchedInputException e) {
      Class<?> t = e.getTargetType();
      boolean integer = t == int.class || t == Integer.class || t == long.class || t == Long.class;
      throw new ConfigException(
          pathOf(e)
              + ": wrong type, expected "
              + typeName(t)
              + (integer ? " (a number with a fraction is not truncated)" : "")
              + " (in "
              + source
              + ")",
          e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("invalid config " + source + ": " + e.getOriginalMessage(), e);
    }
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "value";
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "integer";
    }
    if (type == double.class || type == Double.class) {
      return "number";
    }
    if (type == boolean.class) {
      return "boolean (true or false)";
    }
    if (type == String.class) {
      return "string";
    }
    return type.getSimpleName();
  }

  /** True for a {@link TrainerConfig.ConfigEnum} with the values {@code on} and {@code off}. */
  private static boolean hasOnOff(Class<?> type) {
    if (!type.isEnum() || !TrainerConfig.ConfigEnum.class.isAssignableFrom(type)) {
      return false;
    }
    List<String> names =
        Arrays.stream(type.getEnumConstants())
            .map(c -> ((TrainerConfig.ConfigEnum) c).yamlName())
            .toList();
    return names.contains("on") && names.contains("off");
  }

  private static String pathOf(MismatchedInputException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  /**
   * Rejects keys that are not fields of the target class, naming the keys that are. On the way it
   * reads a YAML boolean given for a setting whose values include {@code on} and {@code off}
   * ({@code optim.fused}) as that value: YAML 1.1 parses a plain {@code on}/{@code off} (and {@code
   * yes}, {@code true}, ...) as a boolean, so {@code fused: off} as the docs write it would
   * otherwise be a type error.
   */
  private static void checkKnownKeys(ObjectNode node, Class<?> type, String prefix) {
    Map<String, Field> fields =
        Arrays.stream(type.getFields())
            .filter(f -> !Modifier.isStatic(f.getModifiers()))
            .collect(Collectors.toMap(Field::getName, f -> f));
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String key = prefix + entry.getKey();
      Field field = fields.get(entry.getKey());
      if (field == null) {
        List<String> known = new ArrayList<>(fields.keySet());
        known.sort(null);
        throw new ConfigException(
            key
                + ": unknown key; "
                + (prefix.isEmpty()
                    ? "sections are "
                    : "keys in '" + prefix.replaceAll("\\.$", "") + "' are ")
                + String.join(", ", known));
      }
      Class<?> fieldType = field.getType();
      if (entry.getValue().isBoolean() && hasOnOff(fieldType)) {
        entry.setValue(
            JsonNodeFactory.instance.textNode(entry.getValue().asBoolean() ? "on" : "off"));
      }
      Class<?> owner = fieldType.getDeclaringClass();
      boolean section =
          (owner == TrainerConfig.class || owner == FinetuneConfig.class) && !fieldType.isEnum();
      if (section) {
        JsonNode value = entry.getValue();
        if (value.isNull()) {
          it.remove();
          continue;
        }
        checkKnownKeys(asObject(value, key), fieldType, key + ".");
      }
    }
  }
}
