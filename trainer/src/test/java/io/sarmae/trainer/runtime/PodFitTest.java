package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodFitTest {
  @TempDir Path dir;

  private FakeRoot pod(String memoryMax) {
    return new FakeRoot(dir)
        .affinity("0-95")
        .file("sys/fs/cgroup/cpu.max", "800000 100000")
        .file("sys/fs/cgroup/memory.max", memoryMax)
        .file("proc/meminfo", "MemTotal: 400000000 kB\n");
  }

  private static TrainerConfig base(int batch) {
    TrainerConfig c = new TrainerConfig();
    c.optim.batchSize = batch;
    return c;
  }

  private PodFit decide(TrainerConfig c, Map<String, String> env) {
    return PodFit.decide(
        c.run.threads,
        c.data.workers,
        c.distributed.glooThreads,
        PodFit.pretrainShape(c, false),
        dir,
        env);
  }

  @Test
  void runThreadsZeroTakesTheQuotaNotTheNode() {
    pod("max");
    PodFit fit = decide(base(4), Map.of());
    assertThat(fit.threads().budget().cpus()).isEqualTo(8);
    assertThat(fit.threads().intraOp()).isEqualTo(6);
    assertThat(fit.limit()).map(MemoryLimit::source).contains("MemTotal");
  }

  @Test
  void theDefaultBaseRunDoesNotFitIn8GiBAndTheMessageSaysWhatToLower() {
    pod(Long.toString(8L << 30));
    // ViT-B at the reference batch 64 on a CPU: about 19 GiB of activations.
    assertThatThrownBy(() -> decide(base(64), Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((TrainerException) e).exitCode()).isEqualTo(ExitCodes.CONFIG))
        .hasMessageContaining("more than the 8.00 GiB this process may have (cgroup-v2)")
        .hasMessageContaining("Lower optim.batchSize (64 -> at most ")
        .hasMessageContaining("raise the container's memory limit");
    assertThat(decide(base(4), Map.of()).close()).isFalse();
  }

  @Test
  void patchSize2At1024IsRefusedNamingTheTokensAndTheAttention() {
    pod(Long.toString(64L << 30));
    TrainerConfig c = base(8);
    c.model.size = TrainerConfig.ModelSize.TINY;
    c.model.imageSize = 1024;
    c.model.patchSize = 2;
    // the default (fused) kernel makes no attention matrices: the tokens alone are too many
    assertThatThrownBy(() -> decide(c, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Lower model.imageSize or raise model.patchSize (65537 tokens")
        .hasMessageNotContaining("attention matrices");
    // the plain kernel's matrices are most of it, and the message says so
    c.model.attention = TrainerConfig.AttentionKernel.PLAIN;
    assertThatThrownBy(() -> decide(c, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Lower model.imageSize or raise model.patchSize (65537 tokens")
        .hasMessageContaining("attention matrices alone take");
  }

  @Test
  void memoryCheckWarnKeepsGoing() {
    pod(Long.toString(1L << 30));
    PodFit fit = decide(base(64), Map.of("SARMAE_MEMORY_CHECK", "warn"));
    assertThat(fit.refusal(64))
        .contains("Lower model.size: the model state and runtime alone take");
  }

  @Test
  void closeToTheLimitIsFlagged() {
    pod("max");
    TrainerConfig c = base(16);
    long need = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
    pod(Long.toString((long) (need / 0.9)));
    PodFit fit = decide(c, Map.of());
    assertThat(fit.close()).isTrue();
    assertThat(fit.refusal(16)).isNull();
  }

  @Test
  void onAGpuOnlyTheHostPartIsChecked() {
    TrainerConfig c = base(64);
    MemoryEstimate gpu = MemoryEstimate.of(PodFit.pretrainShape(c, true));
    MemoryEstimate cpu = MemoryEstimate.of(PodFit.pretrainShape(c, false));
    assertThat(gpu.hostBytes()).isLessThan(cpu.hostBytes() / 4);
    new FakeRoot(dir).file("dev/nvidia0", "");
    assertThat(PodFit.onGpu(TrainerConfig.Device.AUTO, dir)).isTrue();
    assertThat(PodFit.onGpu(TrainerConfig.Device.CPU, dir)).isFalse();
    assertThat(PodFit.onGpu(TrainerConfig.Device.AUTO, dir.resolve("none"))).isFalse();
  }

  @Test
  void finetuneShapeSeesAllTokensAndNoDecoder() {
    FinetuneConfig f = new FinetuneConfig();
    MemoryEstimate.Shape s = PodFit.finetuneShape(f, false);
    assertThat(s.maskRatio()).isZero();
    assertThat(s.decoderDim()).isZero();
    assertThat(MemoryEstimate.of(s).tokens()).isEqualTo(197);
  }
}
