package io.sarmae.trainer.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The memory this process may have: the container's cgroup limit (v2 {@code memory.max}, v1 {@code
 * memory.limit_in_bytes}), else the machine's {@code MemTotal}. Read under a root folder so tests
 * use fake files.
 *
 * @param bytes the limit in bytes
 * @param source {@code cgroup-v2}, {@code cgroup-v1} or {@code MemTotal}
 */
public record MemoryLimit(long bytes, String source) {

  /** v1 reports "no limit" as a page-aligned value near {@code Long.MAX_VALUE}. */
  private static final long V1_UNLIMITED = 1L << 60;

  /** The limit under {@code root}, empty when neither a cgroup limit nor MemTotal is readable. */
  public static Optional<MemoryLimit> detect(Path root) {
    Optional<String> v2 = CpuBudget.read(root.resolve("sys/fs/cgroup/memory.max"));
    if (v2.isPresent()) {
      String v = v2.get().trim();
      if (!v.equals("max")) {
        return Optional.of(new MemoryLimit(Long.parseLong(v), "cgroup-v2"));
      }
    } else {
      for (String dir : List.of("sys/fs/cgroup/memory")) {
        Optional<String> v1 = CpuBudget.read(root.resolve(dir).resolve("memory.limit_in_bytes"));
        if (v1.isPresent()) {
          long bytes = Long.parseLong(v1.get().trim());
          if (bytes > 0 && bytes < V1_UNLIMITED) {
            return Optional.of(new MemoryLimit(bytes, "cgroup-v1"));
          }
        }
      }
    }
    return memTotal(root);
  }

  private static Optional<MemoryLimit> memTotal(Path root) {
    Optional<String> meminfo = CpuBudget.read(root.resolve("proc/meminfo"));
    if (meminfo.isEmpty()) {
      return Optional.empty();
    }
    for (String line : meminfo.get().split("\n")) {
      if (line.startsWith("MemTotal:")) {
        return Optional.of(new MemoryLimit(kib(line) * 1024L, "MemTotal"));
      }
    }
    return Optional.empty();
  }

  /** The number of a {@code Key: 123 kB} line. */
  static long kib(String line) {
    String v = line.substring(line.indexOf(':') + 1).trim();
    int space = v.indexOf(' ');
    return Long.parseLong(space < 0 ? v : v.substring(0, space));
  }
}
