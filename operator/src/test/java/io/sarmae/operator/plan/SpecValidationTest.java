package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.sarmae.operator.api.v1alpha1.PodOverlay;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the operator rejects itself, for API servers that skipped CEL and for what CEL cannot say.
 */
class SpecValidationTest {

  static Stream<Arguments> pretrainCases() {
    return Stream.<Arguments>of(
        Arguments.of("valid example", (Consumer<SarmaePretrain>) r -> {}, null),
        Arguments.of(
            "name too long for pod hostnames",
            (Consumer<SarmaePretrain>) r -> r.getMetadata().setName("x".repeat(49)),
            "metadata.name must be at most 48 characters"),
        Arguments.of(
            "two CPU replicas form one data-parallel run",
            (Consumer<SarmaePretrain>)
                r -> {
                  r.getSpec().setReplicas(2);
                  r.getSpec().setGpusPerReplica(0);
                },
            null),
        Arguments.of(
            "two GPU replicas are refused until the GPU bridge exists",
            (Consumer<SarmaePretrain>)
                r -> {
                  r.getSpec().setReplicas(2);
                  r.getSpec().setGpusPerReplica(1);
                },
            "replicas > 1 needs gpusPerReplica: 0"),
        Arguments.of(
            "a thousand replicas",
            (Consumer<SarmaePretrain>)
                r -> {
                  r.getSpec().setReplicas(1000);
                  r.getSpec().setGpusPerReplica(0);
                },
            null),
        Arguments.of(
            "more replicas than hostnames allow",
            (Consumer<SarmaePretrain>) r -> r.getSpec().setReplicas(1001),
            "replicas must be 1 to 1000"),
        Arguments.of(
            "no replicas",
            (Consumer<SarmaePretrain>) r -> r.getSpec().setReplicas(0),
            "replicas must be 1 to 1000"),
        Arguments.of(
            "no checkpoint claim",
            (Consumer<SarmaePretrain>) r -> r.getSpec().setCheckpoint(null),
            "spec.checkpoint.claimName is required"),
        Arguments.of(
            "no data",
            (Consumer<SarmaePretrain>) r -> r.getSpec().setData(null),
            "spec.data.claimName is required"),
        Arguments.of(
            "GPUs in resources",
            (Consumer<SarmaePretrain>)
                r -> {
                  ResourceRequirements rr = new ResourceRequirements();
                  rr.setLimits(Map.of("nvidia.com/gpu", new Quantity("2")));
                  r.getSpec().setResources(rr);
                },
            "set GPUs with gpusPerReplica"),
        Arguments.of(
            "reserved volume name",
            (Consumer<SarmaePretrain>)
                r -> {
                  PodOverlay o = new PodOverlay();
                  o.setVolumes(
                      List.of(
                          new VolumeBuilder()
                              .withName("sarmae-data")
                              .withNewEmptyDir()
                              .endEmptyDir()
                              .build()));
                  r.getSpec().setPodTemplate(o);
                },
            "name sarmae-data is reserved"),
        Arguments.of(
            "mount over the checkpoints",
            (Consumer<SarmaePretrain>)
                r -> {
                  PodOverlay o = new PodOverlay();
                  o.setVolumeMounts(
                      List.of(
                          new VolumeMountBuilder()
                              .withName("x")
                              .withMountPath("/checkpoints/x")
                              .build()));
                  r.getSpec().setPodTemplate(o);
                },
            "/checkpoints/x is used by the operator"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pretrainCases")
  void pretrain(String name, Consumer<SarmaePretrain> change, String error) {
    SarmaePretrain r = Fixtures.tinyPretrain();
    change.accept(r);
    List<String> errors = SpecValidation.validate(r);
    if (error == null) {
      assertThat(errors).isEmpty();
    } else {
      assertThat(errors).singleElement().asString().contains(error);
    }
  }

  static Stream<Arguments> finetuneCases() {
    WeightsRef w = new WeightsRef();
    w.setPath("/weights/encoder.safetensors");
    return Stream.<Arguments>of(
        Arguments.of("valid example", (Consumer<SarmaeFinetune>) f -> {}, null),
        Arguments.of(
            "both weight sources",
            (Consumer<SarmaeFinetune>) f -> f.getSpec().setPretrainedWeights(w),
            "set exactly one of fromPretrain and pretrainedWeights"),
        Arguments.of(
            "no weight source",
            (Consumer<SarmaeFinetune>) f -> f.getSpec().setFromPretrain(null),
            "set exactly one of fromPretrain and pretrainedWeights"),
        Arguments.of(
            "two replicas (fine-tuning runs one process)",
            (Consumer<SarmaeFinetune>) f -> f.getSpec().setReplicas(2),
            "replicas must be 1: the fine-tune trainer runs one process"),
        Arguments.of(
            "kshot without shots",
            (Consumer<SarmaeFinetune>) f -> f.getSpec().getProtocol().setShots(null),
            "protocol.shots is required for kshot"),
        Arguments.of(
            "the SSDD detection example",
            (Consumer<SarmaeFinetune>)
                f ->
                    f.setSpec(
                        Fixtures.example("finetune-detection-ssdd.yaml", SarmaeFinetune.class)
                            .getSpec()),
            null),
        Arguments.of(
            "the RSAR detection example",
            (Consumer<SarmaeFinetune>)
                f ->
                    f.setSpec(
                        Fixtures.example("finetune-detection-rsar.yaml", SarmaeFinetune.class)
                            .getSpec()),
            null),
        Arguments.of(
            "the segmentation example",
            (Consumer<SarmaeFinetune>)
                f ->
                    f.setSpec(
                        Fixtures.example(
                                "finetune-segmentation-airpolsarseg.yaml", SarmaeFinetune.class)
                            .getSpec()),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("finetuneCases")
  void finetune(String name, Consumer<SarmaeFinetune> change, String error) {
    SarmaeFinetune f = Fixtures.finetune40();
    change.accept(f);
    List<String> errors = SpecValidation.validate(f);
    if (error == null) {
      assertThat(errors).isEmpty();
    } else {
      assertThat(errors).singleElement().asString().contains(error);
    }
  }
}
