package io.sarmae.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.ops.FusedOptim;
import io.sarmae.trainer.ops.Precision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code bench-step --mfu} in bf16: the peak is the bridge's bf16 Linear (the call the model makes
 * under {@code optim.precision: bf16}), and the FLOPs count the SARC branch on the paired rows
 * only, as the model now runs it.
 */
class StepBenchmarkMfuTest {

  @AfterEach
  void backToDefaults() {
    Precision.reset();
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
    FusedOptim.use(TrainerConfig.OptimKernel.OFF);
  }

  @Test
  void bf16MfuLineNamesItsPrecisionAndCountsSarcOnPairedRows() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    int rc;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      rc =
          new CommandLine(new StepBenchmark())
              .execute(
                  "--size",
                  "tiny",
                  "--image",
                  "64",
                  "--patch",
                  "8",
                  "--batch",
                  "3",
                  "--steps",
                  "2",
                  "--warmup",
                  "0",
                  "--threads",
                  "1",
                  "--mfu",
                  "--attention",
                  "fused",
                  "--precision",
                  "bf16",
                  "--optim",
                  "fused");
    } finally {
      System.setOut(stdout);
    }
    assertThat(rc).isZero();
    String[] lines = buffer.toString(StandardCharsets.UTF_8).strip().split("\n");
    JsonNode line = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(line.get("gemm_precision").asText()).isEqualTo("bf16");
    // batch 3, every other row paired: the SARC branch runs on rows 0 and 2
    VitSpec spec = VitSpec.of("tiny", 64, 8, 3, 512, 8, 16);
    double paired = FlopCount.pretrainStep(spec, 0.75f, 3, 2, 768).total() / 1e9;
    double everyRow = FlopCount.pretrainStep(spec, 0.75f, 3, 3, 768).total() / 1e9;
    assertThat(paired).isLessThan(everyRow - 0.03);
    assertThat(line.get("flops_per_step_g").asDouble()).isCloseTo(paired, within(0.006));
    double peak = line.get("gemm_peak_gflops").asDouble();
    assertThat(peak).isPositive();
    assertThat(line.get("mfu").asDouble())
        .isCloseTo(line.get("achieved_gflops").asDouble() / peak, within(0.01));
    // paired: each timed step over the peak taken right after it, and their median
    JsonNode ms = line.get("ms_per_step");
    JsonNode stepPeak = line.get("gemm_peak_per_step");
    JsonNode perStep = line.get("mfu_per_step");
    assertThat(ms).hasSize(2);
    assertThat(stepPeak).hasSize(2);
    assertThat(perStep).hasSize(2);
    double[] expected = new double[2];
    for (int k = 0; k < 2; k++) {
      assertThat(stepPeak.get(k).asDouble()).isPositive();
      expected[k] = paired / (ms.get(k).asDouble() / 1e3) / stepPeak.get(k).asDouble();
      assertThat(perStep.get(k).asDouble()).isCloseTo(expected[k], within(0.01));
    }
    assertThat(line.get("mfu_paired").asDouble())
        .isCloseTo((expected[0] + expected[1]) / 2, within(0.01));
  }
}
