package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.pretrain.PretrainerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM during start-up (after the config is read, before the engine is loaded and training
 * starts) is caught: the trainer stops at its first step boundary with a checkpoint and exit 75,
 * not 143 with nothing saved (issue 12).
 */
class EarlySigtermTest {

  @Test
  void sigtermDuringStartUpCheckpointsAndExits75(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SynthData.generate(data, 16, 0.75, 32, 13);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sarmae.trainer.Main"));
    cmd.add("pretrain");
    for (String s :
        PretrainerTest.tinySettings(
            dir, data, "data.workers=1", "optim.epochs=50", "observability.port=0")) {
      cmd.add("--set");
      cmd.add(s);
    }
    Path log = dir.resolve("run.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline
        && p.isAlive()
        && !Files.readString(log).contains("Resolved config")) {
      Thread.sleep(5);
    }
    assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
    p.destroy(); // SIGTERM, while the engine is still loading
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isEqualTo(ExitCodes.RESUMABLE);
    assertThat(out).contains("Received SIGTERM");
    try (var ls = Files.list(dir.resolve("ckpt"))) {
      assertThat(ls.map(f -> f.getFileName().toString()))
          .anyMatch(n -> n.startsWith("checkpoint-"));
    }
  }
}
