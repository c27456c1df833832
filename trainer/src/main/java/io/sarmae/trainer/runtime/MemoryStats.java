package io.sarmae.trainer.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the process really holds, in bytes: the JVM heap, the resident set, its peak ({@code VmHWM},
 * what the kubelet's OOM killer compares with the limit) and the native part outside the heap (RSS
 * minus the committed heap: libtorch's tensors, the model, optimizer state, activations, and the
 * JVM's own metaspace and thread stacks). DJL 0.36 exposes no libtorch allocator statistics for the
 * CPU, so the native figure is derived. Served in {@code /metrics}, {@code /progress} and {@code
 * results.json}; RSS fields are null where {@code /proc} is not readable.
 */
public record MemoryStats(
    long heapUsedBytes,
    long heapCommittedBytes,
    long heapMaxBytes,
    Long rssBytes,
    Long peakRssBytes,
    Long nativeBytes) {

  /** A sample of this process now. */
  public static MemoryStats sample() {
    return sample(Path.of("/"));
  }

  static MemoryStats sample(Path root) {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    Long rss = statusKib(root, "VmRSS:");
    Long hwm = statusKib(root, "VmHWM:");
    Long nat = rss == null ? null : Math.max(0, rss - heap.getCommitted());
    return new MemoryStats(heap.getUsed(), heap.getCommitted(), heap.getMax(), rss, hwm, nat);
  }

  private static Long statusKib(Path root, String key) {
    Optional<String> status = CpuBudget.read(root.resolve("proc/self/status"));
    if (status.isEmpty()) {
      return null;
    }
    for (String line : status.get().split("\n")) {
      if (line.startsWith(key)) {
        return MemoryLimit.kib(line) * 1024L;
      }
    }
    return null;
  }
}
