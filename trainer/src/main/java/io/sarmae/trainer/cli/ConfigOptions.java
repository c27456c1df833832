package io.sarmae.trainer.cli;

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

  /** A mutable copy of the overrides, for a command to append its shorthand options to. */
  List<String> sets() {
    return new ArrayList<>(overrides);
  }
}
