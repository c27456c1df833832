package io.sarmae.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObservabilityServerTest {

  @Test
  void servesMetricsProgressAndHealth(@TempDir Path dir) throws Exception {
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
      try (ObservabilityServer server =
          ObservabilityServer.start(0, metrics, reporter::progress, reporter::ready)) {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
        assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(503);

        reporter.start(10, 100, 0, 0);
        reporter.step(new StepReport.Pretrain(0, 1, 0.9, 0.8, 0.125, 0.8, 1e-4, 2.0, 8, 0, 0));
        reporter.step(new StepReport.Pretrain(0, 2, 0.7, 0.6, 0.125, 0.8, 2e-4, 2.0, 8, 3, 0));
        reporter.step(new StepReport.Pretrain(0, 3, 0.5, 0.4, 0.125, 0.8, 3e-4, 2.0, 8, 3, 0));
        assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);

        String progress = get(http, base + "/progress").body();
        assertThat(progress)
            .contains("\"phase\":\"Training\"")
            .contains("\"step\":3")
            .contains("\"totalSteps\":100")
            .contains("\"percent\":3.0")
            .contains("\"loss\":0.5")
            .contains("\"skippedSamples\":3")
            .contains("\"etaSeconds\"")
            .doesNotContain("NaN");

        String scrape = get(http, base + "/metrics").body();
        assertThat(scrape)
            .contains("sarmae_train_loss{mode=\"pretrain\",rank=\"0\"} 0.5")
            .contains("sarmae_train_step{mode=\"pretrain\",rank=\"0\"} 3.0")
            .contains("sarmae_train_total_steps{mode=\"pretrain\",rank=\"0\"} 100.0")
            .contains("sarmae_train_skipped_samples_total{mode=\"pretrain\",rank=\"0\"} 3.0")
            .contains("sarmae_train_step_duration_seconds_count")
            .contains("jvm_memory_used_bytes");
      }
    }
  }

  @Test
  void terminationMessageStaysUnder4KiB() {
    String line =
        TerminationMessage.render(
            2, "InvalidConfig", "x".repeat(10_000), java.util.Map.of("step", 3));
    assertThat(line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(4096);
    assertThat(line)
        .startsWith("{\"exitCode\":2,\"reason\":\"InvalidConfig\"")
        .contains("\"step\":3");
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
