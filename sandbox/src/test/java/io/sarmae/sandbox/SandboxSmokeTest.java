package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.await;
import static io.sarmae.sandbox.SandboxFixture.kubectl;
import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The part of the end-to-end suite that runs in the default build: kubectl against the sandbox,
 * invalid manifests, and one tiny pretrain from {@code kubectl apply} to a final checkpoint.
 */
class SandboxSmokeTest {

  @Test
  void kubectlDiscoversTheSarmaeResources() throws Exception {
    SandboxFixture.sandbox();
    var resources = kubectl("api-resources").assertOk();
    assertThat(resources.out())
        .contains("sarmaepretrains")
        .contains("smp")
        .contains("sarmae.io/v1alpha1")
        .contains("pods");
    assertThat(kubectl("get", "crd").assertOk().out())
        .contains("sarmaepretrains.sarmae.io")
        .contains("sarmaefinetunes.sarmae.io");
  }

  @Test
  void invalidManifestsAreRejectedOrConditioned() throws Exception {
    String ns = "smoke-invalid";
    SandboxFixture.namespace(ns);

    // A kind the API does not serve: kubectl rejects it before anything is stored.
    var unknownKind =
        kubectlWithInput(
            "apiVersion: sarmae.io/v1alpha1\nkind: SarmaeTrain\nmetadata:\n  name: x\nspec: {}\n",
            "apply",
            "-n",
            ns,
            "-f",
            "-");
    assertThat(unknownKind.code()).isNotZero();
    assertThat(unknownKind.out()).contains("no matches for kind \"SarmaeTrain\"");

    // Out of the schema's bounds, and an unknown field: rejected as by a real API server.
    var outOfRange =
        kubectlWithInput(
            SandboxFixture.tinyExample(
                "mask-ratio", "size: tiny", "size: tiny\n    maskRatio: 1.5"),
            "apply",
            "-n",
            ns,
            "-f",
            "-");
    assertThat(outOfRange.code()).isNotZero();
    assertThat(outOfRange.out())
        .contains("is invalid")
        .contains("spec.model.maskRatio: Invalid value: 1.5");
    var unknownField =
        kubectlWithInput(
            SandboxFixture.tinyExample("typo", "size: tiny", "size: tiny\n    maskRatoi: 0.5"),
            "apply",
            "-n",
            ns,
            "-f",
            "-");
    assertThat(unknownField.code()).isNotZero();
    assertThat(unknownField.out()).contains("unknown field \"spec.model.maskRatoi\"");
    // A CEL rule of the CRD (x-kubernetes-validations), evaluated as the API server does.
    var celRule =
        kubectlWithInput(
            SandboxFixture.tinyExample("cel", "patchSize: 8", "patchSize: 7"),
            "apply",
            "-n",
            ns,
            "-f",
            "-");
    assertThat(celRule.code()).isNotZero();
    assertThat(celRule.out())
        .contains("is invalid")
        .contains("spec.model: Invalid value: \"object\": model.patchSize must divide");
    assertThat(
            SandboxFixture.sandbox()
                .client()
                .resources(SarmaePretrain.class)
                .inNamespace(ns)
                .list()
                .getItems())
        .isEmpty();

    // A spec that only the operator's own validation rejects (GPUs belong in gpusPerReplica, not in
    // resources): the operator fails it with InvalidSpec, creates no pod and never retries.
    kubectlWithInput(
            SandboxFixture.tinyExample(
                "gpus-in-resources",
                "limits:\n      memory: 4Gi",
                "limits:\n      memory: 4Gi\n      nvidia.com/gpu: \"1\""),
            "apply",
            "-n",
            ns,
            "-f",
            "-")
        .assertOk();
    var client = SandboxFixture.sandbox().client();
    SarmaePretrain failed =
        await(
            Duration.ofMinutes(2),
            "gpus-in-resources to fail",
            () -> {
              SarmaePretrain r =
                  client
                      .resources(SarmaePretrain.class)
                      .inNamespace(ns)
                      .withName("gpus-in-resources")
                      .get();
              return r.getStatus() != null && r.getStatus().getPhase() == Phase.FAILED ? r : null;
            });
    var condition =
        failed.getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Failed"))
            .findFirst()
            .orElseThrow();
    assertThat(condition.getStatus()).isEqualTo("True");
    assertThat(condition.getReason()).isEqualTo("InvalidSpec");
    assertThat(condition.getMessage()).contains("set GPUs with gpusPerReplica");
    assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(
            kubectl("get", "smp", "gpus-in-resources", "-n", ns, "-o", "jsonpath={.status.phase}")
                .assertOk()
                .out())
        .isEqualTo("Failed");
  }

  @Test
  void tinyPretrainFromKubectlApplySucceedsWithAFinalCheckpoint() throws Exception {
    SandboxFixture.requireTrainer();
    String ns = "smoke-pretrain";
    SandboxFixture.namespaceWithData(ns, "sarmae-synth-data");
    kubectl("apply", "-n", ns, "-f", "examples/pretrain-tiny-cpu.yaml").assertOk();

    var wait =
        SandboxFixture.run(
            java.util.List.of(
                "kubectl",
                "--kubeconfig=" + SandboxFixture.sandbox().kubeconfig(),
                "wait",
                "-n",
                ns,
                "--for=condition=Succeeded",
                "--timeout=" + SandboxFixture.RUN_TIMEOUT.toSeconds() + "s",
                "smp/tiny-cpu"),
            null,
            SandboxFixture.RUN_TIMEOUT.plusMinutes(1));
    SarmaePretrain done =
        SandboxFixture.sandbox()
            .client()
            .resources(SarmaePretrain.class)
            .inNamespace(ns)
            .withName("tiny-cpu")
            .get();
    assertThat(wait.code())
        .as("kubectl wait: %s; status: %s", wait.out(), done.getStatus())
        .isZero();
    assertThat(done.getStatus().getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(done.getStatus().getResult().getCheckpoint())
        .isEqualTo("/checkpoints/tiny-cpu/final");
    assertThat(done.getStatus().getResult().getStep()).isEqualTo(16L);
    assertThat(done.getStatus().getProgress().getPercent()).isEqualTo(100.0);
    var finalModel =
        SandboxFixture.sandbox()
            .dir()
            .resolve("claims")
            .resolve(ns)
            .resolve("sarmae-checkpoints/tiny-cpu/final");
    assertThat(finalModel.resolve("state.json")).exists();
    try (var files = Files.list(finalModel)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("model") && n.endsWith(".safetensors"));
    }
    // kubectl get shows the CRD's printer columns.
    assertThat(kubectl("get", "smp", "-n", ns).assertOk().out())
        .contains("PHASE")
        .contains("PROGRESS")
        .containsPattern("tiny-cpu\\s+\\S+\\s+Succeeded\\s+2\\s");
    assertThat(
            kubectl("get", "pod", "tiny-cpu-worker-0", "-n", ns, "-o", "jsonpath={.status.phase}")
                .assertOk()
                .out())
        .isEqualTo("Succeeded");
  }
}
