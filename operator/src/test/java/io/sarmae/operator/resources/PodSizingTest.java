package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.sarmae.operator.api.v1alpha1.ModelSize;
import io.sarmae.operator.api.v1alpha1.PodOverlay;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CPU budget, thread rendering, memory request and warning of a trainer pod. */
class PodSizingTest {

  private static SarmaePretrain tiny(ResourceRequirements r) {
    SarmaePretrain p = Fixtures.tinyPretrain();
    p.getSpec().setResources(r);
    p.getSpec().setThreads(null);
    return p;
  }

  private static ResourceRequirements cpu(String limit, String request) {
    ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
    if (limit != null) {
      b.addToLimits("cpu", new Quantity(limit));
    }
    if (request != null) {
      b.addToRequests("cpu", new Quantity(request));
    }
    return b.build();
  }

  @Test
  void cpuBudgetFromLimitsElseRequestsRoundedDown() {
    assertThat(PodSizing.cpuBudget(tiny(cpu("8", "2")).getSpec())).isEqualTo(8);
    assertThat(PodSizing.cpuBudget(tiny(cpu(null, "6")).getSpec())).isEqualTo(6);
    assertThat(PodSizing.cpuBudget(tiny(cpu("2500m", null)).getSpec())).isEqualTo(2);
    assertThat(PodSizing.cpuBudget(tiny(cpu("500m", null)).getSpec())).isEqualTo(1);
    assertThat(PodSizing.cpuBudget(tiny(cpu(null, null)).getSpec())).isZero();
    assertThat(PodSizing.cpuBudget(tiny(null).getSpec())).isZero();
  }

  @Test
  void threadsAreTheIntraOpShareOfTheBudgetUnlessTheSpecSetsThem() {
    SarmaePretrain p = tiny(cpu("16", null));
    p.getSpec().getData().setWorkers(4);
    assertThat(PodSizing.threads(p.getSpec())).isEqualTo(12);
    p.getSpec().setThreads(0); // the CRD default: still derived
    assertThat(PodSizing.threads(p.getSpec())).isEqualTo(12);
    p.getSpec().setThreads(5);
    assertThat(PodSizing.threads(p.getSpec())).isEqualTo(5);
    assertThat(PodSizing.threads(tiny(null).getSpec())).isZero();
    assertThat(PodSizing.intraOpThreads(2, 4)).isEqualTo(2);
    assertThat(PodSizing.intraOpThreads(8, 4)).isEqualTo(6);
    assertThat(PodSizing.intraOpThreads(96, 4)).isEqualTo(92);
    // Fine-tuning decodes on the training thread: the whole budget computes.
    var ft = Fixtures.finetune40();
    ft.getSpec().setThreads(null);
    assertThat(PodSizing.threads(ft.getSpec())).isEqualTo(8);
  }

  @Test
  void renderedConfigAndEnvCarryTheBudget() {
    SarmaePretrain p = tiny(cpu("8", null));
    String config = TrainerConfig.renderPretrain("tiny", "uid-1", p.getSpec());
    assertThat(config).contains("  threads: 6\n");
    Pod pod = Children.pod(TrainerRun.of(p), 0, 1);
    assertThat(pod.getSpec().getContainers().get(0).getEnv())
        .contains(new EnvVar("OMP_NUM_THREADS", "8", null))
        .contains(new EnvVar("MKL_NUM_THREADS", "8", null));
    // Without CPU resources the trainer reads its cgroup: nothing rendered.
    SarmaePretrain none = tiny(null);
    assertThat(TrainerConfig.renderPretrain("tiny", "uid-1", none.getSpec()))
        .contains("  threads: 0\n");
    assertThat(Children.pod(TrainerRun.of(none), 0, 1).getSpec().getContainers().get(0).getEnv())
        .extracting(EnvVar::getName)
        .doesNotContain("OMP_NUM_THREADS", "MKL_NUM_THREADS");
  }

  @Test
  void theUsersOmpNumThreadsWins() {
    SarmaePretrain p = tiny(cpu("8", null));
    PodOverlay overlay = new PodOverlay();
    overlay.setEnv(List.of(new EnvVar("OMP_NUM_THREADS", "3", null)));
    p.getSpec().setPodTemplate(overlay);
    List<EnvVar> env =
        Children.pod(TrainerRun.of(p), 0, 1).getSpec().getContainers().get(0).getEnv();
    assertThat(env.stream().filter(e -> e.getName().equals("OMP_NUM_THREADS")))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo("3");
  }

  @Test
  void memoryRequestFromTheEstimateOnlyWhenTheUserGivesNone() {
    SarmaePretrain p = tiny(cpu("2", null));
    long need = PodSizing.estimateBytes(p.getSpec());
    Map<String, Quantity> requests =
        Children.pod(TrainerRun.of(p), 0, 1)
            .getSpec()
            .getContainers()
            .get(0)
            .getResources()
            .getRequests();
    assertThat(requests).containsEntry("memory", PodSizing.mebibytes(need));
    assertThat(Quantity.getAmountInBytes(requests.get("memory")).longValue())
        .isBetween(need, need + (1L << 20));
    SarmaePretrain limited = tiny(cpu("2", null));
    limited.getSpec().getResources().setLimits(Map.of("memory", new Quantity("64Gi")));
    Map<String, Quantity> limitedRequests =
        Children.pod(TrainerRun.of(limited), 0, 1)
            .getSpec()
            .getContainers()
            .get(0)
            .getResources()
            .getRequests();
    assertThat(limitedRequests == null || !limitedRequests.containsKey("memory"))
        .as("requests %s", limitedRequests)
        .isTrue();
  }

  @Test
  void aLimitBelowTheEstimateIsWarnedAbout() {
    SarmaePretrain p =
        tiny(new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build());
    p.getSpec().getModel().setSize(ModelSize.BASE);
    p.getSpec().getOptim().setBatchSize(64);
    assertThat(PodSizing.memoryWarning(p.getSpec()))
        .startsWith("resources.limits.memory 1Gi is below the estimated need of ")
        .contains("the trainer will refuse to start (exit 2)")
        .contains("lower optim.batchSize");
    p.getSpec().getResources().setLimits(Map.of("memory", new Quantity("512Gi")));
    assertThat(PodSizing.memoryWarning(p.getSpec())).isNull();
    p.getSpec().getResources().setLimits(null);
    assertThat(PodSizing.memoryWarning(p.getSpec())).isNull();
  }

  @Test
  void gpuPodsKeepOnlyTheHostPartOnTheHost() {
    SarmaePretrain cpuRun = tiny(null);
    cpuRun.getSpec().getModel().setSize(ModelSize.BASE);
    cpuRun.getSpec().getModel().setImageSize(224);
    cpuRun.getSpec().getModel().setPatchSize(16);
    cpuRun.getSpec().getOptim().setBatchSize(64);
    long onCpu = PodSizing.estimateBytes(cpuRun.getSpec());
    cpuRun.getSpec().setGpusPerReplica(1);
    long onGpu = PodSizing.estimateBytes(cpuRun.getSpec());
    assertThat(onGpu).isLessThan(onCpu / 4);
  }
}
