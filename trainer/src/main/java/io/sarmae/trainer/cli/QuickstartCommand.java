package io.sarmae.trainer.cli;

import io.sarmae.trainer.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sarmae-trainer quickstart}: the embedded default job. Generates a small synthetic dataset
 * (once), writes the ViT-Tiny config next to it for the user to read and edit, and pretrains on it.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description =
        "Generate a synthetic SAR dataset under ./demo and pretrain a ViT-Tiny SARMAE on it (CPU,"
            + " a few minutes). Re-running resumes from the newest checkpoint.")
public final class QuickstartCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(QuickstartCommand.class);

  @Option(
      names = "--dir",
      defaultValue = "demo",
      description = "Working folder (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--count",
      defaultValue = "768",
      description = "Synthetic scenes (default ${DEFAULT-VALUE}).")
  int count;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "Override a config key, e.g. --set optim.epochs=2 (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    Path data = dir.resolve("data");
    if (!Files.exists(data.resolve("paired.json"))) {
      SynthDataCommand.generate(data, count, 0.75, 64, 0);
    } else {
      LOG.info("Using the existing synthetic dataset in {}", data);
    }
    Path config = dir.resolve("quickstart.yaml");
    if (!Files.exists(config)) {
      try (InputStream in =
          QuickstartCommand.class.getResourceAsStream("/io/sarmae/trainer/quickstart.yaml")) {
        if (in == null) {
          throw new ConfigException("quickstart.yaml is missing from the jar");
        }
        Files.createDirectories(dir);
        Files.write(config, in.readAllBytes());
      }
      LOG.info("Wrote {} (edit it, or pass --set key=value)", config);
    }
    List<String> sets = new ArrayList<>();
    sets.add("data.path=" + data);
    sets.add("run.outputDir=" + dir.resolve("output"));
    sets.add("checkpoint.dir=" + dir.resolve("checkpoints"));
    sets.addAll(overrides);
    return PretrainCommand.pretrain(config, sets);
  }
}
