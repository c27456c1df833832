package io.sarmae.operator.progress;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real HTTP client against a local server that plays the trainer's /progress endpoint. */
class HttpProgressClientTest {
  static HttpServer server;
  static final AtomicReference<String> body = new AtomicReference<>();
  static final AtomicReference<Integer> code = new AtomicReference<>(200);
  static final AtomicReference<Long> delayMillis = new AtomicReference<>(0L);
  final HttpProgressClient client = new HttpProgressClient(Duration.ofMillis(300));

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/progress",
        ex -> {
          try {
            Thread.sleep(delayMillis.get());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(code.get(), b.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
          }
        });
    // Several threads: a request left sleeping by the timeout test must not hold up the next
    // test's request behind it (the default executor is one thread).
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Test
  void readsTheContractDocumentAndIgnoresUnknownFields() {
    code.set(200);
    delayMillis.set(0L);
    body.set(
        "{\"mode\":\"pretrain\",\"phase\":\"Training\",\"epoch\":3,\"epochs\":300,\"step\":1200,"
            + "\"totalSteps\":90000,\"percent\":1.33,\"loss\":0.52,\"maeLoss\":0.48,\"alignLoss\":0.05,"
            + "\"lr\":0.0001,\"imagesPerSecond\":123.4,\"etaSeconds\":3600,"
            + "\"lastCheckpoint\":\"/checkpoints/checkpoint-000001200\",\"skippedSamples\":0,"
            + "\"skippedSteps\":0,\"startedAt\":\"2026-11-26T15:00:00Z\","
            + "\"updatedAt\":\"2026-11-26T15:10:00Z\",\"futureField\":1}");
    ProgressReport r = client.fetch("127.0.0.1", port()).orElseThrow();
    assertThat(r.step()).isEqualTo(1200L);
    assertThat(r.epoch()).isEqualTo(3);
    assertThat(r.loss()).isEqualTo(0.52);
    assertThat(r.etaSeconds()).isEqualTo(3600L);
    assertThat(r.lastCheckpoint()).isEqualTo("/checkpoints/checkpoint-000001200");
  }

  @Test
  void aFinetunesEvaluationFieldsAreRead() {
    code.set(200);
    delayMillis.set(0L);
    body.set(
        "{\"mode\":\"finetune\",\"phase\":\"Training\",\"step\":12,"
            + "\"evalMetric\":\"mIoU\",\"evalValue\":35.8}");
    ProgressReport r = client.fetch("127.0.0.1", port()).orElseThrow();
    assertThat(r.evalMetric()).isEqualTo("mIoU");
    assertThat(r.evalValue()).isEqualTo(35.8);
  }

  @Test
  void absentFieldsStayNull() {
    code.set(200);
    delayMillis.set(0L);
    body.set("{\"mode\":\"pretrain\",\"phase\":\"Starting\"}");
    ProgressReport r = client.fetch("127.0.0.1", port()).orElseThrow();
    assertThat(r.step()).isNull();
    assertThat(r.loss()).isNull();
    assertThat(r.evalMetric()).isNull();
  }

  @Test
  void errorsTimeoutsAndGarbageAreEmptyNotExceptions() {
    code.set(503);
    delayMillis.set(0L);
    body.set("starting");
    assertThat(client.fetch("127.0.0.1", port())).isEmpty();
    code.set(200);
    body.set("not json");
    assertThat(client.fetch("127.0.0.1", port())).isEmpty();
    body.set("{}");
    delayMillis.set(1000L);
    long start = System.nanoTime();
    assertThat(client.fetch("127.0.0.1", port())).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
    assertThat(client.fetch(null, port())).isEmpty();
  }
}
