package io.sarmae.trainer.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The CPUs this process may really use: the smallest of the cgroup CPU quota (v2 {@code cpu.max},
 * v1 {@code cpu.cfs_quota_us / cpu.cfs_period_us}), the affinity mask ({@code Cpus_allowed_list} of
 * {@code /proc/self/status}, which is what {@code taskset} and the kubelet's static CPU manager
 * change) and {@code OMP_NUM_THREADS} when set. A fractional quota is rounded down (2.5 CPUs give 2
 * threads: a third thread would be throttled half the time), never below 1.
 *
 * <p>Every source is read under a root folder ({@code /} in production) so tests use fake cgroup
 * and proc files.
 *
 * @param cpus the budget in whole CPUs, at least 1
 * @param quota the cgroup quota in CPUs, empty when none is set ({@code max} or {@code -1})
 * @param affinity CPUs in the affinity mask
 * @param ompThreads {@code OMP_NUM_THREADS} when set to a positive integer
 * @param source which limit decided: {@code cgroup-v2}, {@code cgroup-v1}, {@code affinity} or
 *     {@code OMP_NUM_THREADS}
 */
public record CpuBudget(
    int cpus, OptionalDouble quota, int affinity, OptionalInt ompThreads, String source) {

  /**
   * Reads the budget under {@code root}; {@code fallbackCpus} when no affinity list is readable.
   */
  public static CpuBudget detect(Path root, Map<String, String> env, int fallbackCpus) {
    Optional<Quota> quota = quota(root);
    int affinity = affinity(root).orElse(Math.max(1, fallbackCpus));
    OptionalInt omp = positiveInt(env.get("OMP_NUM_THREADS"));
    int cpus = affinity;
    String source = "affinity";
    if (quota.isPresent()) {
      int q = Math.max(1, (int) Math.floor(quota.get().cpus() + 1e-9));
      if (q < cpus) {
        cpus = q;
        source = quota.get().source();
      }
    }
    if (omp.isPresent() && omp.getAsInt() < cpus) {
      cpus = omp.getAsInt();
      source = "OMP_NUM_THREADS";
    }
    return new CpuBudget(
        cpus,
        quota.map(q -> OptionalDouble.of(q.cpus())).orElse(OptionalDouble.empty()),
        affinity,
        omp,
        source);
  }

  /** The budget of this process (root {@code /}, the real environment). */
  public static CpuBudget detect() {
    return detect(Path.of("/"), System.getenv(), Runtime.getRuntime().availableProcessors());
  }

  private record Quota(double cpus, String source) {}

  /** cgroup v2 first (unified hierarchy), then the v1 cpu controller under its usual mounts. */
  static Optional<Quota> quota(Path root) {
    Optional<String> v2 = read(root.resolve("sys/fs/cgroup/cpu.max"));
    if (v2.isPresent()) {
      String[] parts = v2.get().trim().split("\\s+");
      if (parts.length >= 1 && !parts[0].equals("max")) {
        long quota = Long.parseLong(parts[0]);
        long period = parts.length > 1 ? Long.parseLong(parts[1]) : 100_000L;
        if (quota > 0 && period > 0) {
          return Optional.of(new Quota((double) quota / period, "cgroup-v2"));
        }
      }
      return Optional.empty();
    }
    for (String dir : List.of("sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/cpu")) {
      Optional<String> q = read(root.resolve(dir).resolve("cpu.cfs_quota_us"));
      Optional<String> p = read(root.resolve(dir).resolve("cpu.cfs_period_us"));
      if (q.isPresent() && p.isPresent()) {
        long quota = Long.parseLong(q.get().trim());
        long period = Long.parseLong(p.get().trim());
        if (quota > 0 && period > 0) {
          return Optional.of(new Quota((double) quota / period, "cgroup-v1"));
        }
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** CPUs in {@code Cpus_allowed_list} (e.g. {@code 0-3,8,10-11} = 7). */
  static OptionalInt affinity(Path root) {
    Optional<String> status = read(root.resolve("proc/self/status"));
    if (status.isEmpty()) {
      return OptionalInt.empty();
    }
    for (String line : status.get().split("\n")) {
      if (line.startsWith("Cpus_allowed_list:")) {
        return OptionalInt.of(countList(line.substring(line.indexOf(':') + 1).trim()));
      }
    }
    return OptionalInt.empty();
  }

  static int countList(String list) {
    int n = 0;
    for (String range : list.split(",")) {
      String r = range.trim();
      if (r.isEmpty()) {
        continue;
      }
      int dash = r.indexOf('-');
      if (dash < 0) {
        n++;
      } else {
        n += Integer.parseInt(r.substring(dash + 1)) - Integer.parseInt(r.substring(0, dash)) + 1;
      }
    }
    return Math.max(1, n);
  }

  private static OptionalInt positiveInt(String s) {
    if (s == null) {
      return OptionalInt.empty();
    }
    try {
      int v = Integer.parseInt(s.trim());
      return v > 0 ? OptionalInt.of(v) : OptionalInt.empty();
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  static Optional<String> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
