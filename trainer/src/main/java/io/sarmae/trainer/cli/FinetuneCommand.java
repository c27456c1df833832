package io.sarmae.trainer.cli;

import ai.djl.Device;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.finetune.FinetuneTask;
import io.sarmae.trainer.finetune.Finetuner;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.ops.FusedOptim;
import io.sarmae.trainer.ops.Precision;
import io.sarmae.trainer.runtime.PodFit;
import io.sarmae.trainer.train.Devices;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sarmae-trainer finetune}: fine-tuning for a downstream task, with repeats. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    description =
        "Fine-tune a (SARMAE-pretrained) ViT for a downstream task (task: classification on an"
            + " ImageFolder SAR dataset; task: segmentation with ViT + UperNet on an mmsegmentation"
            + " layout; task: detection with a ViTDet-style pyramid and FCOS, horizontal boxes from"
            + " COCO or oriented boxes from DOTA), over several seeds, and write results.json.")
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
    return finetune(options.config, options.withRecipe("finetune", sets));
  }

  /** Loads the config and fine-tunes; returns the exit code. */
  static int finetune(Path config, List<String> sets) {
    FinetuneConfig cfg = ConfigLoader.loadFinetune(config, sets);
    RunHarness.Run run =
        new RunHarness.Run(
            "finetune",
            0,
            () -> PodFit.apply(cfg),
            ConfigLoader.toYaml(cfg),
            Path.of(cfg.run.outputDir),
            cfg.observability);
    return RunHarness.run(
        run,
        reporter -> {
          Attention.use(cfg.model.attention);
          FusedOptim.use(cfg.optim.fused);
          Device[] devices = Devices.select(cfg.run.device);
          if (devices.length > 1) {
            LOG.info("Fine-tuning uses one device: {}", devices[0]);
          }
          Precision.use(cfg.optim.precision, devices[0]);
          FinetuneTask.Finished done =
              new Finetuner(cfg, devices[0], reporter, StopSignal.install()).run();
          return new RunHarness.Succeeded("fine-tuning finished", done.termination());
        });
  }
}
