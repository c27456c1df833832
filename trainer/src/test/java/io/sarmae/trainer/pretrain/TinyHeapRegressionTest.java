package io.sarmae.trainer.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.data.SynthData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression test for DJL's scalar-operand bug (TOOLCHAIN.md): a Java number passed to an op on a
 * tensor that needs gradients is wrapped in a temporary tensor the garbage collector can free
 * before backward runs, giving garbage gradients and NaN. A 64 MiB heap makes the collector run
 * constantly; two runs must still give finite and identical losses.
 */
class TinyHeapRegressionTest {

  @Test
  void trainingUnderA64MiBHeapIsFiniteAndReproducible(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SynthData.generate(data, 32, 0.75, 32, 11);
    List<String> first = run(dir.resolve("a"), data);
    List<String> second = run(dir.resolve("b"), data);
    assertThat(first).hasSize(8).allSatisfy(l -> assertThat(l).doesNotContain("NaN", "null"));
    assertThat(second).isEqualTo(first);
  }

  private static List<String> run(Path work, Path data) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx64m");
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Dai.djl.pytorch.num_threads=1");
    cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.sarmae.trainer.Main");
    cmd.add("pretrain");
    for (String set :
        PretrainerTest.tinySettings(
            work, data, "data.workers=1", "optim.warmupEpochs=1", "observability.port=0")) {
      cmd.add("--set");
      cmd.add(set);
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(work.resolveSibling(work.getFileName() + ".log").toFile())
            .start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String log = Files.readString(work.resolveSibling(work.getFileName() + ".log"));
    assertThat(p.exitValue()).as(log).isZero();
    List<String> losses = new ArrayList<>();
    for (String line : Files.readAllLines(work.resolve("out/log.jsonl"))) {
      if (!line.contains("\"type\":\"epoch\"")) {
        losses.add(line.replaceAll(".*\"loss\":([^,]*),.*", "$1"));
      }
    }
    return losses;
  }
}
