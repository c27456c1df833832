package io.sarmae.trainer.bench;

import ai.djl.Device;
import io.sarmae.trainer.config.TrainerConfig;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * What every step benchmark is run on (a picocli mixin of {@code bench-step} and {@code
 * bench-precision}): the model size, the batch, the image side, the engine's threads and the
 * device.
 */
final class BenchShape {
  @Option(names = "--size", defaultValue = "tiny", description = "tiny|small|base|large")
  String size;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--image", defaultValue = "224")
  int image;

  @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads (interop 1).")
  int threads;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu|gpu (the first GPU).")
  String device;

  /**
   * Sets the engine's thread counts. DJL reads them once, when the engine loads: call this before
   * anything touches the engine.
   */
  void useThreads() {
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
  }

  /** The device the benchmark runs on. */
  Device engineDevice() {
    return "gpu".equals(device) ? Device.gpu() : Device.cpu();
  }

  /** A config with this shape: threads, model size, image side and batch; the rest defaults. */
  TrainerConfig config() {
    TrainerConfig c = new TrainerConfig();
    c.run.threads = threads;
    c.model.size = TrainerConfig.ModelSize.valueOf(size.toUpperCase(Locale.ROOT));
    c.model.imageSize = image;
    c.optim.batchSize = batch;
    return c;
  }
}
