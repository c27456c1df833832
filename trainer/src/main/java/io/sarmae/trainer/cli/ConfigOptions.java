package io.sarmae.trainer.cli;

import io.sarmae.trainer.config.Recipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE} and repeatable {@code --set key=value}, shared by the training commands.
 */
final class ConfigOptions {
  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "YAML config (keys in docs/trainer-contract.md). Without it, all defaults.")
  Path config;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "Override one config key, e.g. --set optim.epochs=10 (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--recipe",
      paramLabel = "NAME",
      description =
          "A paper protocol that sets every key the reference fixes (docs/method.md, \"Named"
              + " recipes\"): pretrain-vitb-paper, pretrain-vitl-paper, fusar-40shot-vitb,"
              + " mstar-40shot-vitb, saracd-30pct-vitb. --config and --set override it.")
  String recipe;

  /**
   * {@code sets} (the overrides plus the command's shorthands) with the recipe's keys placed under
   * them, or {@code sets} unchanged without {@code --recipe}.
   */
  List<String> withRecipe(String command, List<String> sets) {
    return recipe == null ? sets : Recipe.named(recipe).overrides(command, config, sets);
  }

  /** A mutable copy of the overrides, for a command to append its shorthand options to. */
  List<String> sets() {
    return new ArrayList<>(overrides);
  }
}
