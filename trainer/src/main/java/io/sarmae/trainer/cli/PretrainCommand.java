package io.sarmae.trainer.cli;

import ai.djl.Device;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.dist.ProcessGroup;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.ops.FusedOptim;
import io.sarmae.trainer.ops.Precision;
import io.sarmae.trainer.pretrain.Pretrainer;
import io.sarmae.trainer.runtime.PodFit;
import io.sarmae.trainer.train.Devices;
import io.sarmae.trainer.train.Rendezvous;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sarmae-trainer pretrain}: SARMAE pretraining from a YAML config. */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description = "Pretrain a SARMAE ViT masked autoencoder (SARE speckle + SARC alignment).")
public final class PretrainCommand implements Callable<Integer> {
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
    return pretrain(options.config, options.withRecipe("pretrain", sets));
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
    RunHarness.Run run =
        new RunHarness.Run(
            "pretrain",
            rendezvous.rank(),
            () -> PodFit.apply(cfg),
            ConfigLoader.toYaml(cfg),
            outputDir(cfg, rendezvous),
            cfg.observability);
    return RunHarness.run(
        run,
        reporter -> {
          Attention.use(cfg.model.attention);
          FusedOptim.use(cfg.optim.fused);
          Device[] devices = Devices.select(cfg.run.device);
          Precision.use(cfg.optim.precision, devices[0]);
          StopSignal stop = StopSignal.install();
          ProcessGroup group = rendezvous.connect(cfg.distributed);
          Pretrainer.Result result = new Pretrainer(cfg, devices, reporter, stop, group).run();
          Map<String, Object> extra = new LinkedHashMap<>();
          extra.put("epoch", result.epochs());
          extra.put("step", result.steps());
          if (Double.isFinite(result.lastLoss())) {
            extra.put("loss", result.lastLoss());
          }
          extra.put("checkpoint", result.finalCheckpoint().toString());
          extra.put("weightsSha256", result.weightsSha256());
          return new RunHarness.Succeeded("pretraining finished", extra);
        });
  }
}
