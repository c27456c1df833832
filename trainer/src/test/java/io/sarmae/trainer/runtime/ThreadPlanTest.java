package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ThreadPlanTest {
  private static CpuBudget budget(int cpus) {
    return new CpuBudget(cpus, OptionalDouble.of(cpus), 96, OptionalInt.empty(), "cgroup-v2");
  }

  @Test
  void autoGivesSmallBudgetsAllToCompute() {
    for (int cpus : new int[] {1, 2, 3}) {
      ThreadPlan p = ThreadPlan.plan(0, budget(cpus), 4, 2);
      assertThat(p.intraOp()).as("cpus %d", cpus).isEqualTo(cpus);
      assertThat(p.reservedForDecode()).isZero();
      assertThat(p.interOp()).isEqualTo(1);
      assertThat(p.auto()).isTrue();
    }
  }

  @Test
  void autoKeepsAQuarterForDecodingCappedByTheWorkers() {
    assertThat(ThreadPlan.plan(0, budget(4), 4, 2).intraOp()).isEqualTo(3);
    assertThat(ThreadPlan.plan(0, budget(8), 4, 2).intraOp()).isEqualTo(6);
    assertThat(ThreadPlan.plan(0, budget(8), 1, 2).intraOp()).isEqualTo(7);
    ThreadPlan big = ThreadPlan.plan(0, budget(96), 4, 2);
    assertThat(big.intraOp()).isEqualTo(92);
    assertThat(big.reservedForDecode()).isEqualTo(4);
    assertThat(big.decodeWorkers()).isEqualTo(4);
    assertThat(big.glooThreads()).isEqualTo(2);
    // Fine-tuning decodes on the training thread: nothing to reserve.
    assertThat(ThreadPlan.plan(0, budget(8), 0, 1).intraOp()).isEqualTo(8);
  }

  @Test
  void explicitThreadsAreKeptAndWarnedAboutWhenAboveTheBudget() {
    ThreadPlan p = ThreadPlan.plan(32, budget(8), 4, 2);
    assertThat(p.intraOp()).isEqualTo(32);
    assertThat(p.auto()).isFalse();
    assertThat(p.warning())
        .contains("run.threads: 32")
        .contains("8 CPU(s)")
        .contains("run.threads: 0");
    assertThat(ThreadPlan.plan(8, budget(8), 4, 2).warning()).isNull();
  }

  @Test
  void tooManyDecodeWorkersAreWarnedAbout() {
    ThreadPlan p = ThreadPlan.plan(0, budget(2), 16, 2);
    assertThat(p.warning()).contains("data.workers: 16").contains("at most 1");
    assertThat(ThreadPlan.plan(0, budget(8), 4, 2).warning()).isNull();
  }

  @Test
  void describeNamesEverySource() {
    String line = ThreadPlan.plan(0, budget(8), 4, 2).describe();
    assertThat(line)
        .contains("CPU budget 8 (cgroup-v2; quota 8.00, affinity 96, OMP_NUM_THREADS unset)")
        .contains("6 intra-op thread(s) (run.threads: 0, 2 CPU(s) left to decoding)")
        .contains("4 decode worker(s), 2 gloo thread(s)");
  }
}
