package io.sarmae.trainer.cli;

import ai.djl.Device;
import io.sarmae.trainer.ExitCodes;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.finetune.FinetuneResults;
import io.sarmae.trainer.finetune.Finetuner;
import io.sarmae.trainer.finetune.RepeatResult;
import io.sarmae.trainer.metrics.ObservabilityServer;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TerminationMessage;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.runtime.PodFit;
import io.sarmae.trainer.train.Devices;
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

/** {@code sarmae-trainer finetune}: classification fine-tuning with repeats. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    description =
        "Fine-tune a (SARMAE-pretrained) ViT classifier on an ImageFolder SAR dataset, over"
            + " several seeds, and write results.json.")
public final class FinetuneCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(FinetuneCommand.class);

  @Mixin ConfigOptions options = new ConfigOptions();

  @Option(names = "--repeats", paramLabel = "N", description = "Same as --set repeats.count=N")
  Integer repeats;

  @Option(names = "--init", paramLabel = "PATH", description = "Same as --set model.init=PATH")
  String init;

  @Override
  public Integer call() {
    List<String> sets = options.sets();
    if (repeats != null) {
      sets.add("repeats.count=" + repeats);
    }
    if (init != null) {
      sets.add("model.init=" + init);
    }
    return finetune(options.config, sets);
  }

  /** Loads the config and fine-tunes; returns the exit code. */
  static int finetune(Path config, List<String> sets) {
    FinetuneConfig cfg = ConfigLoader.loadFinetune(config, sets);
    PodFit.apply(cfg);
    LOG.info("Resolved config:\n{}", ConfigLoader.toYaml(cfg).stripTrailing());
    Path termination = TerminationMessage.target(System.getenv());
    try (TrainingMetrics metrics = new TrainingMetrics("finetune")) {
      RunReporter reporter =
          new RunReporter(
              "finetune",
              metrics,
              Path.of(cfg.run.outputDir),
              cfg.observability.logEverySteps,
              RunReporter.barFor(cfg.observability.progressBar.yamlName(), System.out),
              cfg.observability.logFormat == io.sarmae.trainer.config.TrainerConfig.LogFormat.JSON);
      ObservabilityServer server =
          cfg.observability.port > 0
              ? ObservabilityServer.start(
                  cfg.observability.port, metrics, reporter::progress, reporter::ready)
              : null;
      try {
        Device[] devices = Devices.select(cfg.run.device);
        if (devices.length > 1) {
          LOG.info("Fine-tuning uses one device: {}", devices[0]);
        }
        FinetuneResults results =
            new Finetuner(cfg, devices[0], reporter, StopSignal.install()).run();
        reporter.finished(true);
        TerminationMessage.write(
            termination,
            TerminationMessage.render(
                ExitCodes.OK, "Succeeded", "fine-tuning finished", summary(results, cfg)));
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

  /** The termination-message fields the operator copies to {@code SarmaeFinetune} status. */
  static Map<String, Object> summary(FinetuneResults results, FinetuneConfig cfg) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("top1Mean", round(results.aggregate().top1Last().mean()));
    extra.put("top1Std", round(results.aggregate().top1Last().std()));
    extra.put("top1BestMean", round(results.aggregate().top1Best().mean()));
    extra.put("top1BestStd", round(results.aggregate().top1Best().std()));
    extra.put(
        "top1",
        results.repeats().stream()
            .mapToDouble(RepeatResult::top1Last)
            .map(v -> round(v))
            .toArray());
    extra.put("repeats", results.repeats().size());
    extra.put("results", Path.of(cfg.run.outputDir).resolve("results.json").toString());
    return extra;
  }

  private static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 10000.0) / 10000.0 : Double.NaN;
  }
}
