package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A trainer process that gets SIGTERM writes a checkpoint and exits 75; the next run resumes. */
class SigtermTest {

  @Test
  void sigtermCheckpointsExits75AndTheNextRunResumes(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SynthData.generate(data, 32, 0.75, 32, 13);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sarmae.trainer.Main"));
    cmd.add("pretrain");
    for (String s : settings(dir, data)) {
      cmd.add("--set");
      cmd.add(s);
    }
    Path log = dir.resolve("run.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Path progress = dir.resolve("out/progress.json");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (Files.exists(progress)
          && Files.readString(progress).matches("(?s).*\"step\":([3-9]|\\d\\d+),.*")) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(ExitCodes.RESUMABLE);
    assertThat(Files.readString(log)).contains("SIGTERM");

    Checkpointer ck = new Checkpointer(dir.resolve("ckpt"), 3);
    assertThat(ck.list()).isNotEmpty();
    long saved = Checkpointer.readState(ck.list().get(0)).optimizerStep();
    assertThat(saved).isGreaterThanOrEqualTo(3);

    PretrainerTest.data = data;
    var cfg = io.sarmae.trainer.config.ConfigLoader.load(null, settings(dir, data));
    io.sarmae.trainer.exit.TrainerException again =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.sarmae.trainer.exit.TrainerException.class,
            () -> PretrainerTest.train(cfg, StopSignal.manual().afterStep(saved + 2)));
    assertThat(again.exitCode()).isEqualTo(ExitCodes.RESUMABLE);
    assertThat(Checkpointer.readState(ck.list().get(0)).optimizerStep()).isEqualTo(saved + 2);
  }

  private static List<String> settings(Path dir, Path data) {
    return PretrainerTest.tinySettings(
        dir,
        data,
        "data.workers=1",
        "optim.epochs=200",
        "checkpoint.everyEpochs=0",
        "observability.port=0");
  }
}
