package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.TrainingMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision and the real memory in /metrics and /progress. */
class RuntimeMetricsTest {
  @TempDir Path dir;

  @Test
  void metricsCarryTheDecisionAndTheProcessMemory() {
    new FakeRoot(dir)
        .affinity("0-15")
        .file("sys/fs/cgroup/cpu.max", "400000 100000")
        .file("sys/fs/cgroup/memory.max", Long.toString(64L << 30));
    TrainerConfig c = new TrainerConfig();
    c.model.size = TrainerConfig.ModelSize.TINY;
    c.optim.batchSize = 2;
    PodFit.remember(PodFit.decide(0, 4, 2, PodFit.pretrainShape(c, false), dir, Map.of()));
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      String scrape = metrics.scrape();
      assertThat(scrape)
          .contains("sarmae_runtime_cpu_budget 4.0")
          .contains("sarmae_runtime_threads{pool=\"intraop\"} 3.0")
          .contains("sarmae_runtime_threads{pool=\"decode\"} 4.0")
          .contains("sarmae_runtime_threads{pool=\"gloo\"} 2.0")
          .contains("sarmae_runtime_memory_limit_bytes 6.8719476736E10")
          .containsPattern("sarmae_runtime_memory_estimate_bytes [1-9]")
          .containsPattern("sarmae_process_memory_peak_rss_bytes [1-9]")
          .containsPattern("sarmae_process_memory_rss_bytes [1-9]")
          .containsPattern("sarmae_process_memory_native_bytes [0-9]")
          .containsPattern("sarmae_process_memory_heap_used_bytes [1-9]");
    } finally {
      PodFit.remember(null);
    }
  }

  @Test
  void progressCarriesTheMemory() throws Exception {
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
      reporter.start(1, 10, 0, 0);
      reporter.finished(true);
      JsonNode progress =
          new ObjectMapper().readTree(Files.readString(dir.resolve("progress.json")));
      assertThat(progress.path("memory").path("peakRssBytes").asLong()).isPositive();
      assertThat(progress.path("memory").path("heapMaxBytes").asLong()).isPositive();
      assertThat(reporter.progress().memory().rssBytes()).isPositive();
    }
  }
}
