package io.sarmae.operator.kueue;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.plan.Conditions;
import io.sarmae.operator.resources.Children;
import io.sarmae.operator.resources.TrainerRun;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Harness;
import io.sarmae.operator.testing.Pods;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run queued through Kueue, against the CRUD mock server with Kueue's Workload and ResourceFlavor
 * CRDs: the test plays Kueue (admits, evicts, readmits by writing the Workload's status as Kueue's
 * scheduler does) and the kubelet.
 */
class KueueMockServerTest {
  static int namespaces;
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  final Harness h = new Harness("kueue-" + (++namespaces));

  /** One pod of 8 GPUs, queued in LocalQueue team-a. */
  SarmaePretrain queued() {
    return queued(Fixtures.vitB());
  }

  SarmaePretrain queued(SarmaePretrain r) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (r.getMetadata().getLabels() != null) {
      labels.putAll(r.getMetadata().getLabels());
    }
    labels.put(Workloads.QUEUE_LABEL, "team-a");
    r.getMetadata().setLabels(labels);
    return h.create(r);
  }

  GenericKubernetesResource workload(SarmaePretrain r) {
    return h.client
        .genericKubernetesResources(Workloads.WORKLOADS)
        .inNamespace(h.namespace)
        .withName("sarmaepretrain-" + r.getMetadata().getName())
        .get();
  }

  List<GenericKubernetesResource> workloads() {
    return h.client
        .genericKubernetesResources(Workloads.WORKLOADS)
        .inNamespace(h.namespace)
        .list()
        .getItems();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  static Map<String, Object> status(GenericKubernetesResource wl) {
    return map(wl.getAdditionalProperties().getOrDefault("status", new LinkedHashMap<>()));
  }

  static Map<String, Object> condition(GenericKubernetesResource wl, String type) {
    Object list = status(wl).get("conditions");
    if (list == null) {
      return null;
    }
    for (Object c : (List<?>) list) {
      if (type.equals(map(c).get("type"))) {
        return map(c);
      }
    }
    return null;
  }

  static Map<String, Object> cond(String type, String status, String reason, String message) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", status);
    c.put("reason", reason);
    c.put("message", message);
    c.put("lastTransitionTime", "2026-11-26T10:00:00Z");
    return c;
  }

  /** Plays Kueue's scheduler: reserves quota in ClusterQueue cq with flavor a100, admits. */
  void admit(SarmaePretrain r) {
    GenericKubernetesResource wl = workload(r);
    Map<String, Object> st = new LinkedHashMap<>(status(wl));
    st.put(
        "admission",
        Map.of(
            "clusterQueue",
            "cq",
            "podSetAssignments",
            List.of(
                Map.of(
                    "name",
                    "trainer",
                    "count",
                    1,
                    "flavors",
                    Map.of("cpu", "a100", "memory", "a100", "nvidia.com/gpu", "a100")))));
    List<Object> conditions = new ArrayList<>();
    conditions.add(cond("QuotaReserved", "True", "QuotaReserved", "Quota reserved in cq"));
    conditions.add(cond("Admitted", "True", "Admitted", "The workload is admitted"));
    if (condition(wl, "Evicted") != null) {
      conditions.add(cond("Evicted", "False", "QuotaReserved", "Previously: preempted"));
    }
    st.put("conditions", conditions);
    writeStatus(wl, st);
  }

  /** Plays Kueue's preemption: Evicted and Preempted True, the admission still held. */
  void preempt(SarmaePretrain r) {
    GenericKubernetesResource wl = workload(r);
    Map<String, Object> st = new LinkedHashMap<>(status(wl));
    List<Object> conditions = new ArrayList<>((List<?>) st.get("conditions"));
    String msg = "Preempted to accommodate a workload (UID: w2) due to prioritization in cq";
    conditions.add(cond("Evicted", "True", "Preempted", msg));
    conditions.add(cond("Preempted", "True", "InClusterQueue", msg));
    st.put("conditions", conditions);
    writeStatus(wl, st);
  }

  void writeStatus(GenericKubernetesResource wl, Map<String, Object> st) {
    wl.getAdditionalProperties().put("status", st);
    h.client
        .genericKubernetesResources(Workloads.WORKLOADS)
        .inNamespace(h.namespace)
        .resource(wl)
        .updateStatus();
  }

  void flavor() {
    GenericKubernetesResource rf =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(Workloads.API_VERSION)
            .withKind("ResourceFlavor")
            .withNewMetadata()
            .withName("a100")
            .endMetadata()
            .withAdditionalProperties(
                Map.of(
                    "spec",
                    Map.of(
                        "nodeLabels",
                        Map.of("cloud.example.com/gpu", "a100-80g"),
                        "tolerations",
                        List.of(
                            Map.of(
                                "key",
                                "reserved-for",
                                "operator",
                                "Equal",
                                "value",
                                "ml",
                                "effect",
                                "NoSchedule")))))
            .build();
    h.client.genericKubernetesResources(Workloads.FLAVORS).resource(rf).createOr(x -> x.update());
  }

  SarmaeJobStatus status(SarmaePretrain r) {
    return h.get(r).getStatus();
  }

  static String condition(SarmaeJobStatus s, String type) {
    var c = Conditions.find(s.getConditions(), type);
    return c == null ? null : c.getStatus() + "/" + c.getReason();
  }

  List<String> events(String reason) {
    return h.client.v1().events().inNamespace(h.namespace).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .map(Event::getMessage)
        .toList();
  }

  @Test
  void aQueuedRunOwnsOneWorkloadWithItsPodSetAndStartsNoPodBeforeAdmission() {
    SarmaePretrain r = queued();
    h.settle(r);

    assertThat(h.pods(r)).as("no pod before admission").isEmpty();
    GenericKubernetesResource wl = workload(r);
    assertThat(wl).isNotNull();
    var owner = wl.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getUid()).isEqualTo(h.get(r).getMetadata().getUid());
    assertThat(owner.getController()).isTrue();
    Map<String, Object> spec = map(wl.getAdditionalProperties().get("spec"));
    assertThat(spec).containsEntry("queueName", "team-a");
    List<?> podSets = (List<?>) spec.get("podSets");
    assertThat(podSets).hasSize(1);
    Map<String, Object> ps = map(podSets.get(0));
    assertThat(ps).containsEntry("name", "trainer").containsEntry("count", 1);
    Pod template = JSON.convertValue(ps.get("template"), Pod.class);
    Pod expected = Children.pod(TrainerRun.of(h.get(r)), 0, 1);
    assertThat(template.getSpec().getContainers().get(0).getResources())
        .as("the same sizing as the pods")
        .isEqualTo(expected.getSpec().getContainers().get(0).getResources());
    assertThat(
            template
                .getSpec()
                .getContainers()
                .get(0)
                .getResources()
                .getLimits()
                .get("nvidia.com/gpu"))
        .hasToString("8");
    assertThat(template.getSpec().getTolerations()).isEqualTo(expected.getSpec().getTolerations());

    SarmaeJobStatus s = status(r);
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.getReason()).isEqualTo("WaitingForAdmission");
    assertThat(condition(s, "Admitted")).isEqualTo("False/WaitingForAdmission");
    assertThat(s.getAdmission().getWorkload()).isEqualTo(wl.getMetadata().getName());
    assertThat(s.getAdmission().getQueue()).isEqualTo("team-a");
    assertThat(s.getAdmission().getClusterQueue()).isNull();

    // Two ranks are one pod set of two; a WorkloadPriorityClass is resolved to spec.priority.
    h.client
        .genericKubernetesResources(Workloads.PRIORITY_CLASSES)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(Workloads.API_VERSION)
                .withKind("WorkloadPriorityClass")
                .withNewMetadata()
                .withName("urgent")
                .endMetadata()
                .withAdditionalProperties(Map.of("value", 1000))
                .build())
        .createOr(x -> x.update());
    SarmaePretrain twoRanks = Fixtures.tinyTwoRanks();
    twoRanks.getMetadata().setLabels(Map.of(Workloads.PRIORITY_CLASS_LABEL, "urgent"));
    SarmaePretrain two = queued(twoRanks);
    h.settle(two);
    assertThat(h.pods(two)).isEmpty();
    GenericKubernetesResource twoWorkload = workload(two);
    Map<String, Object> twoSpec = map(twoWorkload.getAdditionalProperties().get("spec"));
    assertThat(map(((List<?>) twoSpec.get("podSets")).get(0))).containsEntry("count", 2);
    assertThat(twoSpec)
        .containsEntry("priorityClassName", "urgent")
        .containsEntry("priorityClassSource", "kueue.x-k8s.io/workloadpriorityclass")
        .containsEntry("priority", 1000);
  }

  @Test
  void admittedPodsCarryTheFlavorsNodeLabelsAndTolerationsAndTheQueueLabelIsNotCopied() {
    flavor();
    SarmaePretrain r = queued();
    h.settle(r);
    admit(r);
    h.settle(r);

    List<Pod> pods = h.pods(r);
    assertThat(pods).hasSize(1);
    Toleration flavorTol =
        new TolerationBuilder()
            .withKey("reserved-for")
            .withOperator("Equal")
            .withValue("ml")
            .withEffect("NoSchedule")
            .build();
    for (Pod p : pods) {
      assertThat(p.getSpec().getNodeSelector()).containsEntry("cloud.example.com/gpu", "a100-80g");
      assertThat(p.getSpec().getTolerations())
          .contains(flavorTol)
          .as("the run's own toleration stays")
          .anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
      assertThat(p.getMetadata().getLabels()).doesNotContainKey(Workloads.QUEUE_LABEL);
    }
    SarmaeJobStatus s = status(r);
    assertThat(condition(s, "Admitted")).isEqualTo("True/Admitted");
    assertThat(s.getAdmission().getClusterQueue()).isEqualTo("cq");
    assertThat(s.getAdmission().getFlavors()).containsEntry("nvidia.com/gpu", "a100");
    assertThat(events("Admitted")).singleElement().asString().contains("cq", "a100");
  }

  @Test
  void evictionSuspendsAndReleasesQuotaReadmissionResumesAndOneWorkloadServesEveryAttempt() {
    flavor();
    SarmaePretrain r = queued();
    h.settle(r);
    String workloadUid = workload(r).getMetadata().getUid();
    admit(r);
    h.settle(r);
    h.kubelet(r, p -> Pods.running(p, "10.1.0.1"));
    h.settle(r);
    assertThat(status(r).getPhase()).isEqualTo(Phase.RUNNING);

    // A trainer failure restarts the group: same Workload, still admitted, no new admission.
    h.kubelet(r, p -> Pods.exited(p, 5, "Error", "{\"exitCode\":5,\"reason\":\"StorageError\"}"));
    h.settle(r);
    h.advance(java.time.Duration.ofMinutes(5));
    h.settle(r);
    assertThat(status(r).getAttempt()).isEqualTo(2);
    assertThat(h.pods(r))
        .hasSize(1)
        .allMatch(p -> "2".equals(p.getMetadata().getLabels().get("sarmae.io/attempt")));
    h.kubelet(r, p -> Pods.running(p, "10.1.0.2"));
    h.settle(r);

    preempt(r);
    h.settle(r);
    SarmaeJobStatus s = status(r);
    assertThat(h.pods(r)).as("pods stopped (SIGTERM: the trainer checkpoints)").isEmpty();
    assertThat(s.getPhase()).isEqualTo(Phase.SUSPENDED);
    assertThat(s.getReason()).isEqualTo("Preempted");
    assertThat(condition(s, "Admitted")).isEqualTo("False/Preempted");
    assertThat(s.getAdmission().getEvictions()).isEqualTo(1);
    assertThat(s.getFailedAttempts()).as("an eviction is not a failure").isEqualTo(1);
    assertThat(events("Preempted")).isNotEmpty();
    GenericKubernetesResource wl = workload(r);
    assertThat(status(wl)).as("quota given back").doesNotContainKey("admission");
    assertThat(condition(wl, "QuotaReserved")).containsEntry("status", "False");
    assertThat(condition(wl, "Admitted")).containsEntry("status", "False");
    assertThat(condition(wl, "Requeued")).containsEntry("status", "True");

    admit(r);
    h.settle(r);
    s = status(r);
    assertThat(s.getAttempt()).isEqualTo(3);
    assertThat(h.pods(r)).hasSize(1);
    assertThat(condition(s, "Admitted")).isEqualTo("True/Admitted");
    h.kubelet(r, p -> Pods.exited(p, 0, "Completed", "{\"exitCode\":0,\"reason\":\"Succeeded\"}"));
    h.settle(r);
    assertThat(status(r).getPhase()).isEqualTo(Phase.SUCCEEDED);

    assertThat(workloads()).singleElement();
    wl = workload(r);
    assertThat(wl.getMetadata().getUid())
        .as("one Workload for the run's life")
        .isEqualTo(workloadUid);
    assertThat(condition(wl, "Finished"))
        .containsEntry("status", "True")
        .containsEntry("reason", "Succeeded");
    assertThat(h.settle(r)).as("a finished run writes nothing more").hasSize(1);
  }
}
