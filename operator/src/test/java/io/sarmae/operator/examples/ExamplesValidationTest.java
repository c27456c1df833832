package io.sarmae.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sarmae.operator.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every manifest under examples/ is accepted by the generated CRDs, schema and CEL rules. */
class ExamplesValidationTest {
  static final CrdSchema PRETRAIN = new CrdSchema("sarmaepretrains.sarmae.io-v1.yml");
  static final CrdSchema FINETUNE = new CrdSchema("sarmaefinetunes.sarmae.io-v1.yml");

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> s = Files.list(Fixtures.examples())) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  static CrdSchema schemaFor(JsonNode manifest) {
    return switch (manifest.path("kind").asText()) {
      case "SarmaePretrain" -> PRETRAIN;
      case "SarmaeFinetune" -> FINETUNE;
      default -> throw new AssertionError("unexpected kind " + manifest.path("kind"));
    };
  }

  @Test
  void thereAreExamplesOfBothKinds() throws IOException {
    assertThat(examples().map(p -> CrdSchema.read(p).path("kind").asText()).distinct())
        .containsExactlyInAnyOrder("SarmaePretrain", "SarmaeFinetune");
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleIsValid(Path example) {
    JsonNode manifest = CrdSchema.read(example);
    assertThat(manifest.path("apiVersion").asText()).isEqualTo("sarmae.io/v1alpha1");
    assertThat(schemaFor(manifest).validateCreate(manifest)).isEmpty();
  }

  static JsonNode tiny() {
    return CrdSchema.read(Fixtures.examples().resolve("pretrain-tiny-cpu.yaml"));
  }

  static JsonNode edit(JsonNode manifest, String pointer, Object value) {
    JsonNode copy = manifest.deepCopy();
    int slash = pointer.lastIndexOf('/');
    ObjectNode parent = (ObjectNode) copy.at(pointer.substring(0, slash));
    parent.set(pointer.substring(slash + 1), CrdSchema.YAML.valueToTree(value));
    return copy;
  }

  @Test
  void rulesRejectBadSpecsWithTheirMessages() {
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/spec/replicas", 2))).isEmpty();
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/spec/replicas", 1001))).isNotEmpty();
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/spec/model/patchSize", 7)))
        .containsExactly(".spec.model: model.patchSize must divide model.imageSize");
    assertThat(
            PRETRAIN.validateCreate(
                edit(edit(tiny(), "/spec/noise", java.util.Map.of()), "/spec/noise/sigmaMin", 0.9)))
        .containsExactly(".spec.noise: noise.sigmaMin must be below noise.sigmaMax");
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/spec/model/maskRatio", 1.0))).isNotEmpty();
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/spec/data/path", "../etc")))
        .contains(".spec.data.path: must not contain '..'");
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/spec/model/sizee", "base")))
        .containsExactly(".spec.model.sizee: unknown field");
    assertThat(
            PRETRAIN.validateCreate(
                edit(tiny(), "/spec/failurePolicy/retryableExitCodes", List.of(1, 0))))
        .containsExactly(".spec.failurePolicy.retryableExitCodes: exit codes are 1 to 255");
  }

  @Test
  void onlyTheMutableFieldsMayChangeAfterCreation() {
    JsonNode before = tiny();
    assertThat(PRETRAIN.validateUpdate(before, edit(before, "/spec/suspend", true))).isEmpty();
    assertThat(PRETRAIN.validateUpdate(before, edit(before, "/spec/ttlSecondsAfterFinished", 60)))
        .isEmpty();
    assertThat(PRETRAIN.validateUpdate(before, edit(before, "/spec/activeDeadlineSeconds", 600)))
        .isEmpty();
    assertThat(PRETRAIN.validateUpdate(before, edit(before, "/spec/failurePolicy/backoffLimit", 9)))
        .isEmpty();
    assertThat(PRETRAIN.validateUpdate(before, edit(before, "/spec/optim/epochs", 3)))
        .containsExactly(".spec: " + io.sarmae.operator.api.v1alpha1.SpecRules.IMMUTABLE_MESSAGE);
    assertThat(PRETRAIN.validateUpdate(before, edit(before, "/spec/priorityClassName", "high")))
        .hasSize(1);
  }

  /** The 48-character name limit is an admission error now, not a failure after creation. */
  @Test
  void namesLongerThan48CharactersAreRejectedAtAdmission() {
    String name48 = "a".repeat(48);
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/metadata/name", name48))).isEmpty();
    assertThat(PRETRAIN.validateCreate(edit(tiny(), "/metadata/name", name48 + "b")))
        .containsExactly(
            "<root>: " + io.sarmae.operator.api.v1alpha1.SpecRules.NAME_LENGTH_MESSAGE);
  }

  @Test
  void finetuneNeedsExactlyOneWeightsSourceAndAConsistentProtocol() {
    JsonNode ft = CrdSchema.read(Fixtures.examples().resolve("finetune-fusar-40shot.yaml"));
    JsonNode both =
        edit(
            ft,
            "/spec/pretrainedWeights",
            java.util.Map.of("path", "/weights/encoder.safetensors"));
    assertThat(FINETUNE.validateCreate(both))
        .contains(".spec: set exactly one of fromPretrain and pretrainedWeights");
    JsonNode noShots = ft.deepCopy();
    ((ObjectNode) noShots.at("/spec/protocol")).remove("shots");
    assertThat(FINETUNE.validateCreate(noShots))
        .containsExactly(".spec.protocol: protocol.shots is required for kshot");
    assertThat(FINETUNE.validateCreate(edit(ft, "/spec/replicas", 2)))
        .containsExactly(
            ".spec: replicas must be 1: the fine-tune trainer runs one process (use gpusPerReplica for several GPUs)");
  }
}
