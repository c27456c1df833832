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
      TrainerConfig c = config(row);
      c.model.attention = TrainerConfig.AttentionKernel.PLAIN;
      assertThat(ratio(estimate(c), row)).as(name(row)).isBetween(0.80, 1.40);
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
    // peaks.sh with checkpointing off, 2026-12-02 11:49-11:58 UTC, quiet
    // (bench/podfit/results-2026-12-02-peaks-checkpointing)
    {"base", 8, 3_363_824L},
    {"tiny", 16, 2_548_396L},
    {"small", 16, 2_844_424L},
    {"base", 8, 3_279_344L},
    {"tiny", 16, 2_557_332L},
    {"small", 16, 2_837_136L},
  };

  /**
   * With the fused kernel the estimate drops the attention matrices the kernel never makes, and
   * stays above every measured peak: the token factor was fitted to the plain path and is kept
   * (documented range 1.0-1.5x).
   */
  @Test
  void fusedAttentionEstimateStaysAboveEveryMeasuredPeakAndBelowThePlainOne() {
    for (Object[] row : MEASURED_FUSED) {
      TrainerConfig c = config(row);
      long estimate = estimate(c);
      c.model.attention = TrainerConfig.AttentionKernel.PLAIN;
      assertThat(ratio(estimate, row)).as(name(row)).isBetween(1.0, 1.5);
      assertThat(estimate).as(name(row)).isLessThan(estimate(c));
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
    {"base", 8, 2_761_732L},
    {"tiny", 16, 1_711_164L},
    {"small", 16, 1_874_288L},
    // peaks.sh with checkpointing on, alternating with the off runs in MEASURED_FUSED
    // (bench/podfit/results-2026-12-02-peaks-checkpointing)
    {"base", 8, 2_677_080L},
    {"tiny", 16, 1_564_252L},
    {"small", 16, 1_845_016L},
    {"base", 8, 2_672_760L},
    {"tiny", 16, 1_644_484L},
    {"small", 16, 2_010_540L},
  };

  @Test
  void checkpointingEstimateIsWithinTheToleranceAndBelowTheFullOne() {
    for (Object[] row : MEASURED_CHECKPOINTING) {
      TrainerConfig c = config(row);
      long full = estimate(c);
      c.model.activationCheckpointing = true;
      long estimate = estimate(c);
      assertThat(ratio(estimate, row)).as(name(row)).isBetween(0.80, 1.40);
      assertThat(estimate).as(name(row)).isLessThan(full);
    }
  }

  @Test
  void warningThresholdCoversTheLargestUnderestimate() {
    // The worst measured case (base, batch 8) peaked 1/0.86 = 1.16x above the estimate: a limit
    // that leaves the estimate under 85% of it (PodFit.WARN_FRACTION) still covers it.
    TrainerConfig c = config(new Object[] {"base", 8});
    c.model.attention = TrainerConfig.AttentionKernel.PLAIN; // as that run
    assertThat(estimate(c) / PodFit.WARN_FRACTION).isGreaterThan(5_342_700L * 1024);
  }

  /** The defaults with the row's model size and batch. */
  static TrainerConfig config(Object[] row) {
    TrainerConfig c = new TrainerConfig();
    c.model.size = TrainerConfig.ModelSize.valueOf(((String) row[0]).toUpperCase());
    c.optim.batchSize = (Integer) row[1];
    return c;
  }

  /** The CPU estimate of host memory in bytes. */
  static long estimate(TrainerConfig c) {
    return MemoryEstimate.of(PodFit.pretrainShape(c, false)).hostBytes();
  }

  /** Estimate over the row's measured peak (KiB). */
  static double ratio(long estimate, Object[] row) {
    return estimate / ((Long) row[2] * 1024.0);
  }

  static String name(Object[] row) {
    return row[0] + " batch " + row[1];
  }
}
