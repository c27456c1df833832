package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Golden;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChildrenTest {

  @Test
  void tinyCpuChildrenMatchGolden() {
    TrainerRun run = TrainerRun.of(Fixtures.tinyPretrain());
    Golden.assertMatches("tiny-cpu-pod.yaml", Fixtures.yaml(Children.pod(run, 0, 1)));
    Golden.assertMatches("tiny-cpu-service.yaml", Fixtures.yaml(Children.service(run)));
    Golden.assertMatches("tiny-cpu-configmap.yaml", Fixtures.yaml(Children.configMap(run)));
    assertThat(Children.podGroup(run)).isNull();
  }

  @Test
  void twoRankPodsShareTheRendezvousAndDifferInRank() {
    TrainerRun run = TrainerRun.of(Fixtures.tinyTwoRanks());
    Golden.assertMatches("tiny-2ranks-pod-1.yaml", Fixtures.yaml(Children.pod(run, 1, 1)));
    for (int rank = 0; rank < 2; rank++) {
      Pod pod = Children.pod(run, rank, 1);
      var c = pod.getSpec().getContainers().get(0);
      assertThat(c.getEnv())
          .filteredOn(e -> e.getValue() != null)
          .extracting(EnvVar::getName, EnvVar::getValue)
          .contains(
              org.assertj.core.groups.Tuple.tuple("RANK", Integer.toString(rank)),
              org.assertj.core.groups.Tuple.tuple("WORLD_SIZE", "2"),
              org.assertj.core.groups.Tuple.tuple(
                  "MASTER_ADDR", "tiny-2ranks-worker-0.tiny-2ranks-workers"),
              org.assertj.core.groups.Tuple.tuple("MASTER_PORT", "29500"));
      assertThat(c.getEnv())
          .filteredOn(e -> e.getName().equals("POD_IP"))
          .singleElement()
          .satisfies(
              e ->
                  assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                      .isEqualTo("status.podIP"));
      assertThat(c.getPorts())
          .anySatisfy(
              p -> {
                assertThat(p.getName()).isEqualTo("rendezvous");
                assertThat(p.getContainerPort()).isEqualTo(29500);
              });
      assertThat(pod.getSpec().getHostname()).isEqualTo("tiny-2ranks-worker-" + rank);
      assertThat(pod.getSpec().getSubdomain()).isEqualTo("tiny-2ranks-workers");
    }
    assertThat(Children.podGroup(run)).as("scheduling: none").isNull();
  }

  @Test
  void queuedRunsPodsCarryNoKueueLabelsSinceTheRunsWorkloadIsWhatKueueAdmits() {
    // Kueue's pod integration would gate and count the pods a second time.
    var two = Fixtures.tinyTwoRanks();
    two.getMetadata().setLabels(java.util.Map.of("kueue.x-k8s.io/queue-name", "team-a"));
    Pod pod = Children.pod(TrainerRun.of(two), 1, 3);
    assertThat(pod.getMetadata().getLabels())
        .doesNotContainKeys("kueue.x-k8s.io/queue-name", "kueue.x-k8s.io/pod-group-name");
    assertThat(pod.getMetadata().getAnnotations())
        .doesNotContainKey("kueue.x-k8s.io/pod-group-total-count");
  }

  @Test
  void vitBChildrenMatchGolden() {
    TrainerRun run = TrainerRun.of(Fixtures.vitB());
    Golden.assertMatches("vit-b-pod.yaml", Fixtures.yaml(Children.pod(run, 0, 3)));
    Golden.assertMatches("vit-b-podgroup.yaml", Fixtures.yaml(Children.podGroup(run)));
  }

  @Test
  void coschedulingGetsASchedulerPluginsPodGroupAndPodLabel() {
    var vitB = Fixtures.vitB();
    vitB.getSpec()
        .getScheduling()
        .setGang(io.sarmae.operator.api.v1alpha1.GangScheduler.COSCHEDULING);
    TrainerRun run = TrainerRun.of(vitB);
    Golden.assertMatches("vit-b-podgroup-coscheduling.yaml", Fixtures.yaml(Children.podGroup(run)));
    Pod pod = Children.pod(run, 0, 1);
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("scheduling.x-k8s.io/pod-group", "sarmae-vit-b");
    assertThat(pod.getSpec().getSchedulerName()).isEqualTo("scheduler-plugins-scheduler");
  }

  @Test
  void finetunePodMountsPretrainedCheckpointReadOnly() {
    WeightsRef w = new WeightsRef();
    w.setClaimName("sarmae-checkpoints");
    w.setPath("sarmae-vit-b/final");
    TrainerRun run = TrainerRun.of(Fixtures.finetune40(), w);
    Pod pod = Children.pod(run, 0, 1);
    Golden.assertMatches("finetune-pod.yaml", Fixtures.yaml(pod));
    assertThat(pod.getSpec().getContainers().get(0).getArgs())
        .containsExactly("finetune", "--config", "/etc/sarmae/config.yaml");
    // The pretrain wrote to the same claim: read through /checkpoints, never mount it twice.
    assertThat(pod.getSpec().getVolumes())
        .extracting(
            v ->
                v.getPersistentVolumeClaim() == null
                    ? null
                    : v.getPersistentVolumeClaim().getClaimName())
        .containsOnlyOnce("sarmae-checkpoints");
    assertThat(run.configYaml()).contains("  init: /checkpoints/sarmae-vit-b/final\n");
  }

  @Test
  void finetuneWeightsOnAnotherClaimAreMountedReadOnly() {
    WeightsRef w = new WeightsRef();
    w.setClaimName("shared-weights");
    w.setPath("vit-b/model.safetensors");
    TrainerRun run = TrainerRun.of(Fixtures.finetune40(), w);
    Pod pod = Children.pod(run, 0, 1);
    assertThat(pod.getSpec().getVolumes())
        .anySatisfy(
            v -> {
              assertThat(v.getName()).isEqualTo("sarmae-weights-pretrained");
              assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("shared-weights");
              assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
    assertThat(run.configYaml()).contains("  init: /weights/pretrained/vit-b/model.safetensors\n");
  }

  @Test
  void podIsRestrictedAndRequestsGpus() {
    var vitB = Fixtures.vitB();
    Pod pod = Children.pod(TrainerRun.of(vitB), 0, 1);
    var c = pod.getSpec().getContainers().get(0);
    assertThat(pod.getMetadata().getName()).isEqualTo("sarmae-vit-b-worker-0");
    assertThat(c.getArgs()).containsExactly("pretrain", "--config", "/etc/sarmae/config.yaml");
    assertThat(c.getResources().getLimits().get("nvidia.com/gpu").getAmount()).isEqualTo("8");
    assertThat(c.getResources().getRequests().get("nvidia.com/gpu").getAmount()).isEqualTo("8");
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(60);
    assertThat(c.getPorts().get(0).getName()).isEqualTo("metrics");
    assertThat(c.getPorts().get(0).getContainerPort()).isEqualTo(9400);
    assertThat(pod.getMetadata().getOwnerReferences().get(0).getController()).isTrue();
    assertThat(pod.getMetadata().getAnnotations())
        .containsEntry("scheduling.k8s.io/group-name", "sarmae-vit-b");
    assertThat(pod.getSpec().getSchedulerName()).isEqualTo("volcano");
  }

  @Test
  void overlayCannotReplaceRendezvousEnv() {
    var tiny = Fixtures.tinyPretrain();
    var overlay = new io.sarmae.operator.api.v1alpha1.PodOverlay();
    overlay.setEnv(
        List.of(
            new EnvVar("RANK", "7", null),
            new EnvVar("POD_IP", "10.9.9.9", null),
            new EnvVar("GLOO_SOCKET_IFNAME", "eth1", null),
            new EnvVar("JAVA_OPTS", "-Xmx2g", null)));
    tiny.getSpec().setPodTemplate(overlay);
    Pod pod = Children.pod(TrainerRun.of(tiny), 0, 1);
    var env = pod.getSpec().getContainers().get(0).getEnv();
    assertThat(env)
        .filteredOn(e -> e.getName().equals("RANK"))
        .extracting(EnvVar::getValue)
        .containsExactly("0");
    assertThat(env)
        .filteredOn(e -> e.getName().equals("POD_IP"))
        .singleElement()
        .satisfies(e -> assertThat(e.getValue()).isNull());
    assertThat(env).extracting(EnvVar::getName).contains("JAVA_OPTS", "GLOO_SOCKET_IFNAME");
  }
}
