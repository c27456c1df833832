package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.await;
import static io.sarmae.sandbox.SandboxFixture.kubectl;
import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What GitOps tools and clusters do to runs, on the sandbox (profile {@code e2e}): a run deleted
 * and re-created under its name, a finished run applied again and then collected by its TTL, edits
 * while running, and an image that cannot be pulled. The rules are those of docs/operator.md
 * ("Identity", "Edits while a run exists", "Stalled").
 */
class LifecycleE2eTest {

  static SarmaePretrain get(String ns, String name) {
    return SandboxFixture.uncheckedClient()
        .resources(SarmaePretrain.class)
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  static List<Pod> pods(String ns) {
    return SandboxFixture.uncheckedClient().pods().inNamespace(ns).list().getItems();
  }

  static Condition condition(SarmaePretrain r, String type) {
    if (r == null || r.getStatus() == null || r.getStatus().getConditions() == null) {
      return null;
    }
    return r.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElse(null);
  }

  static void apply(String ns, String yaml) throws Exception {
    kubectlWithInput(yaml, "apply", "-n", ns, "-f", "-").assertOk();
  }

  /** Waits for a phase; a Failed run that was not expected to fail ends the wait at once. */
  static SarmaePretrain awaitPhase(String ns, String name, Phase phase) throws Exception {
    return await(
        SandboxFixture.RUN_TIMEOUT,
        name + " " + phase,
        () -> {
          SarmaePretrain r = get(ns, name);
          var s = r == null ? null : r.getStatus();
          if (s != null && s.getPhase() == Phase.FAILED && phase != Phase.FAILED) {
            throw new AssertionError(name + " failed: " + s.getLastFailure());
          }
          return s != null && s.getPhase() == phase ? r : null;
        });
  }

  /** Running with at least one step done (so that a SIGTERM leaves a checkpoint). */
  static SarmaePretrain awaitTraining(String ns, String name) throws Exception {
    return await(
        SandboxFixture.RUN_TIMEOUT,
        name + " running with a step done",
        () -> {
          SarmaePretrain r = awaitPhaseNow(ns, name);
          var p = r == null ? null : r.getStatus().getProgress();
          return p != null && p.getStep() != null && p.getStep() >= 1 ? r : null;
        });
  }

  private static SarmaePretrain awaitPhaseNow(String ns, String name) {
    SarmaePretrain r = get(ns, name);
    if (r != null && r.getStatus() != null && r.getStatus().getPhase() == Phase.FAILED) {
      throw new AssertionError(name + " failed: " + r.getStatus().getLastFailure());
    }
    return r != null && r.getStatus() != null && r.getStatus().getPhase() == Phase.RUNNING
        ? r
        : null;
  }

  @Test
  void aRunRecreatedUnderItsNameNeitherAdoptsTheOldPodsNorResumesTheOldCheckpoints()
      throws Exception {
    SandboxFixture.requireTrainer();
    String ns = "e2e-recreate";
    String name = "again";
    Sandbox sandbox = SandboxFixture.sandbox();
    KubernetesClient client = sandbox.client();
    SandboxFixture.namespaceWithData(ns, "sarmae-synth-data");
    String yaml = SandboxFixture.tinyExample(name, "epochs: 2", "epochs: 6");
    apply(ns, yaml);
    SarmaePretrain first = awaitTraining(ns, name);
    String oldUid = first.getMetadata().getUid();
    long oldPid = sandbox.trainerPid(ns, name + "-worker-0");
    assertThat(oldPid).isPositive();

    // kubectl delete (background): the collector deletes the pods, the trainer gets SIGTERM.
    kubectl("delete", "smp", name, "-n", ns).assertOk();
    await(Duration.ofSeconds(60), "the old pods collected", () -> pods(ns).isEmpty());
    // On a cluster the old pod would stay Terminating meanwhile; the sandbox removes pod objects
    // at once, so wait for the old process to have written its SIGTERM checkpoint and exited.
    // That checkpoint (at the next step boundary) is what the new incarnation must not resume.
    await(
        Duration.ofSeconds(90),
        "the old trainer process to exit",
        () -> ProcessHandle.of(oldPid).map(h -> !h.isAlive()).orElse(true));
    assertThat(client.configMaps().inNamespace(ns).withName(name + "-config").get()).isNull();

    // Re-created under the same name: a new UID, a new run identity.
    apply(ns, yaml);
    SarmaePretrain failed = awaitPhase(ns, name, Phase.FAILED);
    String newUid = failed.getMetadata().getUid();
    assertThat(newUid).isNotEqualTo(oldUid);
    Pod pod = client.pods().inNamespace(ns).withName(name + "-worker-0").get();
    assertThat(pod.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(newUid));
    var s = failed.getStatus();
    // The trainer refused the old incarnation's checkpoints (exit 2): not retried.
    assertThat(s.getLastFailure().getExitCode()).isEqualTo(2);
    assertThat(s.getLastFailure().getMessage()).contains(oldUid).contains(newUid);
    assertThat(condition(failed, "Failed").getReason()).isEqualTo("ExitCode");
    assertThat(s.getAttempt()).isEqualTo(1);
    assertThat(s.getFailedAttempts()).isIn(null, 0);
    assertThat(s.getResult() == null || s.getResult().getCheckpoint() == null)
        .as("no result borrowed from the old incarnation: %s", s.getResult())
        .isTrue();
    kubectl("delete", "smp", name, "-n", ns).assertOk();
  }

  @Test
  void aFinishedRunAppliedAgainStaysSucceededWithoutPodsAndGoesAfterItsTtl() throws Exception {
    SandboxFixture.requireTrainer();
    String ns = "e2e-finished";
    String name = "done";
    KubernetesClient client = SandboxFixture.sandbox().client();
    SandboxFixture.namespaceWithData(ns, "sarmae-synth-data");
    String yaml = SandboxFixture.tinyExample(name, "epochs: 2", "epochs: 1");
    apply(ns, yaml);
    var wait =
        SandboxFixture.run(
            List.of(
                "kubectl",
                "--kubeconfig=" + SandboxFixture.sandbox().kubeconfig(),
                "wait",
                "-n",
                ns,
                "--for=condition=Succeeded",
                "--timeout=" + SandboxFixture.RUN_TIMEOUT.toSeconds() + "s",
                "smp/" + name),
            null,
            SandboxFixture.RUN_TIMEOUT.plusMinutes(1));
    SarmaePretrain done = get(ns, name);
    assertThat(wait.code())
        .as("kubectl wait: %s; status %s", wait.out(), done.getStatus())
        .isZero();
    String podUid =
        client.pods().inNamespace(ns).withName(name + "-worker-0").get().getMetadata().getUid();
    int attempt = done.getStatus().getAttempt();

    // Applied again as it is, then with a label and a mutable field changed (a new generation):
    // still Succeeded, no new pod.
    assertThat(kubectlWithInput(yaml, "apply", "-n", ns, "-f", "-").assertOk().out())
        .contains("unchanged");
    String edited =
        yaml.replace("name: " + name, "name: " + name + "\n  labels:\n    team: vision")
            .replace(
                "progressDeadlineSeconds: 600",
                "progressDeadlineSeconds: 600\n    pendingTimeoutSeconds: 900");
    apply(ns, edited);
    long generation = get(ns, name).getMetadata().getGeneration();
    assertThat(generation).isGreaterThan(done.getMetadata().getGeneration());
    SarmaePretrain again =
        await(
            Duration.ofSeconds(60),
            "observedGeneration " + generation,
            () -> {
              SarmaePretrain r = get(ns, name);
              Long seen = r.getStatus().getObservedGeneration();
              return seen != null && seen == generation ? r : null;
            });
    Thread.sleep(3000); // a few more passes: nothing may start
    again = get(ns, name);
    assertThat(again.getStatus().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(again.getStatus().getAttempt()).isEqualTo(attempt);
    assertThat(pods(ns))
        .singleElement()
        .satisfies(p -> assertThat(p.getMetadata().getUid()).isEqualTo(podUid));

    // TTL (mutable) lowered to 2 s: the run is deleted, and its children with it.
    apply(ns, edited.replace("ttlSecondsAfterFinished: 86400", "ttlSecondsAfterFinished: 2"));
    kubectl("wait", "-n", ns, "--for=delete", "smp/" + name, "--timeout=60s").assertOk();
    await(
        Duration.ofSeconds(30),
        "the run's pod, ConfigMap and Service collected",
        () ->
            pods(ns).isEmpty()
                && client.configMaps().inNamespace(ns).withName(name + "-config").get() == null
                && client.services().inNamespace(ns).withName(name + "-workers").get() == null);
    // The final model stays: the claim is not the run's.
    assertThat(
            SandboxFixture.sandbox()
                .dir()
                .resolve("claims")
                .resolve(ns)
                .resolve("sarmae-checkpoints/" + name + "/final/state.json"))
        .exists();
  }

  @Test
  void editsWhileRunningRejectImmutableFieldsAndApplyMutableOnes() throws Exception {
    SandboxFixture.requireTrainer();
    String ns = "e2e-edit";
    String name = "edited";
    KubernetesClient client = SandboxFixture.sandbox().client();
    SandboxFixture.namespaceWithData(ns, "sarmae-synth-data");
    String yaml = SandboxFixture.tinyExample(name, "epochs: 2", "epochs: 6");
    apply(ns, yaml);
    SarmaePretrain running = awaitTraining(ns, name);
    String podUid =
        client.pods().inNamespace(ns).withName(name + "-worker-0").get().getMetadata().getUid();

    // An immutable field (kubectl apply patches, and the sandbox checks no patches, like a server
    // without CEL): rejected by the operator, the pod continues on the accepted spec.
    apply(ns, yaml.replace("decoderDepth: 2", "decoderDepth: 1"));
    SarmaePretrain rejected =
        await(
            Duration.ofSeconds(60),
            "SpecAccepted=False",
            () -> {
              Condition c = condition(get(ns, name), "SpecAccepted");
              return c != null && "False".equals(c.getStatus()) ? get(ns, name) : null;
            });
    assertThat(condition(rejected, "SpecAccepted").getReason()).isEqualTo("SpecRejected");
    assertThat(rejected.getStatus().getObservedGeneration())
        .isEqualTo(rejected.getMetadata().getGeneration());
    assertThat(rejected.getStatus().getAcceptedGeneration())
        .isEqualTo(running.getMetadata().getGeneration());
    assertThat(rejected.getStatus().getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(
            client.pods().inNamespace(ns).withName(name + "-worker-0").get().getMetadata().getUid())
        .isEqualTo(podUid);
    assertThat(kubectl("describe", "smp", name, "-n", ns).assertOk().out())
        .containsPattern("Warning\\s+SpecRejected");

    // Reverted: accepted again.
    apply(ns, yaml);
    await(
        Duration.ofSeconds(60),
        "SpecAccepted=True",
        () -> {
          Condition c = condition(get(ns, name), "SpecAccepted");
          return c != null && "True".equals(c.getStatus());
        });

    // A mutable field takes effect: suspend stops the pod (the trainer checkpoints, exits 75).
    apply(ns, yaml.replace("spec:\n", "spec:\n  suspend: true\n"));
    awaitPhase(ns, name, Phase.SUSPENDED);
    await(Duration.ofSeconds(90), "the pod of the suspended run gone", () -> pods(ns).isEmpty());
    SarmaePretrain suspended = get(ns, name);
    assertThat(suspended.getStatus().getProgress().getEtaSeconds()).isNull();
    assertThat(condition(suspended, "SpecAccepted").getStatus()).isEqualTo("True");
    kubectl("delete", "smp", name, "-n", ns).assertOk();
  }

  @Test
  void anImageThatCannotBePulledStallsTheRunAfterThePendingTimeout() throws Exception {
    String ns = "e2e-image";
    String name = "no-image";
    SandboxFixture.namespace(ns);
    String image = "registry.invalid/sarmae/not-the-trainer:0.0.0";
    apply(
        ns,
        SandboxFixture.tinyExample(
            name,
            "spec:\n",
            "spec:\n  image: " + image + "\n",
            "progressDeadlineSeconds: 600",
            "progressDeadlineSeconds: 600\n    pendingTimeoutSeconds: 5"));
    SarmaePretrain stalled =
        await(
            Duration.ofSeconds(90),
            "Stalled=True",
            () -> {
              Condition c = condition(get(ns, name), "Stalled");
              return c != null && "True".equals(c.getStatus()) ? get(ns, name) : null;
            });
    Condition c = condition(stalled, "Stalled");
    assertThat(c.getReason()).isEqualTo("PendingTimeout");
    assertThat(c.getMessage())
        .contains(name + "-worker-0")
        .containsAnyOf("ErrImagePull", "ImagePullBackOff")
        .contains(image);
    assertThat(stalled.getStatus().getReason()).isIn("ErrImagePull", "ImagePullBackOff");
    assertThat(kubectl("get", "smp", name, "-n", ns).assertOk().out())
        .containsPattern(name + "\\s+\\S+\\s+Pending\\s+(ErrImagePull|ImagePullBackOff)");
    assertThat(kubectl("describe", "smp", name, "-n", ns).assertOk().out())
        .containsPattern("Warning\\s+PendingTimeout.*" + java.util.regex.Pattern.quote(image));
    assertThat(kubectl("describe", "pod", name + "-worker-0", "-n", ns).assertOk().out())
        .containsPattern("Warning\\s+Failed.*Failed to pull image")
        .containsPattern("Warning\\s+BackOff.*Back-off pulling image");
    kubectl("delete", "smp", name, "-n", ns).assertOk();
    await(Duration.ofSeconds(30), "the stuck pod collected", () -> pods(ns).isEmpty());
  }
}
