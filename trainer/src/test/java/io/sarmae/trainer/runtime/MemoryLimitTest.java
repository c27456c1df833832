package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryLimitTest {
  @TempDir Path dir;

  private static final String MEMINFO = "MemTotal:       24576000 kB\nMemFree:        1000 kB\n";

  @Test
  void cgroupV2LimitAndMaxFallingBackToMemTotal() {
    FakeRoot root = new FakeRoot(dir).file("proc/meminfo", MEMINFO);
    root.file("sys/fs/cgroup/memory.max", "8589934592\n");
    assertThat(MemoryLimit.detect(dir)).contains(new MemoryLimit(8L << 30, "cgroup-v2"));
    root.file("sys/fs/cgroup/memory.max", "max\n");
    assertThat(MemoryLimit.detect(dir)).contains(new MemoryLimit(24576000L * 1024, "MemTotal"));
  }

  @Test
  void cgroupV1LimitAndItsHugeUnlimitedValue() {
    FakeRoot root = new FakeRoot(dir).file("proc/meminfo", MEMINFO);
    root.file("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    assertThat(MemoryLimit.detect(dir)).contains(new MemoryLimit(24576000L * 1024, "MemTotal"));
    root.file("sys/fs/cgroup/memory/memory.limit_in_bytes", "4294967296\n");
    assertThat(MemoryLimit.detect(dir)).contains(new MemoryLimit(4L << 30, "cgroup-v1"));
  }

  @Test
  void nothingReadableIsEmpty() {
    assertThat(MemoryLimit.detect(dir)).isEmpty();
  }

  @Test
  void memoryStatsReadRssAndPeakFromProc() {
    new FakeRoot(dir)
        .file("proc/self/status", "Name:\tjava\nVmHWM:\t  2048000 kB\nVmRSS:\t  1024000 kB\n");
    MemoryStats s = MemoryStats.sample(dir);
    assertThat(s.rssBytes()).isEqualTo(1024000L * 1024);
    assertThat(s.peakRssBytes()).isEqualTo(2048000L * 1024);
    assertThat(s.nativeBytes()).isEqualTo(Math.max(0, 1024000L * 1024 - s.heapCommittedBytes()));
    assertThat(s.heapMaxBytes()).isPositive();
    assertThat(MemoryStats.sample(dir.resolve("missing")).rssBytes()).isNull();
  }
}
