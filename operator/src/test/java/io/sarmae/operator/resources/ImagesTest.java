package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.examples.ExamplesTest;
import io.sarmae.operator.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The images the operator runs: the trainer's Dockerfiles follow the trainer contract and the
 * build, and the operator's default image, the Dockerfiles' tags and every example name the same
 * images.
 */
class ImagesTest {
  @Test
  void trainerDockerfilesFollowTheContractAndTheBuild() throws IOException {
    String launcher = Files.readString(Golden.REPO.resolve("trainer/bin/sarmae-trainer"));
    String pom = Files.readString(Golden.REPO.resolve("trainer/pom.xml"));
    assertThat(pom).contains("<shadedClassifierName>all</shadedClassifierName>");
    // The launcher finds the jar at ../lib/sarmae-trainer.jar next to its bin/ folder.
    assertThat(launcher).contains("\"$here\"/../lib/sarmae-trainer.jar");
    for (String f : List.of("trainer/Dockerfile", "trainer/Dockerfile.cuda")) {
      String d = Files.readString(Golden.REPO.resolve(f));
      assertThat(d)
          .as(f)
          .contains(
              "COPY trainer/target/sarmae-trainer-*-all.jar",
              "/opt/sarmae/lib/sarmae-trainer.jar",
              "COPY trainer/bin/sarmae-trainer /opt/sarmae/bin/sarmae-trainer",
              // docs/trainer-contract.md: the entrypoint, and the metrics port.
              "ENTRYPOINT [\"/opt/sarmae/bin/sarmae-trainer\"]",
              "EXPOSE 9400",
              "PYTORCH_LIBRARY_PATH=/opt/libtorch/lib",
              "PYTORCH_VERSION=2.7.1",
              "USER 1000:1000");
    }
    assertThat(Files.readString(Golden.REPO.resolve("trainer/Dockerfile.cuda")))
        .contains("PYTORCH_FLAVOR=cu128", "libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip");
    // SARMAE_BLAS=auto in the CPU image: the launcher finds the sgemm_ router at
    // ../lib/libsarmae_blas.so and needs Debian's OpenBLAS (docs/performance.md).
    assertThat(launcher).contains("\"$here\"/../lib/libsarmae_blas.so");
    assertThat(Files.readString(Golden.REPO.resolve("trainer/Dockerfile")))
        .contains(
            "libopenblas0-pthread",
            "'native/linux-x86_64/libsarmae_blas.so' -d /build/lib",
            "COPY --from=unpack /build/lib/libsarmae_blas.so /opt/sarmae/lib/libsarmae_blas.so");
  }

  @Test
  void imagesMatchTheDockerfilesAndTheChart() throws IOException {
    String cpu = Files.readString(Golden.REPO.resolve("trainer/Dockerfile"));
    String cuda = Files.readString(Golden.REPO.resolve("trainer/Dockerfile.cuda"));
    String operator = Files.readString(Golden.REPO.resolve("operator/Dockerfile"));
    assertThat(cpu).contains("-t ghcr.io/sarmae/sarmae-trainer:0.1.0 ");
    assertThat(cuda).contains("-t ghcr.io/sarmae/sarmae-trainer-cuda:0.1.0 ");
    assertThat(operator).contains("-t ghcr.io/sarmae/sarmae-operator:0.1.0 ");
    assertThat(io.sarmae.operator.api.v1alpha1.Defaults.JOB_IMAGE)
        .isEqualTo("ghcr.io/sarmae/sarmae-trainer:0.1.0");
    for (var e : ExamplesTest.documents()) {
      String image = e.getValue().path("spec").path("image").asText("");
      if (!image.isEmpty()) {
        assertThat(image)
            .as(e.getKey().toString())
            .isIn(
                "ghcr.io/sarmae/sarmae-trainer:0.1.0", "ghcr.io/sarmae/sarmae-trainer-cuda:0.1.0");
      }
    }
  }
}
