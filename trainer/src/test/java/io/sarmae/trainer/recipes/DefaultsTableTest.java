package io.sarmae.trainer.recipes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.config.Recipe;
import io.sarmae.trainer.config.TrainerConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The "defaults and the reference" tables of docs/method.md are generated from the config classes
 * (defaults) and the recipes (the reference's values, with the section each recipe line cites), so
 * they cannot drift: a key whose default differs from the reference is listed, and nothing else.
 * Regenerate with {@code -Dsarmae.updateGolden=true}.
 */
class DefaultsTableTest {
  private static final Path METHOD = Path.of("..", "docs", "method.md");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern CITED = Pattern.compile("^\\s+(\\w+):\\s*[^#]*#\\s*(§[0-9.]+)");

  /** Leaf keys of a resolved config as dotted names to YAML text. */
  private static Map<String, String> flatten(String yaml) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    flatten(YAML.readTree(yaml), "", out);
    return out;
  }

  private static void flatten(JsonNode node, String prefix, Map<String, String> out) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
      }
    } else {
      out.put(
          prefix,
          node.isNull() ? "(none)" : node.isContainerNode() ? node.toString() : node.asText());
    }
  }

  /** The reference section each recipe key cites in its trailing comment. */
  private static Map<String, String> citations(String recipe) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    String section = null;
    try (InputStream in =
        Recipe.class.getResourceAsStream("/io/sarmae/trainer/recipes/" + recipe + ".yaml")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        Matcher sec = Pattern.compile("^  (\\w+):\\s*$").matcher(line);
        if (sec.find()) {
          section = sec.group(1);
          continue;
        }
        Matcher m = CITED.matcher(line);
        if (m.find() && section != null && line.startsWith("    ")) {
          out.put(section + "." + m.group(1), m.group(2));
        }
      }
    }
    return out;
  }

  private static String table(String recipe, Map<String, String> defaults, Map<String, String> ref)
      throws Exception {
    Map<String, String> cite = citations(recipe);
    Recipe r = Recipe.named(recipe);
    StringBuilder s =
        new StringBuilder("| key | default | `" + recipe + "` (reference) | reference |\n")
            .append("|---|---|---|---|\n");
    for (String key : r.settings().keySet()) {
      if (!ref.get(key).equals(defaults.get(key))) {
        s.append("| `")
            .append(key)
            .append("` | ")
            .append(defaults.get(key))
            .append(" | ")
            .append(ref.get(key))
            .append(" | ")
            .append(cite.getOrDefault(key, ""))
            .append(" |\n");
      }
    }
    return s.toString();
  }

  static String generated() throws Exception {
    Map<String, String> pretrainDefaults = flatten(ConfigLoader.toYaml(new TrainerConfig()));
    Map<String, String> pretrainRef =
        flatten(
            ConfigLoader.toYaml(
                ConfigLoader.load(
                    null,
                    Recipe.named("pretrain-vitb-paper")
                        .overrides(
                            "pretrain",
                            null,
                            List.of("checkpoint.initWeights=x", "alignment.opticalWeights=y")))));
    Map<String, String> finetuneDefaults = flatten(ConfigLoader.toYaml(new FinetuneConfig()));
    Map<String, String> finetuneRef =
        flatten(
            ConfigLoader.toYaml(
                ConfigLoader.loadFinetune(
                    null,
                    Recipe.named("fusar-40shot-vitb")
                        .overrides("finetune", null, List.of("model.init=x")))));
    return "Pretraining (`sarmae-trainer pretrain`):\n\n"
        + table("pretrain-vitb-paper", pretrainDefaults, pretrainRef)
        + "\nFine-tuning (`sarmae-trainer finetune`; the other two fine-tuning recipes differ only"
        + " in `data.protocol`/`shots`/`fraction`):\n\n"
        + table("fusar-40shot-vitb", finetuneDefaults, finetuneRef);
  }

  @Test
  void methodDocTablesAreTheGeneratedOnes() throws Exception {
    String begin = "<!-- defaults-vs-reference: generated by DefaultsTableTest -->\n";
    String end = "<!-- end defaults-vs-reference -->";
    String doc = Files.readString(METHOD);
    int a = doc.indexOf(begin);
    int b = doc.indexOf(end);
    assertThat(a).as("docs/method.md has the generated block").isNotNegative();
    assertThat(b).isGreaterThan(a);
    String expected = generated();
    if (Boolean.getBoolean("sarmae.updateGolden")) {
      Files.writeString(METHOD, doc.substring(0, a + begin.length()) + expected + doc.substring(b));
      doc = Files.readString(METHOD);
      b = doc.indexOf(end);
    }
    assertThat(doc.substring(a + begin.length(), b)).isEqualTo(expected);
    // the rows that motivated the table (issue 17) are there
    assertThat(expected)
        .contains("| `optim.decayTokens` | false | true | §5.1 |")
        .contains("| `augment.hflip` | true | false | §6.2 |")
        .contains("| `augment.cropScaleMin` | 0.5 | 1.0 | §6.2 |")
        .contains("| `data.normalization` | symmetric | reference | §6.2 |");
  }

  @Test
  void everyRecipeKeyCitesASection() throws Exception {
    for (String name : Recipe.NAMES) {
      List<String> uncited = new ArrayList<>(Recipe.named(name).settings().keySet());
      uncited.removeAll(citations(name).keySet());
      assertThat(uncited).as(name + " keys without a § citation").isEmpty();
    }
  }
}
