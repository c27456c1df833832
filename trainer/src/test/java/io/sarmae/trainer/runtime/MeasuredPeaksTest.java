package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.config.TrainerConfig;
import org.junit.jupiter.api.Test;

/**
 * The memory estimate against peak RSS measured on real pretraining runs (docs/operating.md,
 * "Memory": 2-core shared VM, 23 GiB, no cgroup limit, glibc malloc with the launcher's tunables;
 * {@code /usr/bin/time -v trainer/bin/sarmae-trainer pretrain --set model.size=S --set
 * optim.batchSize=B --set optim.epochs=1 --set run.threads=2 --set run.device=cpu} on 12 or 32
 * synthetic 224x224 scenes, 3 steps plus the final checkpoint, everything else at its default). The
 * documented tolerance: the estimate is between 0.80 and 1.40 times the measured peak.
 *
 * <p>Those 2026-12-01 runs kept materialised attention matrices (the flash kernel was not reached
 * yet), so they are checked against the estimate for {@code model.attention: plain}; the runs of
 * 2026-12-02 on, with the flash kernel that {@code auto} picks, against the default estimate.
 */
class MeasuredPeaksTest {
  /** size, batch, measured peak RSS in KiB (VmHWM / "Maximum resident set size"). */
  static final Object[][] MEASURED = {
    {"tiny", 4, 1_657_100L},
    {"tiny", 16, 3_409_328L},
    {"small", 4, 1_949_608L},
    {"small", 16, 3_804_048L},
    {"base", 2, 3_044_880L},
    {"base", 4, 3_207_216L},
    {"base", 8, 5_342_700L},
    // the same plain kernel on 2026-12-02 with tcmalloc (bench/podfit/peaks.sh, as MEASURED_FUSED)
    {"base", 8, 3_841_228L},
  };

  @Test
  void estimateIsWithinTheDocumentedToleranceOfEveryMeasuredPeak() {
    for (Object[] row : MEASURED) {
      TrainerConfig c = new TrainerConfig();
      c.model.size = TrainerConfig.ModelSize.valueOf(((String) row[0]).toUpperCase());
      c.optim.batchSize = (Integer) row[1];
      c.model.attention = TrainerConfig.AttentionKernel.PLAIN;
      long estimate = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
      double ratio = estimate / ((Long) row[2] * 1024.0);
      assertThat(ratio).as("%s batch %s", row[0], row[1]).isBetween(0.80, 1.40);
    }
  }

  /**
   * The default kernels (fused attention on libtorch's flash kernel, fused optimizer), Debian's
   * tcmalloc preloaded as in the image, 2026-12-02, measured as above on 32 scenes with {@code
   * --set alignment.randomTeacher=true} (docs/operating.md "Memory"): size, batch, peak RSS in KiB.
   */
  static final Object[][] MEASURED_FUSED = {
    {"base", 8, 3_279_124L},
    {"tiny", 16, 2_402_604L},
    {"small", 16, 3_003_348L},
    // bench/podfit/peaks.sh, 2026-12-02 10:46-10:51 UTC, quiet
    // (bench/podfit/results-2026-12-02-peaks)
    {"tiny", 4, 1_438_512L},
    {"small", 4, 1_765_700L},
    {"base", 4, 2_792_960L},
    {"base", 8, 3_292_036L},
    {"base", 16, 4_180_904L},
  };

  /**
   * With the fused kernel the estimate drops the attention matrices the kernel never makes, and
   * stays above every measured peak: the token factor was fitted to the plain path and is kept
   * (documented range 1.0-1.5x).
   */
  @Test
  void fusedAttentionEstimateStaysAboveEveryMeasuredPeakAndBelowThePlainOne() {
    for (Object[] row : MEASURED_FUSED) {
      TrainerConfig c = new TrainerConfig();
      c.model.size = TrainerConfig.ModelSize.valueOf(((String) row[0]).toUpperCase());
      c.optim.batchSize = (Integer) row[1];
      long estimate = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
      c.model.attention = TrainerConfig.AttentionKernel.PLAIN;
      long plain = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
      double ratio = estimate / ((Long) row[2] * 1024.0);
      assertThat(ratio).as("%s batch %s", row[0], row[1]).isBetween(1.0, 1.5);
      assertThat(estimate).as("%s batch %s", row[0], row[1]).isLessThan(plain);
    }
  }

  /**
   * With {@code model.activationCheckpointing: true}, measured 2026-12-02 the same way (32 scenes,
   * {@code --set alignment.randomTeacher=true --set model.activationCheckpointing=true}, the
   * default fused attention and optimizer; docs/operating.md "Memory"): size, batch, peak RSS in
   * KiB. The same runs without checkpointing peaked at 3,279,124 (base 8), 2,402,604 (tiny 16) and
   * 3,003,348 KiB (small 16).
   */
  static final Object[][] MEASURED_CHECKPOINTING = {
    {"base", 8, 2_761_732L}, {"tiny", 16, 1_711_164L}, {"small", 16, 1_874_288L},
  };

  @Test
  void checkpointingEstimateIsWithinTheToleranceAndBelowTheFullOne() {
    for (Object[] row : MEASURED_CHECKPOINTING) {
      TrainerConfig c = new TrainerConfig();
      c.model.size = TrainerConfig.ModelSize.valueOf(((String) row[0]).toUpperCase());
      c.optim.batchSize = (Integer) row[1];
      long full = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
      c.model.activationCheckpointing = true;
      long estimate = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
      double ratio = estimate / ((Long) row[2] * 1024.0);
      assertThat(ratio).as("%s batch %s", row[0], row[1]).isBetween(0.80, 1.40);
      assertThat(estimate).as("%s batch %s", row[0], row[1]).isLessThan(full);
    }
  }

  @Test
  void warningThresholdCoversTheLargestUnderestimate() {
    // The worst measured case (base, batch 8) peaked 1/0.86 = 1.16x above the estimate: a limit
    // that leaves the estimate under 85% of it (PodFit.WARN_FRACTION) still covers it.
    TrainerConfig c = new TrainerConfig();
    c.optim.batchSize = 8;
    c.model.attention = TrainerConfig.AttentionKernel.PLAIN; // as that run
    long estimate = MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
    assertThat(estimate / PodFit.WARN_FRACTION).isGreaterThan(5_342_700L * 1024);
  }
}
