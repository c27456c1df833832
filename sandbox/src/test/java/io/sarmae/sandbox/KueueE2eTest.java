package io.sarmae.sandbox;

import static io.sarmae.sandbox.LifecycleE2eTest.apply;
import static io.sarmae.sandbox.LifecycleE2eTest.awaitPhase;
import static io.sarmae.sandbox.LifecycleE2eTest.awaitTraining;
import static io.sarmae.sandbox.LifecycleE2eTest.condition;
import static io.sarmae.sandbox.LifecycleE2eTest.get;
import static io.sarmae.sandbox.SandboxFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.kueue.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kueue admission and preemption on the sandbox (profile {@code e2e}), against its minimal Kueue
 * ({@link KueueEmulator}): a ClusterQueue with room for one tiny run; a low-priority run is
 * admitted and trains, a high-priority run preempts it (suspended, its trainer checkpoints on
 * SIGTERM, the quota goes back), runs to the end, and the low-priority run is admitted again and
 * resumes from its checkpoint to Succeeded.
 */
class KueueE2eTest {

  /**
   * A queued tiny run of {@code epochs} epochs (8 steps each). The low-priority run needs enough
   * steps to still be training when the high-priority one preempts it: on an idle machine one epoch
   * finished before the test even saw its first step on status (CI, Dec 2), so it has six.
   */
  static String queued(String name, String priorityClass, int epochs) throws Exception {
    String yaml = SandboxFixture.tinyExample(name, "epochs: 2", "epochs: " + epochs);
    String meta = "  name: " + name + "\n";
    assertThat(yaml).contains(meta);
    return yaml.replace(
        meta,
        meta
            + "  labels:\n"
            + "    kueue.x-k8s.io/queue-name: team-a\n"
            + "    kueue.x-k8s.io/priority-class: "
            + priorityClass
            + "\n");
  }

  static void priorityClass(KubernetesClient client, String name, int value) {
    GenericKubernetesResource wpc =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(Workloads.API_VERSION)
            .withKind("WorkloadPriorityClass")
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withAdditionalProperties(Map.of("value", value))
            .build();
    client
        .genericKubernetesResources(Workloads.PRIORITY_CLASSES)
        .resource(wpc)
        .createOr(x -> x.update());
  }

  @Test
  void aHigherPriorityRunPreemptsAQueuedRunWhichResumesFromItsCheckpointAndBothSucceed()
      throws Exception {
    SandboxFixture.requireTrainer();
    String ns = "e2e-kueue";
    Sandbox sandbox = SandboxFixture.sandbox();
    KubernetesClient client = sandbox.client();
    SandboxFixture.namespaceWithData(ns, "sarmae-synth-data");
    priorityClass(client, "e2e-low", 10);
    priorityClass(client, "e2e-high", 1000);
    // Room for one tiny run (2 CPUs requested).
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(KueueEmulator.QUOTA_CONFIG_MAP)
                .endMetadata()
                .withData(Map.of("cpu", "2"))
                .build())
        .createOr(x -> x.update());

    apply(ns, queued("low", "e2e-low", 10));
    SarmaePretrain low = awaitTraining(ns, "low");
    assertThat(condition(low, "Admitted").getStatus()).isEqualTo("True");
    assertThat(low.getStatus().getAdmission().getClusterQueue()).isEqualTo(ns);
    assertThat(low.getStatus().getAdmission().getFlavors())
        .containsEntry("cpu", KueueEmulator.FLAVOR);
    Pod lowPod = client.pods().inNamespace(ns).withName("low-worker-0").get();
    assertThat(lowPod.getSpec().getNodeSelector())
        .as("the flavor's node labels")
        .containsEntry(KueueEmulator.FLAVOR_LABEL, "default");

    apply(ns, queued("high", "e2e-high", 1));
    SarmaePretrain preempted =
        await(
            SandboxFixture.RUN_TIMEOUT,
            "low preempted",
            () -> {
              SarmaePretrain r = get(ns, "low");
              return r.getStatus().getPhase() == Phase.SUSPENDED
                      && "Preempted".equals(r.getStatus().getReason())
                  ? r
                  : null;
            });
    assertThat(condition(preempted, "Admitted").getReason()).isEqualTo("Preempted");

    SarmaePretrain high = awaitPhase(ns, "high", Phase.SUCCEEDED);
    assertThat(high.getStatus().getAdmission().getClusterQueue()).isEqualTo(ns);
    SarmaePretrain done = awaitPhase(ns, "low", Phase.SUCCEEDED);
    assertThat(done.getStatus().getAdmission().getEvictions()).isEqualTo(1);
    assertThat(done.getStatus().getFailedAttempts()).as("preemption is no failure").isIn(null, 0);
    assertThat(done.getStatus().getAttempt()).isEqualTo(2);
    assertThat(done.getStatus().getResult().getStep()).isEqualTo(80L);

    // The second trainer of "low" resumed from a checkpoint (the one written on SIGTERM).
    Path podsDir = sandbox.dir().resolve("pods").resolve(ns);
    List<String> logs;
    try (Stream<Path> s = Files.list(podsDir)) {
      logs =
          s.filter(p -> p.getFileName().toString().startsWith("low-worker-0-"))
              .map(p -> p.resolve("container.log"))
              .map(
                  p -> {
                    try {
                      return Files.readString(p);
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .toList();
    }
    assertThat(logs).hasSize(2).anyMatch(l -> l.contains("Resumed from"));

    // Both Workloads are Finished: Kueue no longer counts their quota.
    for (String run : List.of("low", "high")) {
      GenericKubernetesResource wl =
          client
              .genericKubernetesResources(Workloads.WORKLOADS)
              .inNamespace(ns)
              .withName("sarmaepretrain-" + run)
              .get();
      assertThat(KueueEmulator.isTrue(wl, "Finished")).as(run).isTrue();
    }
  }
}
