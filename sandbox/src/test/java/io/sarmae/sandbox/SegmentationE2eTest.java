package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A segmentation fine-tune ({@code task: segmentation}) from a tiny pretraining run: the operator
 * renders the segmentation settings, the trainer trains ViT + UperNet on synthetic SAR land-cover
 * scenes, and the status reports mIoU as the primary metric with the path of results.json, which
 * holds the per-class IoU.
 */
class SegmentationE2eTest {
  static final String NS = "e2e-segmentation";

  static void synthData(List<String> args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(SandboxFixture.trainer().toString());
    cmd.add("synth-data");
    cmd.addAll(args);
    SandboxFixture.run(cmd, null, Duration.ofMinutes(3)).assertOk();
  }

  @Test
  void aSegmentationFinetuneFromATinyPretrainReportsMiou() throws Exception {
    SandboxFixture.requireTrainer();
    SandboxFixture.namespace(NS);
    // A small pretraining set of its own (16 scenes, 2 steps of the tiny example), not the shared
    // 64-scene copy: the pretraining run is only the start point here, and it dominates the time.
    synthData(
        List.of(
            "--out",
            SandboxFixture.sandbox().claim(NS, "sarmae-pretrain-data").toString(),
            "--count",
            "16",
            "--image-size",
            "64"));
    // The mmsegmentation layout: classes.txt, img_dir/{train,val,test}, ann_dir/...
    Path data = SandboxFixture.sandbox().claim(NS, "sarmae-seg-data");
    synthData(
        List.of(
            "--kind",
            "segmentation",
            "--out",
            data.toString(),
            "--count",
            "8",
            "--eval-count",
            "2",
            "--image-size",
            "32"));
    kubectlWithInput(
            SandboxFixture.tinyExample(
                "seg-base",
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
    String finetune =
        String.join(
            "\n",
            "apiVersion: sarmae.io/v1alpha1",
            "kind: SarmaeFinetune",
            "metadata:",
            "  name: seg-tiny",
            "spec:",
            "  task: segmentation",
            "  gpusPerReplica: 0",
            "  fromPretrain: seg-base",
            "  dataset:",
            "    name: synth-seg",
            "    claimName: sarmae-seg-data",
            "    testSplits: [test]",
            "  protocol:",
            "    type: all",
            "  repeats: 2",
            "  model:",
            "    size: tiny",
            "    imageSize: 32",
            "    patchSize: 8",
            "  optim:",
            "    epochs: 1",
            "    batchSize: 4",
            "    warmupEpochs: 0",
            "    layerDecay: 0.65",
            "  segmentation:",
            "    channels: 32",
            "    auxChannels: 16",
            "    scaleLong: 1.0",
            "    inference: slide",
            "    binaryClass: 3",
            "  checkpoint:",
            "    claimName: sarmae-checkpoints",
            "");
    kubectlWithInput(finetune, "apply", "-n", NS, "-f", "-").assertOk();
    SarmaeFinetune done =
        SandboxFixture.awaitFinetuneSucceeded(NS, "seg-tiny", "the segmentation fine-tune");
    var result = done.getStatus().getResult();
    assertThat(done.getStatus().getPretrainedWeights()).contains("seg-base/final");
    assertThat(result.getPrimaryMetric()).isEqualTo("mIoU");
    assertThat(result.getPrimaryMean()).isNotNull().isBetween(0.0, 100.0);
    assertThat(result.getPrimaryStd()).isNotNull().isGreaterThanOrEqualTo(0.0);
    assertThat(result.getPrimary()).hasSize(2).allSatisfy(v -> assertThat(v).isBetween(0.0, 100.0));
    assertThat(result.getTop1Mean()).isNull();
    // results.json on the checkpoint claim (the sandbox maps /checkpoints to the claim's folder,
    // so the path the trainer reported is the host's): the per-class IoU of every repeat.
    assertThat(result.getResults()).endsWith("/seg-tiny/output/results.json");
    Path results =
        SandboxFixture.sandbox()
            .claim(NS, "sarmae-checkpoints")
            .resolve("seg-tiny/output/results.json");
    var json =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(results));
    assertThat(json.path("task").asText()).isEqualTo("segmentation");
    assertThat(json.path("primaryMetric").asText()).isEqualTo("mIoU");
    assertThat(json.path("classes")).hasSize(6);
    assertThat(json.path("repeats")).hasSize(2);
    assertThat(json.path("repeats").get(0).path("last").path("perClass")).hasSize(6);
    assertThat(json.path("aggregate").path("mIoULast").path("mean").asDouble())
        .isCloseTo(result.getPrimaryMean(), org.assertj.core.data.Offset.offset(1e-3));
  }
}
