package io.sarmae.operator.progress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressReportTest {

  @Test
  void withLastCheckpointKeepsEveryOtherFieldIncludingTheEvaluation() {
    ProgressReport p =
        new ProgressReport(
            "finetune",
            "training",
            2,
            10,
            40L,
            200L,
            20.0,
            0.5,
            null,
            null,
            1e-4,
            12.5,
            90L,
            "/tmp/run/checkpoint-40",
            "2026-12-02T00:00:00Z",
            "2026-12-02T00:01:00Z",
            "mIoU",
            0.42);
    ProgressReport moved = p.withLastCheckpoint("/checkpoints/run/checkpoint-40");
    assertThat(moved.lastCheckpoint()).isEqualTo("/checkpoints/run/checkpoint-40");
    assertThat(moved).usingRecursiveComparison().ignoringFields("lastCheckpoint").isEqualTo(p);
    assertThat(moved.evalMetric()).isEqualTo("mIoU");
    assertThat(moved.evalValue()).isEqualTo(0.42);
  }
}
