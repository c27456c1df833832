package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A tiny SARMAE memorises one fixed batch, so gradients reach every part of the model (masking,
 * gather, attention, both losses); and the same run in a 64 MiB-heap JVM that collects garbage
 * before every backward gives bit-identical losses (the scalar-operand trap of TOOLCHAIN.md).
 */
class OverfitTest {

  @Test
  void tinyModelOverfitsOneBatch() {
    float[] losses = TinyTrainingRun.run(100, false);
    float firstMae = losses[0];
    float firstAlign = losses[1];
    float lastMae = losses[2 * 99];
    float lastAlign = losses[2 * 99 + 1];
    assertThat(lastMae).isFinite().isLessThan(firstMae / 5f);
    assertThat(lastAlign).isFinite().isLessThan(firstAlign / 5f);
  }

  @Test
  void smallHeapRunIsFiniteAndBitIdentical() throws Exception {
    int steps = 15;
    float[] expected = TinyTrainingRun.run(steps, false);
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx64m",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                TinyTrainingRun.class.getName(),
                Integer.toString(steps)));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        output.add(line);
      }
    }
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
    String line = output.stream().filter(l -> l.startsWith("LOSSES ")).findFirst().orElseThrow();
    String[] bits = line.substring("LOSSES ".length()).split(" ");
    float[] actual = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      actual[i] = Float.intBitsToFloat(Integer.parseInt(bits[i]));
    }
    for (float loss : actual) {
      assertThat(loss).isFinite();
    }
    assertThat(actual).containsExactly(expected);
  }
}
