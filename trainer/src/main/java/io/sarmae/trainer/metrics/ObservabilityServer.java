package io.sarmae.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} (Prometheus text), {@code /progress} (JSON), {@code /healthz} and {@code
 * /readyz} on one port, served by the JDK's HTTP server on a single daemon thread.
 */
public final class ObservabilityServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObservabilityServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;

  private ObservabilityServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts serving on {@code port} (0 picks a free port, for tests); returns null when {@code port}
   * is negative (disabled).
   */
  public static ObservabilityServer start(
      int port, TrainingMetrics metrics, Supplier<Progress> progress, BooleanSupplier ready) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
      server.createContext(
          "/metrics",
          ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
      server.createContext(
          "/progress",
          ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(progress.get())));
      server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
      server.createContext(
          "/readyz",
          ex ->
              respond(
                  ex,
                  ready.getAsBoolean() ? 200 : 503,
                  "text/plain",
                  ready.getAsBoolean() ? "ready\n" : "starting\n"));
      server.setExecutor(
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "observability-http");
                t.setDaemon(true);
                return t;
              }));
      server.start();
      LOG.info(
          "Serving /metrics, /progress, /healthz, /readyz on port {}",
          server.getAddress().getPort());
      return new ObservabilityServer(server);
    } catch (IOException e) {
      throw new io.sarmae.trainer.config.ConfigException(
          "observability.port: cannot listen on port "
              + port
              + " ("
              + e.getMessage()
              + "); choose a free port or 0 to disable",
          e);
    }
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
