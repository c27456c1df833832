package io.sarmae.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.plan.SpecValidation;
import io.sarmae.operator.schema.CrdSchema;
import io.sarmae.operator.testing.Fixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every CEL rule of the generated CRDs (evaluated by cel-java on the committed CRD) and the
 * operator's own validation (for API servers that skip CEL) give the same verdict with the same
 * message on one table of manifests: a valid one and one violation of each rule. On main most of
 * these passed CEL's check but not the operator's, although docs/sandbox.md said otherwise.
 */
class CelAgreementTest {
  static final CrdSchema PRETRAIN = ExamplesTest.PRETRAIN;
  static final CrdSchema FINETUNE = ExamplesTest.FINETUNE;

  static JsonNode pretrain() {
    return CrdSchema.read(Fixtures.examples().resolve("pretrain-tiny-cpu.yaml"));
  }

  static JsonNode finetune() {
    return CrdSchema.read(Fixtures.examples().resolve("finetune-fusar-40shot.yaml"));
  }

  static JsonNode segmentation() {
    return CrdSchema.read(Fixtures.examples().resolve("finetune-segmentation-airpolsarseg.yaml"));
  }

  static JsonNode detection(String file) {
    return CrdSchema.read(Fixtures.examples().resolve(file));
  }

  static JsonNode set(JsonNode manifest, String pointer, Object value) {
    JsonNode copy = manifest.deepCopy();
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = copy.at(pointer.substring(0, slash));
    if (parent.isMissingNode()) {
      copy = set(copy, pointer.substring(0, slash), java.util.Map.of());
      parent = copy.at(pointer.substring(0, slash));
    }
    String key = pointer.substring(slash + 1);
    if (value == null) {
      ((ObjectNode) parent).remove(key);
    } else {
      ((ObjectNode) parent).set(key, CrdSchema.YAML.valueToTree(value));
    }
    return copy;
  }

  static Stream<Arguments> cases() {
    JsonNode p = pretrain();
    JsonNode f = finetune();
    JsonNode g = segmentation();
    JsonNode d = detection("finetune-detection-ssdd.yaml");
    JsonNode r = detection("finetune-detection-rsar.yaml");
    String size = "task detection needs model.imageSize to be a multiple of the largest detection";
    return Stream.of(
        Arguments.of("valid horizontal detection", d, null),
        Arguments.of("valid oriented detection", r, null),
        Arguments.of(
            "detection settings on a segmentation",
            set(d, "/spec/task", "segmentation"),
            "spec.detection is only valid with task: detection"),
        Arguments.of(
            "detection settings without a task",
            set(d, "/spec/task", null),
            "spec.detection is only valid with task: detection"),
        Arguments.of(
            "detection linear probe",
            set(d, "/spec/mode", "linprobe"),
            "task detection trains the whole model: mode linprobe is not available"),
        Arguments.of(
            "oriented boxes from COCO",
            set(r, "/spec/detection/format", "coco"),
            "detection.oriented: true needs oriented annotations"),
        Arguments.of(
            "oriented boxes with the default format",
            set(r, "/spec/detection/format", null),
            "detection.oriented: true needs oriented annotations"),
        Arguments.of(
            "input side no multiple of the largest given stride",
            set(d, "/spec/model/imageSize", 600),
            size),
        Arguments.of(
            "input side no multiple of the default largest stride",
            set(d, "/spec/detection/strides", null),
            size),
        Arguments.of(
            "the schema's 224 with the default strides",
            set(set(d, "/spec/model/imageSize", 224), "/spec/detection/strides", null),
            size),
        Arguments.of(
            "224 with a pyramid up to stride 32", set(d, "/spec/model/imageSize", 224), null),
        Arguments.of(
            "no model section: the task's 512",
            set(set(d, "/spec/model", null), "/spec/detection/strides", null),
            null),
        Arguments.of(
            "strides descending",
            set(d, "/spec/detection/strides", List.of(32, 16, 8)),
            "detection.strides must be strictly ascending"),
        Arguments.of(
            "a stride the pyramid cannot build",
            set(d, "/spec/detection/strides", List.of(8, 12)),
            "detection.strides must be strictly ascending"),
        Arguments.of(
            "a repeated stride",
            set(d, "/spec/detection/strides", List.of(8, 8, 16)),
            "detection.strides must be strictly ascending"),
        Arguments.of(
            "stride 4 to 64 at 512",
            set(
                set(d, "/spec/detection/strides", List.of(4, 8, 16, 32, 64)),
                "/spec/model/imageSize",
                512),
            null),
        Arguments.of("valid segmentation", g, null),
        Arguments.of(
            "segmentation settings on a classification",
            set(g, "/spec/task", "classification"),
            "spec.segmentation is only valid with task: segmentation"),
        Arguments.of(
            "segmentation settings without a task",
            set(g, "/spec/task", null),
            "spec.segmentation is only valid with task: segmentation"),
        Arguments.of(
            "segmentation linear probe",
            set(g, "/spec/mode", "linprobe"),
            "mode linprobe is not available"),
        Arguments.of(
            "segmentation batch 1",
            set(g, "/spec/optim/batchSize", 1),
            "task segmentation needs optim.batchSize >= 2"),
        Arguments.of(
            "segmentation crop 16",
            set(set(g, "/spec/model/imageSize", 16), "/spec/segmentation/slideStride", 8),
            "task segmentation needs model.imageSize (the training crop) >= 32"),
        Arguments.of(
            "slide stride beyond the crop",
            set(g, "/spec/segmentation/slideStride", 600),
            "segmentation.slideStride must not exceed model.imageSize"),
        Arguments.of(
            "slide stride beyond the default crop",
            set(set(g, "/spec/model/imageSize", null), "/spec/segmentation/slideStride", 300),
            "segmentation.slideStride must not exceed model.imageSize"),
        Arguments.of(
            "ratio range reversed",
            set(g, "/spec/segmentation/ratioMin", 1.5),
            "segmentation.ratioMin must not exceed segmentation.ratioMax"),
        Arguments.of(
            "ratio min above the default max",
            set(set(g, "/spec/segmentation/ratioMax", null), "/spec/segmentation/ratioMin", 3.0),
            "segmentation.ratioMin must not exceed segmentation.ratioMax"),
        Arguments.of(
            "negative class weight",
            set(g, "/spec/segmentation/classWeights", List.of(1.0, -0.5)),
            "class weights are 0 to 1000000"),
        Arguments.of(
            "class weights",
            set(g, "/spec/segmentation/classWeights", List.of(1.0, 0.5, 2.0, 1.0, 1.0, 1.0)),
            null),
        Arguments.of(
            "test split with a slash",
            set(g, "/spec/dataset/testSplits", List.of("test/a")),
            "test splits are folder names"),
        Arguments.of("valid pretrain", p, null),
        Arguments.of("valid finetune", f, null),
        Arguments.of("name", set(p, "/metadata/name", "n".repeat(49)), "must be at most 48"),
        Arguments.of(
            "bf16 with the plain attention kernel",
            set(set(p, "/spec/optim/precision", "bf16"), "/spec/model/attention", "plain"),
            "optim.precision bf16 computes attention in libtorch's fused kernel"),
        Arguments.of(
            "bf16 with the fused attention kernel",
            set(set(p, "/spec/optim/precision", "bf16"), "/spec/model/attention", "fused"),
            null),
        Arguments.of("bf16, attention left at auto", set(p, "/spec/optim/precision", "bf16"), null),
        Arguments.of(
            "fine-tune in bf16 with the plain attention kernel",
            set(set(f, "/spec/optim/precision", "bf16"), "/spec/model/attention", "plain"),
            "optim.precision bf16 computes attention in libtorch's fused kernel"),
        Arguments.of(
            "fp32 with the plain attention kernel",
            set(set(p, "/spec/optim/precision", "fp32"), "/spec/model/attention", "plain"),
            null),
        Arguments.of("patch", set(p, "/spec/model/patchSize", 7), "model.patchSize must divide"),
        Arguments.of("decoder", set(p, "/spec/model/decoderDim", 130), "model.decoderDim must be"),
        Arguments.of("channels", set(p, "/spec/model/inChannels", 2), "inChannels must be 1 or 3"),
        Arguments.of(
            "sigma",
            set(set(p, "/spec/noise/sigmaMin", 0.9), "/spec/noise/sigmaMax", 0.5),
            "noise.sigmaMin must be below"),
        Arguments.of(
            "random teacher without consent",
            set(p, "/spec/alignment/randomTeacher", null),
            "spec.opticalWeights: not set, so the frozen optical teacher (stem) would be a seeded"
                + " random patch projection and the alignment loss would align SAR features to"
                + " noise; give the teacher's weights (spec.opticalWeights), or set"
                + " spec.alignment.randomTeacher: true"),
        Arguments.of(
            "random dinov3 teacher without consent",
            set(
                set(p, "/spec/alignment/randomTeacher", false),
                "/spec/alignment/opticalEncoder",
                "dinov3"),
            "the frozen optical teacher (dinov3) would be a seeded random ViT-B/16 and"),
        Arguments.of(
            "random teacher, alignment off",
            set(set(p, "/spec/alignment/randomTeacher", null), "/spec/alignment/enabled", false),
            null),
        Arguments.of(
            "random teacher, alignment weight 0",
            set(set(p, "/spec/alignment/randomTeacher", null), "/spec/alignment/alignWeight", 0),
            null),
        Arguments.of(
            "teacher weights given",
            set(
                set(p, "/spec/alignment/randomTeacher", null),
                "/spec/opticalWeights",
                java.util.Map.of("path", "/w/stem.safetensors")),
            null),
        Arguments.of(
            "pretrain recipe with both weights",
            set(
                set(
                    set(p, "/spec/recipe", "pretrain-vitb-paper"),
                    "/spec/initWeights",
                    java.util.Map.of("path", "/w/mae_pretrain_vit_base.pth")),
                "/spec/opticalWeights",
                java.util.Map.of("path", "/w/dinov3.pth")),
            null),
        Arguments.of(
            "pretrain recipe without its weights",
            set(
                set(p, "/spec/recipe", "pretrain-vitl-paper"),
                "/spec/opticalWeights",
                java.util.Map.of("path", "/w/dinov3.pth")),
            "spec.recipe: the paper's pretraining starts from the ImageNet-1k MAE encoder"),
        Arguments.of("finetune recipe", set(f, "/spec/recipe", "mstar-40shot-vitb"), null),
        Arguments.of(
            "finetune recipe on segmentation",
            set(g, "/spec/recipe", "fusar-40shot-vitb"),
            "the paper's fine-tuning recipes are classification protocols"),
        Arguments.of("data ..", set(p, "/spec/data/path", "a/../b"), "must not contain '..'"),
        Arguments.of(
            "checkpoint ..", set(p, "/spec/checkpoint/path", "x/../y"), "must not contain '..'"),
        Arguments.of(
            "resumeFrom ..",
            set(p, "/spec/checkpoint/resumeFrom", "x/../y"),
            "must not contain '..'"),
        Arguments.of(
            "weights absolute with claim",
            set(p, "/spec/initWeights", java.util.Map.of("claimName", "w", "path", "/abs")),
            "path must be relative to the claim"),
        Arguments.of(
            "weights relative without claim",
            set(p, "/spec/opticalWeights", java.util.Map.of("path", "rel/w.pth")),
            "path must be relative to the claim"),
        Arguments.of(
            "exit codes",
            set(p, "/spec/failurePolicy/retryableExitCodes", List.of(1, 300)),
            "exit codes are 1 to 255"),
        Arguments.of(
            "gpus with replicas",
            set(set(p, "/spec/replicas", 2), "/spec/gpusPerReplica", 1),
            "replicas > 1 needs gpusPerReplica: 0"),
        Arguments.of("finetune replicas", set(f, "/spec/replicas", 2), "replicas must be 1"),
        Arguments.of(
            "two weights sources",
            set(f, "/spec/pretrainedWeights", java.util.Map.of("path", "/w.safetensors")),
            "set exactly one of fromPretrain and pretrainedWeights"),
        Arguments.of(
            "shots without kshot",
            set(set(f, "/spec/protocol/type", "all"), "/spec/protocol/shots", 10),
            "protocol.shots is only valid for kshot"),
        Arguments.of(
            "kshot without shots",
            set(f, "/spec/protocol/shots", null),
            "protocol.shots is required for kshot"),
        Arguments.of(
            "fraction without value",
            set(set(f, "/spec/protocol/type", "fraction"), "/spec/protocol/shots", null),
            "protocol.fraction is required for fraction"),
        Arguments.of(
            "fraction with kshot",
            set(f, "/spec/protocol/fraction", 0.1),
            "protocol.fraction is only valid for fraction"),
        Arguments.of(
            "finetune dataset ..", set(f, "/spec/dataset/path", "../x"), "must not contain '..'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void celAndTheOperatorAgree(String name, JsonNode manifest, String message) {
    boolean pretrain = "SarmaePretrain".equals(manifest.path("kind").asText());
    List<String> cel =
        (pretrain ? PRETRAIN : FINETUNE)
            .validateCreate(manifest).stream().filter(e -> !e.contains("unknown field")).toList();
    Class<? extends HasMetadata> type = pretrain ? SarmaePretrain.class : SarmaeFinetune.class;
    HasMetadata resource = CrdSchema.YAML.convertValue(manifest, type);
    resource.getMetadata().setNamespace("ml");
    List<String> java = SpecValidation.validate(resource);
    if (message == null) {
      assertThat(cel).as("CEL").isEmpty();
      assertThat(java).as("operator").isEmpty();
      return;
    }
    assertThat(cel).as("CEL").anyMatch(e -> e.contains(message));
    assertThat(java).as("operator").anyMatch(e -> e.contains(message));
  }
}
