package io.sarmae.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.operator.schema.CrdSchema;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The examples: every run anywhere under examples/ (GitOps folder included) passes the generated
 * CRDs' schema and CEL rules, the examples the issue asks for exist and say what they claim
 * (recipes, queues, gangs), the GitOps manifests point at folders that exist, and the CRD rules
 * reject edited examples with their messages.
 */
public class ExamplesTest {
  static final Path EXAMPLES = Golden.REPO.resolve("examples");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final CrdSchema PRETRAIN =
      CrdSchema.ofCrd(Golden.REPO.resolve("crds/sarmaepretrains.sarmae.io-v1.yml"));
  static final CrdSchema FINETUNE =
      CrdSchema.ofCrd(Golden.REPO.resolve("crds/sarmaefinetunes.sarmae.io-v1.yml"));
  static final Map<String, CrdSchema> SCHEMAS =
      Map.of("SarmaePretrain", PRETRAIN, "SarmaeFinetune", FINETUNE);

  /** Every YAML document under examples/ (multi-document files split), with its file. */
  public static List<Map.Entry<Path, JsonNode>> documents() throws IOException {
    List<Map.Entry<Path, JsonNode>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = YAML.getFactory().createParser(p.toFile())) {
          var it = YAML.readValues(parser, JsonNode.class);
          while (it.hasNext()) {
            JsonNode doc = it.next();
            if (doc != null && !doc.isMissingNode() && !doc.isEmpty()) {
              out.add(Map.entry(p, doc));
            }
          }
        }
      }
    }
    return out;
  }

  static Stream<Path> runFiles() throws IOException {
    return documents().stream()
        .filter(e -> SCHEMAS.containsKey(e.getValue().path("kind").asText()))
        // Argo CD health-check inputs are status snapshots, not runs to apply.
        .filter(e -> !e.getKey().toString().contains("/testdata/"))
        .map(Map.Entry::getKey)
        .distinct();
  }

  static JsonNode run(String file) {
    return CrdSchema.read(EXAMPLES.resolve(file));
  }

  /** The top-level examples are runs, of both kinds. */
  @Test
  void thereAreExamplesOfBothKinds() throws IOException {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      assertThat(
              s.filter(p -> p.toString().endsWith(".yaml"))
                  .map(p -> CrdSchema.read(p).path("kind").asText())
                  .distinct())
          .containsExactlyInAnyOrder("SarmaePretrain", "SarmaeFinetune");
    }
  }

  @ParameterizedTest
  @MethodSource("runFiles")
  void everyRunIsAcceptedByTheSchemaAndCel(Path file) {
    JsonNode run = CrdSchema.read(file);
    assertThat(run.path("apiVersion").asText()).isEqualTo("sarmae.io/v1alpha1");
    assertThat(SCHEMAS.get(run.path("kind").asText()).validateCreate(run))
        .as(EXAMPLES.relativize(file).toString())
        .isEmpty();
  }

  @Test
  void vitBIsThePapersRecipeOnOneEightGpuNode() {
    JsonNode s = run("pretrain-vit-b-8gpu.yaml").path("spec");
    assertThat(s.path("gpusPerReplica").asInt()).isEqualTo(8);
    assertThat(s.path("model").path("size").asText()).isEqualTo("base");
    JsonNode o = s.path("optim");
    assertThat(o.path("batchSize").asInt() * o.path("accumIter").asInt()).isEqualTo(4096);
    assertThat(o.path("accumIter").asInt()).isGreaterThan(1);
    assertThat(o.path("epochs").asInt()).isEqualTo(300);
    assertThat(o.path("lr").asDouble()).isEqualTo(1e-4);
    assertThat(s.path("alignment").path("alignWeight").asDouble()).isEqualTo(0.8);
    assertThat(s.path("noise").path("sigmaMax").asDouble()).isEqualTo(0.7);
  }

  @Test
  void vitLKindsOfRunsQueuesAndGangs() {
    JsonNode l = run("pretrain-vit-l-8gpu.yaml").path("spec");
    assertThat(l.path("model").path("size").asText()).isEqualTo("large");
    assertThat(
            l.path("optim").path("batchSize").asInt() * l.path("optim").path("accumIter").asInt())
        .isEqualTo(4096);
    JsonNode tiny = run("pretrain-tiny-cpu.yaml").path("spec");
    assertThat(tiny.path("gpusPerReplica").asInt()).isZero();
    JsonNode kueue = run("pretrain-kueue-queued.yaml");
    assertThat(kueue.path("metadata").path("labels").path("kueue.x-k8s.io/queue-name").asText())
        .isNotEmpty();
    assertThat(kueue.path("spec").has("suspend")).isFalse();
    JsonNode volcano = run("pretrain-volcano-gang.yaml").path("spec").path("scheduling");
    assertThat(volcano.path("gang").asText()).isEqualTo("volcano");
    assertThat(volcano.path("queueName").asText()).isNotEmpty();
  }

  @Test
  void fortyShotFinetuneReferencesAnExamplePretrain() throws IOException {
    JsonNode ft = run("finetune-fusar-40shot.yaml").path("spec");
    assertThat(ft.path("protocol").path("type").asText()).isEqualTo("kshot");
    assertThat(ft.path("protocol").path("shots").asInt()).isEqualTo(40);
    assertThat(ft.path("dataset").path("name").asText()).isEqualTo("fusar-ship");
    List<String> pretrains =
        documents().stream()
            .filter(e -> e.getValue().path("kind").asText().equals("SarmaePretrain"))
            .map(e -> e.getValue().path("metadata").path("name").asText())
            .toList();
    assertThat(pretrains).contains(ft.path("fromPretrain").asText());
  }

  @Test
  void gitOpsFolderIsAppliedByArgoAndFluxAndHasNoTtl() throws IOException {
    Path folder = EXAMPLES.resolve("gitops/experiments");
    JsonNode kustomization = CrdSchema.read(folder.resolve("kustomization.yaml"));
    List<String> resources = new ArrayList<>();
    kustomization.path("resources").forEach(r -> resources.add(r.asText()));
    assertThat(resources).isNotEmpty();
    for (String r : resources) {
      JsonNode run = CrdSchema.read(folder.resolve(r));
      assertThat(SCHEMAS).containsKey(run.path("kind").asText());
      // The operator deletes finished runs with a TTL, and the GitOps tool would recreate them.
      assertThat(run.path("spec").has("ttlSecondsAfterFinished")).as(r).isFalse();
    }
    JsonNode app = CrdSchema.read(EXAMPLES.resolve("gitops/argocd/application.yaml"));
    assertThat(app.path("kind").asText()).isEqualTo("Application");
    assertThat(Golden.REPO.resolve(app.path("spec").path("source").path("path").asText()))
        .isEqualTo(folder);
    JsonNode flux =
        documents().stream()
            .map(Map.Entry::getValue)
            .filter(d -> d.path("apiVersion").asText().startsWith("kustomize.toolkit.fluxcd.io/"))
            .findFirst()
            .orElseThrow();
    assertThat(flux.path("spec").path("wait").asBoolean()).isTrue();
    assertThat(Golden.REPO.resolve(flux.path("spec").path("path").asText()).normalize())
        .isEqualTo(folder);
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
