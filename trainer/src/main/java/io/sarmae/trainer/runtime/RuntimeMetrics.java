package io.sarmae.trainer.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * The pod-fit decision and the process's real memory as Prometheus gauges: {@code
 * sarmae_runtime_cpu_budget}, {@code sarmae_runtime_threads{pool=intraop|decode|gloo}}, {@code
 * sarmae_runtime_memory_estimate_bytes}, {@code sarmae_runtime_memory_limit_bytes} and {@code
 * sarmae_process_memory_{rss,peak_rss,native,heap_used}_bytes}. Sampled at scrape time; NaN before
 * {@link PodFit#apply} or where {@code /proc} is not readable.
 */
public final class RuntimeMetrics implements MeterBinder {

  @Override
  public void bindTo(MeterRegistry registry) {
    fit(
        registry,
        "sarmae.runtime.cpu.budget",
        "CPUs this container may use",
        null,
        f -> f.threads().budget().cpus());
    for (String pool : new String[] {"intraop", "decode", "gloo"}) {
      Gauge.builder("sarmae.runtime.threads", this, m -> threads(pool))
          .description("Threads per pool chosen from the CPU budget")
          .tag("pool", pool)
          .register(registry);
    }
    fit(
        registry,
        "sarmae.runtime.memory.estimate",
        "Host memory the config is estimated to need",
        "bytes",
        f -> f.estimate().hostBytes());
    fit(
        registry,
        "sarmae.runtime.memory.limit",
        "Memory this process may have (cgroup limit, else MemTotal)",
        "bytes",
        f -> f.limit().map(l -> (double) l.bytes()).orElse(Double.NaN));
    memory(registry, "sarmae.process.memory.rss", "Resident set size", s -> s.rssBytes());
    memory(
        registry,
        "sarmae.process.memory.peak.rss",
        "Peak resident set size (VmHWM), what the OOM killer compares with the limit",
        s -> s.peakRssBytes());
    memory(
        registry,
        "sarmae.process.memory.native",
        "Resident memory outside the committed Java heap (libtorch tensors, JVM internals)",
        s -> s.nativeBytes());
    memory(registry, "sarmae.process.memory.heap.used", "Java heap in use", s -> s.heapUsedBytes());
  }

  private double threads(String pool) {
    PodFit f = PodFit.current();
    if (f == null) {
      return Double.NaN;
    }
    return switch (pool) {
      case "intraop" -> f.threads().intraOp();
      case "decode" -> f.threads().decodeWorkers();
      default -> f.threads().glooThreads();
    };
  }

  private void fit(
      MeterRegistry registry, String name, String help, String unit, ToDoubleFunction<PodFit> f) {
    Gauge.builder(
            name,
            this,
            m -> {
              PodFit fit = PodFit.current();
              return fit == null ? Double.NaN : f.applyAsDouble(fit);
            })
        .description(help)
        .baseUnit(unit)
        .register(registry);
  }

  private interface Field {
    Number of(MemoryStats s);
  }

  private void memory(MeterRegistry registry, String name, String help, Field field) {
    Gauge.builder(
            name,
            this,
            m -> {
              Number v = field.of(MemoryStats.sample());
              return v == null ? Double.NaN : v.doubleValue();
            })
        .description(help)
        .baseUnit("bytes")
        .register(registry);
  }
}
