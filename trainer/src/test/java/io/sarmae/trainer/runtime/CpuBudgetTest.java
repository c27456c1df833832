package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuBudgetTest {
  @TempDir Path dir;

  private CpuBudget detect(FakeRoot root, Map<String, String> env) {
    return CpuBudget.detect(root.root, env, 64);
  }

  @Test
  void withoutAnyFileTheJvmProcessorCountIsTheBudget() {
    CpuBudget b = detect(new FakeRoot(dir), Map.of());
    assertThat(b.cpus()).isEqualTo(64);
    assertThat(b.quota()).isEmpty();
    assertThat(b.source()).isEqualTo("affinity");
  }

  @Test
  void affinityListIsCountedAcrossRanges() {
    CpuBudget b = detect(new FakeRoot(dir).affinity("0-3,8,10-11"), Map.of());
    assertThat(b.cpus()).isEqualTo(7);
    assertThat(b.affinity()).isEqualTo(7);
  }

  @Test
  void cgroupV2MaxMeansNoQuota() {
    CpuBudget b =
        detect(
            new FakeRoot(dir).affinity("0-95").file("sys/fs/cgroup/cpu.max", "max 100000\n"),
            Map.of());
    assertThat(b.cpus()).isEqualTo(96);
    assertThat(b.quota()).isEmpty();
  }

  @Test
  void cgroupV2QuotaBelowTheAffinityWins() {
    CpuBudget b =
        detect(
            new FakeRoot(dir).affinity("0-95").file("sys/fs/cgroup/cpu.max", "800000 100000\n"),
            Map.of());
    assertThat(b.cpus()).isEqualTo(8);
    assertThat(b.quota()).hasValue(8.0);
    assertThat(b.source()).isEqualTo("cgroup-v2");
  }

  @Test
  void fractionalQuotaIsRoundedDownButNeverBelowOne() {
    FakeRoot root = new FakeRoot(dir).affinity("0-15");
    root.file("sys/fs/cgroup/cpu.max", "250000 100000");
    assertThat(detect(root, Map.of()).cpus()).isEqualTo(2);
    assertThat(detect(root, Map.of()).quota()).hasValue(2.5);
    root.file("sys/fs/cgroup/cpu.max", "50000 100000");
    assertThat(detect(root, Map.of()).cpus()).isEqualTo(1);
  }

  @Test
  void cgroupV1QuotaAndUnlimitedMinusOne() {
    FakeRoot root = new FakeRoot(dir).affinity("0-31");
    root.file("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    root.file("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    assertThat(detect(root, Map.of()).cpus()).isEqualTo(32);
    assertThat(detect(root, Map.of()).quota()).isEmpty();
    root.file("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "350000\n");
    CpuBudget b = detect(root, Map.of());
    assertThat(b.cpus()).isEqualTo(3);
    assertThat(b.quota()).hasValue(3.5);
    assertThat(b.source()).isEqualTo("cgroup-v1");
  }

  @Test
  void cgroupV1UnderTheCpuMount() {
    FakeRoot root = new FakeRoot(dir).affinity("0-31");
    root.file("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "400000\n");
    root.file("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
    assertThat(detect(root, Map.of()).cpus()).isEqualTo(4);
  }

  @Test
  void ompNumThreadsWinsWhenSmallestAndIsIgnoredWhenGarbage() {
    FakeRoot root =
        new FakeRoot(dir).affinity("0-31").file("sys/fs/cgroup/cpu.max", "800000 100000");
    CpuBudget b = detect(root, Map.of("OMP_NUM_THREADS", "3"));
    assertThat(b.cpus()).isEqualTo(3);
    assertThat(b.source()).isEqualTo("OMP_NUM_THREADS");
    assertThat(detect(root, Map.of("OMP_NUM_THREADS", "16")).cpus()).isEqualTo(8);
    assertThat(detect(root, Map.of("OMP_NUM_THREADS", "four")).cpus()).isEqualTo(8);
  }

  @Test
  void affinityBelowTheQuotaWins() {
    CpuBudget b =
        detect(
            new FakeRoot(dir).affinity("2,3").file("sys/fs/cgroup/cpu.max", "800000 100000"),
            Map.of());
    assertThat(b.cpus()).isEqualTo(2);
    assertThat(b.source()).isEqualTo("affinity");
  }
}
