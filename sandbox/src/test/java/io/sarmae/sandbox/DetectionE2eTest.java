package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A detection fine-tune ({@code task: detection}) from a tiny pretraining run: the operator renders
 * the detection settings, the trainer trains FCOS on the ViTDet pyramid over synthetic SAR ship
 * scenes (COCO layout, horizontal boxes), and the status reports mAP as the primary metric with the
 * path of results.json, whose aggregate mAP it equals.
 *
 * <p>It starts from a pretraining run rather than from scratch because that is the path a user
 * takes (fromPretrain, condition WaitingForPretrain, the final checkpoint loaded into the
 * detector's encoder with the trainer's coverage check); the pretraining run is kept to 16 scenes
 * and one epoch, as in {@link SegmentationE2eTest}, since it is the start point, not the subject.
 */
class DetectionE2eTest {
  static final String NS = "e2e-detection";

  @Test
  void aDetectionFinetuneFromATinyPretrainReportsMap() throws Exception {
    SandboxFixture.requireTrainer();
    SandboxFixture.namespace(NS);
    SegmentationE2eTest.synthData(
        List.of(
            "--out",
            SandboxFixture.sandbox().claim(NS, "sarmae-pretrain-data").toString(),
            "--count",
            "16",
            "--image-size",
            "64"));
    // COCO (annotations/{train,val,test}.json, images/...) and DOTA labels of the same ships.
    Path data = SandboxFixture.sandbox().claim(NS, "sarmae-det-data");
    SegmentationE2eTest.synthData(
        List.of(
            "--kind",
            "detection",
            "--out",
            data.toString(),
            "--count",
            "8",
            "--eval-count",
            "2",
            "--image-size",
            "64"));
    kubectlWithInput(
            SandboxFixture.tinyExample(
                "det-base",
                "epochs: 2",
                "epochs: 1",
                "claimName: sarmae-synth-data",
                "claimName: sarmae-pretrain-data"),
            "apply",
            "-n",
            NS,
            "-f",
            "-")
        .assertOk();
    // The split names are left to the task's defaults (train, val); the pyramid is a small one.
    String finetune =
        String.join(
            "\n",
            "apiVersion: sarmae.io/v1alpha1",
            "kind: SarmaeFinetune",
            "metadata:",
            "  name: det-tiny",
            "spec:",
            "  task: detection",
            "  gpusPerReplica: 0",
            "  fromPretrain: det-base",
            "  dataset:",
            "    name: synth-ships",
            "    claimName: sarmae-det-data",
            "    testSplits: [test]",
            "  protocol:",
            "    type: all",
            "  repeats: 2",
            "  model:",
            "    size: tiny",
            "    imageSize: 64",
            "    patchSize: 8",
            "  optim:",
            "    epochs: 1",
            "    batchSize: 4",
            "    warmupEpochs: 0",
            "  detection:",
            "    format: coco",
            "    strides: [8, 16, 32, 64]",
            "    channels: 16",
            "    headConvs: 1",
            "  checkpoint:",
            "    claimName: sarmae-checkpoints",
            "");
    kubectlWithInput(finetune, "apply", "-n", NS, "-f", "-").assertOk();
    SarmaeFinetune done =
        SandboxFixture.awaitFinetuneSucceeded(NS, "det-tiny", "the detection fine-tune");
    var result = done.getStatus().getResult();
    assertThat(done.getStatus().getPretrainedWeights()).contains("det-base/final");
    assertThat(result.getPrimaryMetric()).isEqualTo("mAP");
    assertThat(result.getPrimaryMean()).isNotNull().isBetween(0.0, 100.0);
    assertThat(result.getPrimaryStd()).isNotNull().isGreaterThanOrEqualTo(0.0);
    assertThat(result.getPrimary()).hasSize(2).allSatisfy(v -> assertThat(v).isBetween(0.0, 100.0));
    assertThat(result.getTop1Mean()).isNull();
    assertThat(result.getResults()).endsWith("/det-tiny/output/results.json");
    Path results =
        SandboxFixture.sandbox()
            .claim(NS, "sarmae-checkpoints")
            .resolve("det-tiny/output/results.json");
    var json =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(results));
    assertThat(json.path("task").asText()).isEqualTo("detection");
    assertThat(json.path("primaryMetric").asText()).isEqualTo("mAP");
    assertThat(json.path("repeats")).hasSize(2);
    assertThat(json.path("aggregate").path("mAPLast").path("mean").asDouble())
        .isCloseTo(result.getPrimaryMean(), org.assertj.core.data.Offset.offset(1e-3));
    for (int k = 0; k < 2; k++) {
      assertThat(json.path("repeats").get(k).path("mAPLast").asDouble())
          .isCloseTo(result.getPrimary().get(k), org.assertj.core.data.Offset.offset(1e-3));
    }
  }
}
