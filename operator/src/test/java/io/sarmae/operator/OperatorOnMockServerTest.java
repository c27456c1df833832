package io.sarmae.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.testing.FakeProgress;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.MockCluster;
import io.sarmae.operator.testing.Pods;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The whole operator process (Lease leader election, JOSDK informers, SSA off, status patches, HTTP
 * endpoints) against the CRUD mock: a run goes from created to Running with progress on status.
 */
class OperatorOnMockServerTest {
  static final String NS = "operator-it";

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  @Test
  void runsAPretrainToRunningWithProgressAndServesMetrics() throws Exception {
    KubernetesClient client = MockCluster.client();
    FakeProgress progress = new FakeProgress();
    progress.byIp.put("10.2.0.1", FakeProgress.report(8, 0.6));
    OperatorConfig config =
        new OperatorConfig(
            Set.of(NS),
            Duration.ofSeconds(1),
            Duration.ofMillis(200),
            true,
            "sarmae-operator",
            NS,
            0,
            4);
    try (SarmaeOperator operator = new SarmaeOperator(client, config, progress)) {
      operator.start();
      SarmaePretrain r = Fixtures.tinyPretrain();
      r.getMetadata().setNamespace(NS);
      r.getMetadata().setUid(null);
      client.resource(r).create();
      var resource = client.resources(SarmaePretrain.class).inNamespace(NS).withName("tiny-cpu");
      var pod = client.pods().inNamespace(NS).withName("tiny-cpu-worker-0");
      await(() -> pod.get() != null, "the worker pod");
      await(
          () ->
              resource.get().getStatus() != null
                  && resource.get().getStatus().getPhase() == Phase.PENDING,
          "Pending status");
      Pod running = Pods.running(new PodBuilder(pod.get()).build(), "10.2.0.1");
      client.pods().inNamespace(NS).resource(running).updateStatus();
      await(
          () ->
              resource.get().getStatus().getPhase() == Phase.RUNNING
                  && resource.get().getStatus().getProgress() != null
                  && Long.valueOf(8).equals(resource.get().getStatus().getProgress().getStep()),
          "Running status with progress");
      assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(1);
      var lease = client.leases().inNamespace(NS).withName("sarmae-operator").get();
      assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();

      HttpClient http = HttpClient.newHttpClient();
      String base = "http://localhost:" + operator.httpPort();
      var metrics =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body())
          .contains(
              "sarmae_jobs{kind=\"pretrain\",namespace=\"operator-it\",phase=\"Running\"} 1.0")
          .contains("sarmae_jobs_transitions_total")
          .contains("operator_sdk_")
          .doesNotContain("tiny-cpu");
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }
  }
}
