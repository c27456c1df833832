package io.sarmae.trainer.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the devices a run trains on: every visible GPU, or the CPU with a clear log line. */
public final class Devices {
  private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

  private Devices() {}

  public static Device[] select(TrainerConfig.Device wanted) {
    int gpus = Engine.getInstance().getGpuCount();
    switch (wanted) {
      case CPU:
        LOG.info("Training on CPU (run.device: cpu)");
        return new Device[] {Device.cpu()};
      case GPU:
        if (gpus == 0) {
          throw new ConfigException(
              "run.device: gpu, but no GPU is visible to PyTorch (check the pod's nvidia.com/gpu"
                  + " limit, the CUDA libtorch in PYTORCH_LIBRARY_PATH, or use run.device: auto)");
        }
        return gpus(gpus);
      default:
        if (gpus == 0) {
          LOG.info("No GPU visible: training on CPU");
          return new Device[] {Device.cpu()};
        }
        return gpus(gpus);
    }
  }

  private static Device[] gpus(int n) {
    Device[] devices = new Device[n];
    for (int i = 0; i < n; i++) {
      devices[i] = Device.gpu(i);
    }
    LOG.info("Training data-parallel on {} GPU(s) in this process", n);
    return devices;
  }
}
