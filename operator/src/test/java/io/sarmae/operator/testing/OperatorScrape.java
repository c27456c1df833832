package io.sarmae.operator.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.OperatorConfig;
import io.sarmae.operator.SarmaeOperator;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code /metrics} scrape of the operator process on the CRUD mock, taken after a run went
 * Running, failed with a retryable exit code and was restarted, so that the transition and restart
 * counters exist. Dashboards and alerts are checked against the series names found here.
 */
public final class OperatorScrape {
  private static final String NS = "operator-scrape";
  private static String text;

  /** The run as the operator wrote it: after it went Running, and after the restart. */
  public static final java.util.Map<String, SarmaePretrain> SNAPSHOTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private OperatorScrape() {}

  public static synchronized String text() throws Exception {
    // A run that went Running, failed with a retryable exit code and was restarted.
    if (text == null) {
      text = scrape();
    }
    return text;
  }

  /** Metric family names of the scrape ({@code # TYPE} lines plus sample names). */
  public static Set<String> seriesNames() throws Exception {
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(text());
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  private static String scrape() throws Exception {
    KubernetesClient client = MockCluster.client();
    FakeProgress progress = new FakeProgress();
    progress.byIp.put("10.3.0.1", FakeProgress.report(8, 0.6));
    OperatorConfig config =
        new OperatorConfig(
            Set.of(NS),
            Duration.ofSeconds(1),
            Duration.ofMillis(200),
            false,
            "sarmae-operator",
            NS,
            0,
            2);
    try (SarmaeOperator operator = new SarmaeOperator(client, config, progress)) {
      operator.start();
      SarmaePretrain r = Fixtures.tinyPretrain();
      r.getMetadata().setNamespace(NS);
      r.getMetadata().setUid(null);
      client.resource(r).create();
      var resource = client.resources(SarmaePretrain.class).inNamespace(NS).withName("tiny-cpu");
      var pod = client.pods().inNamespace(NS).withName("tiny-cpu-worker-0");
      await(() -> pod.get() != null, "the worker pod");
      Pod running = Pods.running(new PodBuilder(pod.get()).build(), "10.3.0.1");
      client.pods().inNamespace(NS).resource(running).updateStatus();
      await(
          () ->
              resource.get().getStatus() != null
                  && resource.get().getStatus().getPhase() == Phase.RUNNING,
          "Running with progress");
      await(() -> resource.get().getStatus().getProgress() != null, "progress on status");
      SNAPSHOTS.put("running", resource.get());
      Pod failed = Pods.exited(new PodBuilder(pod.get()).build(), 1, "Error", "boom");
      client.pods().inNamespace(NS).resource(failed).updateStatus();
      await(
          () -> {
            var s = resource.get().getStatus();
            return s.getRestartCount() != null && s.getRestartCount() > 0;
          },
          "a restart");
      SNAPSHOTS.put("restarted", resource.get());
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://localhost:" + operator.httpPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return metrics.body();
    }
  }
}
