package io.sarmae.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sarmae.operator.metrics.JobMetrics;
import io.sarmae.operator.plan.Planner;
import io.sarmae.operator.progress.HttpProgressClient;
import io.sarmae.operator.progress.ProgressClient;
import io.sarmae.operator.progress.ProgressPoller;
import io.sarmae.operator.reconciler.FinetuneReconciler;
import io.sarmae.operator.reconciler.JobController;
import io.sarmae.operator.reconciler.PretrainReconciler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: both controllers on one JOSDK {@link Operator} (server-side apply off),
 * Lease leader election, a Prometheus registry, and the /metrics, /healthz and /readyz endpoints.
 */
public final class SarmaeOperator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SarmaeOperator.class);

  private final Operator operator;
  private final PrometheusMeterRegistry registry;
  private HttpServer http;
  private final OperatorConfig config;
  private volatile boolean closing;

  public SarmaeOperator(KubernetesClient client, OperatorConfig config, ProgressClient progress) {
    this.config = config;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    JobMetrics jobMetrics = new JobMetrics(registry);
    JobController controller =
        new JobController(
            client,
            new ProgressPoller(progress, config.progressInterval()),
            Clock.systemUTC(),
            new Planner.Settings(config.progressInterval(), Duration.ofSeconds(30)),
            jobMetrics);
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .checkingCRDAndValidateLocalModel(false)
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                  .withCloseClientOnStop(false);
              if (config.leaderElection()) {
                String identity =
                    System.getenv()
                        .getOrDefault("POD_NAME", "sarmae-operator-" + UUID.randomUUID());
                // JOSDK's exit-on-stop-leading would also fire on our own graceful stop (and
                // System.exit inside a shutdown hook blocks); exit only on a real loss.
                LeaderCallbacks callbacks =
                    new LeaderCallbacks(
                        () -> LOG.info("{} is the leader", identity),
                        () -> {
                          if (!closing) {
                            LOG.error("{} lost the leader lease; exiting", identity);
                            new Thread(() -> System.exit(1), "sarmae-lost-lease").start();
                          }
                        },
                        leader -> LOG.info("leader is {}", leader));
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        config.leaseName(),
                        config.leaseNamespace(),
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        identity,
                        callbacks,
                        false));
              }
            });
    operator.register(new PretrainReconciler(controller, jobMetrics), namespaces("sarmaepretrain"));
    operator.register(new FinetuneReconciler(controller, jobMetrics), namespaces("sarmaefinetune"));
  }

  private <R extends io.fabric8.kubernetes.api.model.HasMetadata>
      Consumer<ControllerConfigurationOverrider<R>> namespaces(String name) {
    return o -> {
      o.withName(name);
      if (config.watchNamespaces().isEmpty()) {
        o.watchingAllNamespaces();
      } else {
        o.settingNamespaces(config.watchNamespaces());
      }
    };
  }

  public static SarmaeOperator fromEnvironment(KubernetesClient client) {
    OperatorConfig config = OperatorConfig.fromEnv(System.getenv());
    return new SarmaeOperator(client, config, new HttpProgressClient(config.progressTimeout()));
  }

  public void start() throws IOException {
    if (config.httpPort() >= 0) {
      http = HttpServer.create(new InetSocketAddress(config.httpPort()), 0);
      http.setExecutor(Executors.newSingleThreadExecutor(r -> daemon(r, "sarmae-http")));
      http.createContext(
          "/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4", registry.scrape()));
      http.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok"));
      http.createContext(
          "/readyz",
          ex -> {
            boolean ready =
                operator.getRuntimeInfo().isStarted()
                    && operator.getRuntimeInfo().allEventSourcesAreHealthy();
            respond(ex, ready ? 200 : 503, "text/plain", ready ? "ready" : "not ready");
          });
      http.start();
      LOG.info("serving /metrics, /healthz and /readyz on port {}", http.getAddress().getPort());
    }
    operator.start();
  }

  public int httpPort() {
    return http == null ? -1 : http.getAddress().getPort();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Operator operator() {
    return operator;
  }

  /** Stops reconciling (waiting for running reconciles), then the HTTP server. */
  @Override
  public void close() {
    closing = true;
    operator.stop();
    if (http != null) {
      http.stop(1);
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
