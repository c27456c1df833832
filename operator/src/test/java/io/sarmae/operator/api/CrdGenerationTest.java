package io.sarmae.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed CRDs are the generator's output for the current API classes. To update them after
 * an API change run the tests with {@code -Dsarmae.updateCrds=true} and commit the diff.
 */
class CrdGenerationTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final List<String> FILES = io.sarmae.operator.testing.MockCluster.CrdFiles.FILES;

  /** Generates the CRDs for the API classes into {@code dir}. */
  public static void generate(Path dir) {
    new CRDGenerator()
        .customResourceClasses(SarmaePretrain.class, SarmaeFinetune.class)
        .forCRDVersions("v1")
        .withParallelGenerationEnabled(false)
        .withPostProcessor(new CrdDescriptions())
        .inOutputDir(dir.toFile())
        .generate();
  }

  /** Every field of our own types has a description; embedded Kubernetes types are exempt. */
  @Test
  void everyOwnFieldIsDescribed() throws IOException {
    var yaml =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    for (String f : FILES) {
      var schema =
          yaml.readTree(REPO.resolve("crds").resolve(f).toFile())
              .at("/spec/versions/0/schema/openAPIV3Schema");
      java.util.List<String> missing = new java.util.ArrayList<>();
      undescribed(schema, "", missing);
      assertThat(missing).as(f).isEmpty();
    }
  }

  static final java.util.Set<String> EMBEDDED =
      java.util.Set.of(
          ".spec.affinity",
          ".spec.tolerations",
          ".spec.resources",
          ".spec.podTemplate.env",
          ".spec.podTemplate.volumes",
          ".spec.podTemplate.volumeMounts");

  static void undescribed(
      com.fasterxml.jackson.databind.JsonNode node, String path, java.util.List<String> missing) {
    var props = node.get("properties");
    if (props != null) {
      for (var e : props.properties()) {
        String p = path + "." + e.getKey();
        if (EMBEDDED.contains(p)
            || (path.isEmpty() && !p.equals(".spec") && !p.equals(".status"))) {
          if (!e.getValue().has("description") && EMBEDDED.contains(p)) {
            missing.add(p);
          }
          continue;
        }
        if (!e.getValue().has("description")) {
          missing.add(p);
        }
        undescribed(e.getValue(), p, missing);
      }
    }
    if (node.has("items")) {
      undescribed(node.get("items"), path + "[]", missing);
    }
  }

  @Test
  void committedCrdsMatchGenerator(@TempDir Path tmp) throws IOException {
    generate(tmp);
    boolean update = Boolean.getBoolean("sarmae.updateCrds");
    for (String f : FILES) {
      String generated = Files.readString(tmp.resolve(f));
      for (Path dir : List.of(REPO.resolve("crds"), REPO.resolve("charts/sarmae-operator/crds"))) {
        Path committed = dir.resolve(f);
        if (update) {
          Files.createDirectories(dir);
          Files.writeString(committed, generated);
        }
        assertThat(committed).exists();
        assertThat(Files.readString(committed))
            .as("%s is stale: rerun with -Dsarmae.updateCrds=true and commit", committed)
            .isEqualTo(generated);
      }
    }
  }
}
