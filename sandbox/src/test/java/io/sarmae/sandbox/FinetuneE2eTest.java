package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import org.junit.jupiter.api.Test;

/**
 * A fine-tune that references a tiny pretrain by name ({@code fromPretrain}) waits for it, starts
 * from its final checkpoint and reports top-1 on its status.
 */
class FinetuneE2eTest {
  static final String NS = "e2e-finetune";

  @Test
  void aFinetuneFromATinyPretrainReportsTop1() throws Exception {
    SandboxFixture.requireTrainer();
    SandboxFixture.namespaceWithData(NS, "sarmae-synth-data");
    // The fine-tune dataset: a labelled image-folder set (Train/<class>/..., Val/<class>/...).
    SandboxFixture.run(
            java.util.List.of(
                SandboxFixture.trainer().toString(),
                "synth-data",
                "--kind",
                "classification",
                "--out",
                SandboxFixture.sandbox().claim(NS, "sarmae-finetune-data").toString(),
                "--count",
                "8",
                "--eval-count",
                "4",
                "--image-size",
                "64"),
            null,
            java.time.Duration.ofMinutes(3))
        .assertOk();
    kubectlWithInput(
            SandboxFixture.tinyExample("ft-base", "epochs: 2", "epochs: 1"),
            "apply",
            "-n",
            NS,
            "-f",
            "-")
        .assertOk();
    String finetune =
        String.join(
            "\n",
            "apiVersion: sarmae.io/v1alpha1",
            "kind: SarmaeFinetune",
            "metadata:",
            "  name: ft-tiny",
            "spec:",
            "  gpusPerReplica: 0",
            "  fromPretrain: ft-base",
            "  dataset:",
            "    name: synth",
            "    claimName: sarmae-finetune-data",
            "  protocol:",
            "    type: kshot",
            "    shots: 4",
            "  repeats: 2",
            "  model:",
            "    size: tiny",
            "    imageSize: 64",
            "    patchSize: 8",
            "  optim:",
            "    epochs: 2",
            "    batchSize: 8",
            "    warmupEpochs: 1",
            "  checkpoint:",
            "    claimName: sarmae-checkpoints",
            "");
    kubectlWithInput(finetune, "apply", "-n", NS, "-f", "-").assertOk();
    SarmaeFinetune done = SandboxFixture.awaitFinetuneSucceeded(NS, "ft-tiny", "the fine-tune");
    assertThat(done.getStatus().getPretrainedWeights()).contains("ft-base/final");
    assertThat(done.getStatus().getResult().getTop1Mean()).isNotNull().isBetween(0.0, 100.0);
    assertThat(done.getStatus().getResult().getTop1()).hasSize(2);
  }
}
