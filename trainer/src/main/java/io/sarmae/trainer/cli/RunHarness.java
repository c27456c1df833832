package io.sarmae.trainer.cli;

import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.metrics.ObservabilityServer;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TerminationMessage;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every training command does around its loop, written once: CPU threads, the resolved config
 * in the log, one metrics registry, the run reporter ({@code /progress}, {@code log.jsonl}, the
 * progress bar), the observability server, the final phase and the termination message. {@code
 * pretrain} and {@code finetune} (whatever its task) run through {@link #run}.
 */
final class RunHarness {
  private static final Logger LOG = LoggerFactory.getLogger(RunHarness.class);

  private RunHarness() {}

  /**
   * A run's identity and observability settings.
   *
   * @param mode {@code pretrain} or {@code finetune} (the metrics' and progress' {@code mode})
   * @param rank this process's rank (0 for one process)
   * @param fitToContainer sizes the run to its container before the engine loads: CPU threads from
   *     {@code run.threads} (0 = the container's CPU budget) and the memory check ({@code
   *     runtime.PodFit})
   * @param resolvedConfig the resolved config as YAML, logged once
   * @param outputDir where progress and logs go
   */
  record Run(
      String mode,
      int rank,
      Runnable fitToContainer,
      String resolvedConfig,
      Path outputDir,
      TrainerConfig.Observability observability) {}

  /** The loop of a command, run with the harness' reporter. */
  @FunctionalInterface
  interface Body {
    Succeeded train(RunReporter reporter);
  }

  /** A finished run's termination message: what finished and the fields for the operator. */
  record Succeeded(String message, Map<String, Object> fields) {}

  /** Runs {@code body} inside the harness; returns the exit code (failures throw). */
  static int run(Run run, Body body) {
    run.fitToContainer().run();
    LOG.info("Resolved config:\n{}", run.resolvedConfig().stripTrailing());
    Path termination = TerminationMessage.target(System.getenv());
    TrainerConfig.Observability obs = run.observability();
    try (TrainingMetrics metrics = new TrainingMetrics(run.mode(), run.rank())) {
      RunReporter reporter =
          new RunReporter(
              run.mode(),
              metrics,
              run.outputDir(),
              obs.logEverySteps,
              RunReporter.barFor(obs.progressBar.yamlName(), System.out),
              obs.logFormat == TrainerConfig.LogFormat.JSON);
      ObservabilityServer server =
          obs.port > 0
              ? ObservabilityServer.start(
                  obs.port,
                  metrics,
                  reporter,
                  java.time.Duration.ofSeconds(obs.stallTimeoutSeconds))
              : null;
      // A stop signal while /healthz fails is the kubelet's liveness kill: say so at once (the
      // loop may be hung and be killed after the grace period) and in the exit's message.
      java.time.Duration stall = java.time.Duration.ofSeconds(obs.stallTimeoutSeconds);
      Runnable unhook =
          StopSignal.onFirstSignal(
              signal -> livenessFailed(signal, reporter.stalled(stall), termination));
      try {
        Succeeded done = body.train(reporter);
        reporter.finished(true);
        TerminationMessage.write(
            termination,
            TerminationMessage.render(ExitCodes.OK, "Succeeded", done.message(), done.fields()));
        return ExitCodes.OK;
      } catch (RuntimeException e) {
        reporter.finished(false);
        throw e;
      } finally {
        unhook.run();
        if (server != null) {
          server.close();
        }
      }
    }
  }

  /**
   * Termination reason of a run stopped while {@code /healthz} failed (docs/trainer-contract.md).
   */
  static final String LIVENESS_FAILED = "LivenessFailed";

  /**
   * On the first stop signal: when the run is stalled, marks it and writes the {@code
   * LivenessFailed} termination message now, which the exit overwrites with the same reason if the
   * loop still reaches its checkpoint.
   */
  static void livenessFailed(String signal, Optional<String> stalled, Path termination) {
    stalled.ifPresent(
        why -> {
          StopSignal.markStalled(why);
          LOG.warn("{} while /healthz failed ({}): a liveness kill", signal, why);
          TerminationMessage.write(
              termination,
              TerminationMessage.render(
                  ExitCodes.RESUMABLE,
                  LIVENESS_FAILED,
                  signal + " while /healthz failed: " + why,
                  Map.of()));
        });
  }
}
