package io.sarmae.trainer;

import io.sarmae.trainer.cli.EmbedCommand;
import io.sarmae.trainer.cli.EvaluateCommand;
import io.sarmae.trainer.cli.FinetuneCommand;
import io.sarmae.trainer.cli.PretrainCommand;
import io.sarmae.trainer.cli.QuickstartCommand;
import io.sarmae.trainer.cli.SynthDataCommand;
import io.sarmae.trainer.cli.WeightsCommand;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.TerminationMessage;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sarmae-trainer}: the command line. Typed failures become exit codes here and only here.
 */
@Command(
    name = "sarmae-trainer",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "SARMAE pretraining and fine-tuning of ViT masked autoencoders on SAR images.",
    subcommands = {
      PretrainCommand.class,
      FinetuneCommand.class,
      EvaluateCommand.class,
      SynthDataCommand.class,
      QuickstartCommand.class,
      WeightsCommand.class,
      EmbedCommand.class,
      io.sarmae.trainer.bench.StepBenchmark.class,
      io.sarmae.trainer.bench.AttentionBenchmark.class,
      io.sarmae.trainer.bench.LoaderBenchmark.class,
      io.sarmae.trainer.bench.PrecisionBenchmark.class,
      CommandLine.HelpCommand.class
    })
public final class Main {

  /** Commands that poll the stop flag: SIGTERM must be caught from their first instant. */
  private static final java.util.Set<String> TRAINING =
      java.util.Set.of("pretrain", "finetune", "quickstart");

  public static void main(String[] args) {
    configureLogging();
    if (args.length > 0 && TRAINING.contains(args[0])) {
      // First thing: a SIGTERM during start-up (config, data index, engine load) is kept and the
      // run stops at its first step boundary with a checkpoint and exit 75, instead of dying with
      // 143 and nothing saved (issue 12). Other commands keep the JVM's default (exit 143).
      io.sarmae.trainer.train.StopSignal.install();
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int run(String... args) {
    configureLogging();
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          Logger log = LoggerFactory.getLogger(Main.class);
          int code;
          String reason;
          if (e instanceof TrainerException te) {
            code = te.exitCode();
            reason = te.reason();
            if (code == ExitCodes.RESUMABLE) {
              log.warn("{}", e.getMessage());
              String stalled = io.sarmae.trainer.train.StopSignal.stalledAtSignal();
              if (stalled != null) {
                // stopped by the kubelet because /healthz failed: counted by the operator
                reason = "LivenessFailed";
              }
            } else {
              log.error("{}", e.getMessage());
              if (code == ExitCodes.INTERNAL || te.getCause() != null && log.isDebugEnabled()) {
                log.debug("cause", e);
              }
            }
          } else if (e instanceof java.io.UncheckedIOException io) {
            // An I/O failure nothing typed: storage (full or read-only volume), not a bug.
            code = ExitCodes.CHECKPOINT;
            reason = "StorageError";
            log.error("Storage error: {}", io.getCause() == null ? io : io.getCause().toString());
          } else {
            code = ExitCodes.INTERNAL;
            reason = "InternalError";
            log.error("Unexpected error: {}", e.toString(), e);
          }
          TerminationMessage.write(
              TerminationMessage.target(System.getenv()),
              TerminationMessage.render(code, reason, e.getMessage(), Map.of()));
          return code;
        });
    cli.setParameterExceptionHandler(
        (e, argv) -> {
          e.getCommandLine().getErr().println("error: " + e.getMessage());
          e.getCommandLine().usage(e.getCommandLine().getErr());
          TerminationMessage.write(
              TerminationMessage.target(System.getenv()),
              TerminationMessage.render(
                  ExitCodes.CONFIG, "InvalidArguments", e.getMessage(), Map.of()));
          return ExitCodes.CONFIG;
        });
    return cli.execute(args);
  }

  private static void configureLogging() {
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    setIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
    // DJL warns about the CUDA driver on every CPU-only machine; Devices logs the real choice.
    setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
    setIfAbsent("ai.djl.offline", "true");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** Version from the jar manifest. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "sarmae-trainer " + (v == null ? "dev" : v) + " (DJL 0.36.0, PyTorch 2.7.1)"
      };
    }
  }
}
