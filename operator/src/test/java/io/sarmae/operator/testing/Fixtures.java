package io.sarmae.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Example manifests as typed resources, with the metadata the API server would add. */
public final class Fixtures {
  private Fixtures() {}

  public static final String NAMESPACE = "ml";

  public static <T extends HasMetadata> T example(String file, Class<T> type) {
    try {
      T r =
          Serialization.unmarshal(
              Files.readString(Golden.REPO.resolve("examples").resolve(file)), type);
      r.getMetadata().setNamespace(NAMESPACE);
      r.getMetadata().setUid("00000000-0000-0000-0000-" + String.format("%012d", file.length()));
      r.getMetadata().setGeneration(1L);
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static SarmaePretrain tinyPretrain() {
    return example("pretrain-tiny-cpu.yaml", SarmaePretrain.class);
  }

  /** The tiny run over two data-parallel pods. */
  public static SarmaePretrain tinyTwoRanks() {
    return example("pretrain-tiny-2ranks.yaml", SarmaePretrain.class);
  }

  public static SarmaePretrain vitB() {
    return example("pretrain-vit-b-8gpu.yaml", SarmaePretrain.class);
  }

  public static SarmaeFinetune finetune40() {
    return example("finetune-fusar-40shot.yaml", SarmaeFinetune.class);
  }

  public static Path examples() {
    return Golden.REPO.resolve("examples");
  }

  public static String yaml(Object o) {
    return Serialization.asYaml(o);
  }

  public static Path contract(String file) {
    return Golden.REPO.resolve("docs").resolve("contract").resolve(file);
  }

  public static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
