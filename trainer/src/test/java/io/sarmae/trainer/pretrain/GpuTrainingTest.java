package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import io.sarmae.trainer.train.Devices;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on every visible GPU (data parallel inside the process). Runs only where PyTorch sees a
 * GPU (the CUDA libtorch of the GPU image); skipped in CI.
 */
class GpuTrainingTest {

  @Test
  void trainsOnAllVisibleGpus(@TempDir Path dir) throws Exception {
    assumeTrue(Engine.getInstance().getGpuCount() > 0, "no GPU visible to PyTorch");
    PretrainerTest.data = dir.resolve("data");
    SynthData.generate(PretrainerTest.data, 48, 0.75, 32, 3);
    TrainerConfig c = PretrainerTest.config(dir, "run.device=gpu", "optim.epochs=1");
    Device[] devices = Devices.select(c.run.device);
    assertThat(devices).allMatch(Device::isGpu);
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir.resolve("out"), 1, null);
      Pretrainer.Result r = new Pretrainer(c, devices, reporter, StopSignal.manual()).run();
      assertThat(r.steps()).isEqualTo(6);
      assertThat(r.lastLoss()).isFinite();
    }
  }
}
