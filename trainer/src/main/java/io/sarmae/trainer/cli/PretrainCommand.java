package io.sarmae.trainer.cli;

import ai.djl.Device;
import io.sarmae.trainer.ExitCodes;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.dist.ProcessGroup;
import io.sarmae.trainer.metrics.ObservabilityServer;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TerminationMessage;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.runtime.PodFit;
import io.sarmae.trainer.train.Devices;
import io.sarmae.trainer.train.Pretrainer;
import io.sarmae.trainer.train.Rendezvous;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sarmae-trainer pretrain}: SARMAE pretraining from a YAML config. */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description = "Pretrain a SARMAE ViT masked autoencoder (SARE speckle + SARC alignment).")
public final class PretrainCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PretrainCommand.class);

  @Mixin ConfigOptions options = new ConfigOptions();

  @Option(
      names = "--resume",
      paramLabel = "auto|never|PATH",
      description = "Same as --set checkpoint.resume=...")
  String resume;

  @Override
  public Integer call() {
    List<String> sets = options.sets();
    if (resume != null) {
      sets.add("checkpoint.resume=" + resume);
    }
    return pretrain(options.config, sets);
  }

  /**
   * {@code run.outputDir} for rank 0; other ranks of a multi-process run write their logs and
   * progress under {@code run.outputDir/rank-<r>}, so ranks sharing a volume do not collide.
   */
  static Path outputDir(TrainerConfig cfg, Rendezvous rendezvous) {
    Path dir = Path.of(cfg.run.outputDir);
    return rendezvous.rank() == 0 ? dir : dir.resolve("rank-" + rendezvous.rank());
  }

  /** Loads the config, validates the environment and trains; returns the exit code. */
  static int pretrain(Path config, List<String> sets) {
    TrainerConfig cfg = ConfigLoader.load(config, sets);
    Rendezvous rendezvous = Rendezvous.fromEnv(System.getenv());
    PodFit.apply(cfg);
    LOG.info("Resolved config:\n{}", ConfigLoader.toYaml(cfg).stripTrailing());
    Path termination = TerminationMessage.target(System.getenv());
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain", rendezvous.rank())) {
      RunReporter reporter =
          new RunReporter(
              "pretrain",
              metrics,
              outputDir(cfg, rendezvous),
              cfg.observability.logEverySteps,
              RunReporter.barFor(cfg.observability.progressBar.yamlName(), System.out),
              cfg.observability.logFormat == TrainerConfig.LogFormat.JSON);
      ObservabilityServer server =
          cfg.observability.port > 0
              ? ObservabilityServer.start(
                  cfg.observability.port, metrics, reporter::progress, reporter::ready)
              : null;
      try {
        Device[] devices = Devices.select(cfg.run.device);
        StopSignal stop = StopSignal.install();
        ProcessGroup group = rendezvous.connect(cfg.distributed);
        Pretrainer.Result result = new Pretrainer(cfg, devices, reporter, stop, group).run();
        reporter.finished(true);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("epoch", result.epochs());
        extra.put("step", result.steps());
        if (Double.isFinite(result.lastLoss())) {
          extra.put("loss", result.lastLoss());
        }
        extra.put("checkpoint", result.finalCheckpoint().toString());
        extra.put("weightsSha256", result.weightsSha256());
        TerminationMessage.write(
            termination,
            TerminationMessage.render(ExitCodes.OK, "Succeeded", "pretraining finished", extra));
        return ExitCodes.OK;
      } catch (RuntimeException e) {
        reporter.finished(false);
        throw e;
      } finally {
        if (server != null) {
          server.close();
        }
      }
    }
  }
}
