package io.sarmae.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.config.ConfigException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} (Prometheus text), {@code /progress} (JSON), {@code /healthz} and {@code
 * /readyz} on one port.
 *
 * <p>Served by Jetty, whose request parsing is non-blocking: a client that sends half a request
 * holds a connection, never a thread, so it cannot delay the kubelet's probes (issue 12). Resources
 * are bounded by {@link Limits}: a connection silent for {@code idleTimeout} is closed, at most
 * {@code maxConnections} are open (further ones wait in the accept queue), at most {@code
 * maxThreads} threads serve, and request headers are capped at 8 KiB.
 *
 * <p>{@code /healthz} answers 503 with a reason once a step has begun and no step (or checkpoint,
 * or epoch boundary) has finished for longer than the stall timeout ({@code
 * observability.stallTimeoutSeconds}), so a hung collective or a wedged device restarts the pod
 * instead of holding it forever.
 */
public final class ObservabilityServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObservabilityServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Resource bounds of the server.
   *
   * @param idleTimeout a connection that sends nothing for this long is closed
   * @param maxConnections open connections at most (the rest wait in the kernel's accept queue)
   * @param maxThreads serving threads at most (one acceptor and one selector included)
   */
  public record Limits(Duration idleTimeout, int maxConnections, int maxThreads) {
    /** 10 s idle timeout (well under the kubelet's probe period), 32 connections, 6 threads. */
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), 32, 6);
  }

  private final Server server;
  private final ServerConnector connector;

  private ObservabilityServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Starts serving on {@code port} (0 picks a free port, for tests); {@code /healthz} reports a
   * stall after {@code stallTimeout} without progress (zero: never).
   */
  public static ObservabilityServer start(
      int port, TrainingMetrics metrics, RunReporter reporter, Duration stallTimeout) {
    return start(
        port,
        metrics,
        reporter::progress,
        reporter::ready,
        () -> reporter.stalled(stallTimeout),
        Limits.DEFAULT);
  }

  /** Starts serving with a liveness that never reports a stall. */
  public static ObservabilityServer start(
      int port, TrainingMetrics metrics, Supplier<Progress> progress, BooleanSupplier ready) {
    return start(port, metrics, progress, ready, Optional::empty, Limits.DEFAULT);
  }

  /**
   * Starts serving.
   *
   * @param stalled the reason the run is stuck, or empty while it is healthy
   */
  public static ObservabilityServer start(
      int port,
      TrainingMetrics metrics,
      Supplier<Progress> progress,
      BooleanSupplier ready,
      Supplier<Optional<String>> stalled,
      Limits limits) {
    QueuedThreadPool pool = new QueuedThreadPool(limits.maxThreads(), 2);
    pool.setName("observability-http");
    pool.setDaemon(true);
    pool.setReservedThreads(0);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    http.setRequestHeaderSize(8192);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setPort(port);
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(64);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
    server.setHandler(new Endpoints(metrics, progress, ready, stalled));
    server.setStopTimeout(0);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      throw new ConfigException(
          "observability.port: cannot listen on port "
              + port
              + " ("
              + e.getMessage()
              + "); choose a free port or 0 to disable",
          e);
    }
    LOG.info("Serving /metrics, /progress, /healthz, /readyz on port {}", connector.getLocalPort());
    return new ObservabilityServer(server, connector);
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    stopQuietly(server);
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.debug("Stopping the observability server: {}", e.toString());
    }
  }

  /** The four endpoints; every answer is computed from in-memory state and never blocks. */
  private static final class Endpoints extends Handler.Abstract.NonBlocking {
    private final TrainingMetrics metrics;
    private final Supplier<Progress> progress;
    private final BooleanSupplier ready;
    private final Supplier<Optional<String>> stalled;

    Endpoints(
        TrainingMetrics metrics,
        Supplier<Progress> progress,
        BooleanSupplier ready,
        Supplier<Optional<String>> stalled) {
      this.metrics = metrics;
      this.progress = progress;
      this.ready = ready;
      this.stalled = stalled;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
        return send(response, callback, 405, "text/plain", "only GET\n");
      }
      switch (Request.getPathInContext(request)) {
        case "/metrics":
          return send(
              response,
              callback,
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              metrics.scrape());
        case "/progress":
          return send(
              response, callback, 200, "application/json", JSON.writeValueAsString(progress.get()));
        case "/healthz":
          Optional<String> stall = stalled.get();
          return stall.isPresent()
              ? send(response, callback, 503, "text/plain", stall.get() + "\n")
              : send(response, callback, 200, "text/plain", "ok\n");
        case "/readyz":
          boolean isReady = ready.getAsBoolean();
          return send(
              response,
              callback,
              isReady ? 200 : 503,
              "text/plain",
              isReady ? "ready\n" : "starting\n");
        default:
          return send(response, callback, 404, "text/plain", "not found\n");
      }
    }

    private static boolean send(
        Response response, Callback callback, int code, String type, String body) {
      response.setStatus(code);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
      Content.Sink.write(response, true, body, callback);
      return true;
    }
  }
}
