package io.sarmae.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
  void halfSentRequestsDoNotBlockTheProbes(@TempDir Path dir) throws Exception {
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
      ObservabilityServer.Limits limits = ObservabilityServer.Limits.DEFAULT;
      List<Socket> slow = new ArrayList<>();
      try (ObservabilityServer server =
          ObservabilityServer.start(0, metrics, reporter, Duration.ofHours(1))) {
        // More half-sent requests than the server has threads: none of them may hold one.
        for (int i = 0; i < limits.maxThreads() + 4; i++) {
          Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
          s.getOutputStream()
              .write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          slow.add(s);
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String base = "http://127.0.0.1:" + server.port();
        for (String path : List.of("/healthz", "/readyz", "/metrics", "/progress")) {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create(base + path))
                      .timeout(Duration.ofSeconds(3))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(path).isIn(200, 503);
        }
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void silentConnectionsAreClosedAfterTheIdleTimeout(@TempDir Path dir) throws Exception {
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
      try (ObservabilityServer server =
              ObservabilityServer.start(
                  0,
                  metrics,
                  reporter::progress,
                  reporter::ready,
                  Optional::empty,
                  new ObservabilityServer.Limits(Duration.ofMillis(300), 4, 6));
          Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        s.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
        s.setSoTimeout(5_000);
        long t0 = System.nanoTime();
        int read;
        try {
          read = s.getInputStream().read();
          while (read != -1) {
            read = s.getInputStream().read(); // a 400/408 answer, then the close
          }
        } catch (java.net.SocketException reset) {
          read = -1;
        }
        assertThat(read).isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
      }
    }
  }

  @Test
  void healthzTurns503WhenStepsStall(@TempDir Path dir) throws Exception {
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
      Duration stall = Duration.ofMillis(300);
      try (ObservabilityServer server = ObservabilityServer.start(0, metrics, reporter, stall)) {
        HttpClient http = HttpClient.newHttpClient();
        String healthz = "http://127.0.0.1:" + server.port() + "/healthz";
        Thread.sleep(2 * stall.toMillis());
        // Before the first step begins nothing can be stuck (counting starts there, not at launch).
        assertThat(get(http, healthz).statusCode()).isEqualTo(200);

        reporter.start(1, 10, 0, 0);
        // Only lower bounds on elapsed time are asserted: a loaded machine may be slow anywhere.
        Duration generous = Duration.ofSeconds(60);
        assertThat(reporter.stalled(generous)).isEmpty();
        Thread.sleep(2 * stall.toMillis());
        HttpResponse<String> stuck = get(http, healthz);
        assertThat(stuck.statusCode()).isEqualTo(503);
        assertThat(stuck.body()).contains("stalled", "observability.stallTimeoutSeconds");

        reporter.step(new StepReport.Pretrain(0, 1, 0.9, 0.8, 0.125, 0.8, 1e-4, 2.0, 8, 0, 0));
        Thread.sleep(2 * stall.toMillis());
        assertThat(reporter.stalled(stall)).isPresent();
        reporter.step(new StepReport.Pretrain(0, 2, 0.8, 0.7, 0.125, 0.8, 1e-4, 2.0, 8, 0, 0));
        // A finished step restarts the count.
        assertThat(reporter.stalled(generous)).isEmpty();

        reporter.finished(true);
        Thread.sleep(2 * stall.toMillis());
        assertThat(get(http, healthz).statusCode()).isEqualTo(200);
      }
      assertThat(reporter.stalled(Duration.ZERO)).isEmpty();
    }
  }

  @Test
  void aFullOutputVolumeIsAStorageErrorNotACrash(@TempDir Path dir) throws Exception {
    // /dev/full answers every write with ENOSPC, as a full volume does.
    java.nio.file.Files.createSymbolicLink(dir.resolve("log.jsonl"), Path.of("/dev/full"));
    try (TrainingMetrics metrics = new TrainingMetrics("pretrain")) {
      RunReporter reporter = new RunReporter("pretrain", metrics, dir, 1, null);
      reporter.start(1, 10, 0, 0);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  reporter.step(
                      new StepReport.Pretrain(0, 1, 0.9, 0.8, 0.125, 0.8, 1e-4, 2.0, 8, 0, 0)))
          .isInstanceOf(io.sarmae.trainer.exit.StorageException.class)
          .hasMessageContaining("run.outputDir: cannot append to")
          .hasMessageContaining("No space left on device")
          .satisfies(
              e ->
                  assertThat(((io.sarmae.trainer.exit.TrainerException) e).exitCode())
                      .isEqualTo(io.sarmae.trainer.exit.ExitCodes.CHECKPOINT));
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
