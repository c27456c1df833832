package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Golden;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {

  /** Keys of the trainer contract's config table, read from the contract itself. */
  static Set<String> contractKeys() {
    String all = Fixtures.read(Golden.REPO.resolve("docs/trainer-contract.md"));
    // The pretraining keys: the table before the fine-tuning section.
    int finetune = all.indexOf("\n## Fine-tuning");
    String md = finetune < 0 ? all : all.substring(0, finetune);
    Set<String> keys = new TreeSet<>();
    Matcher row =
        Pattern.compile("(?m)^\\| (`[a-z]+\\.[A-Za-z0-9]+`(?:, `[^`]+`)*) \\|").matcher(md);
    while (row.find()) {
      Matcher key = Pattern.compile("`([^`]+)`").matcher(row.group(1));
      while (key.find()) {
        keys.add(key.group(1));
      }
    }
    return keys;
  }

  @SuppressWarnings("unchecked")
  static Set<String> renderedKeys(String yaml) throws Exception {
    Map<String, Map<String, Object>> parsed =
        new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class);
    Set<String> keys = new TreeSet<>();
    parsed.forEach((section, m) -> m.keySet().forEach(k -> keys.add(section + "." + k)));
    return keys;
  }

  @Test
  void tinyExampleRendersTheCanonicalOperatorConfig() {
    var tiny = Fixtures.tinyPretrain();
    String yaml =
        TrainerConfig.renderPretrain(
            tiny.getMetadata().getName(), tiny.getMetadata().getUid(), tiny.getSpec());
    Golden.assertMatches(Fixtures.contract("pretrain-operator.yaml"), yaml);
  }

  @Test
  void pretrainConfigUsesOnlyContractKeys() throws Exception {
    Set<String> contract = contractKeys();
    assertThat(contract).contains("model.maskRatio", "noise.sigmaMax", "observability.logFormat");
    var vitB = Fixtures.vitB();
    SarmaePretrainSpec spec = vitB.getSpec();
    WeightsRef init = new WeightsRef();
    init.setPath("/opt/init.safetensors");
    spec.setInitWeights(init);
    spec.getOptim().setLr(0.0001);
    spec.getCheckpoint().setResumeFrom("vit-b-old/final");
    Set<String> rendered = renderedKeys(TrainerConfig.renderPretrain("vit-b", "uid-1", spec));
    assertThat(contract).containsAll(rendered);
    // Everything the operator leaves to the trainer's defaults is deliberate.
    Set<String> notRendered = new TreeSet<>(contract);
    notRendered.removeAll(rendered);
    assertThat(notRendered).isEmpty();
  }

  @Test
  void minimalSpecRendersDefaultsFromTheDefaultsClass() throws Exception {
    var tiny = Fixtures.tinyPretrain();
    tiny.getSpec().setModel(null);
    String yaml = TrainerConfig.renderPretrain("x", "uid-x", tiny.getSpec());
    assertThat(yaml).contains("  maskRatio: 0.75\n", "  size: base\n", "  dir: /checkpoints/x\n");
  }

  @Test
  void newTrainerKeysAreRenderedFromTheSpec() throws Exception {
    var tiny = Fixtures.tinyPretrain();
    tiny.getSpec().getModel().setAllowMissing(java.util.List.of("head.*", "blocks.11.*"));
    var noise = new io.sarmae.operator.api.v1alpha1.NoiseSettings();
    noise.setSpeckle(io.sarmae.operator.api.v1alpha1.SpeckleModel.GAMMA);
    noise.setDomain(io.sarmae.operator.api.v1alpha1.NoiseDomain.DB);
    noise.setDbSpan(40.0);
    tiny.getSpec().setNoise(noise);
    tiny.getSpec().getOptim().setMaxSkippedFraction(0.1);
    tiny.getSpec().getAlignment().setRandomTeacher(false);
    String yaml = TrainerConfig.renderPretrain("x", "uid-x", tiny.getSpec());
    assertThat(yaml)
        .contains("  allowMissing: [\"head.*\", \"blocks.11.*\"]\n")
        .contains("  domain: db\n", "  dbSpan: 40.0\n", "  maxSkippedFraction: 0.1\n")
        .contains("  randomTeacher: false\n");
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> parsed =
        new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class);
    assertThat(parsed.get("model").get("allowMissing"))
        .isEqualTo(java.util.List.of("head.*", "blocks.11.*"));
  }

  /** Every key of the trainer's generated full fine-tune config ({@code task} is top-level). */
  static Set<String> finetuneContractKeys() throws Exception {
    return ContractDefaultsTest.flatten(Fixtures.read(Fixtures.contract("finetune-full.yaml")))
        .keySet();
  }

  static io.sarmae.operator.api.v1alpha1.SarmaeFinetune segmentationExample() {
    return Fixtures.example(
        "finetune-segmentation-airpolsarseg.yaml",
        io.sarmae.operator.api.v1alpha1.SarmaeFinetune.class);
  }

  @Test
  void finetuneConfigsUseOnlyContractKeys() throws Exception {
    Set<String> contract = finetuneContractKeys();
    assertThat(contract).contains("task", "segmentation.channels", "data.trainSplit");
    var cls = Fixtures.finetune40();
    cls.getSpec().getDataset().setTestSplits(java.util.List.of("Test"));
    Set<String> classification =
        ContractDefaultsTest.flatten(
                TrainerConfig.renderFinetune("c", "uid-c", cls.getSpec(), "/w"))
            .keySet();
    assertThat(contract).containsAll(classification);
    assertThat(classification).noneMatch(k -> k.startsWith("segmentation."));

    var seg = segmentationExample();
    seg.getSpec().getSegmentation().setClassWeights(java.util.List.of(1.0, 2.0));
    seg.getSpec()
        .getSegmentation()
        .setLossNorm(io.sarmae.operator.api.v1alpha1.SegLossNorm.WEIGHT_SUM);
    Set<String> segmentation =
        ContractDefaultsTest.flatten(
                TrainerConfig.renderFinetune("s", "uid-s", seg.getSpec(), "/w"))
            .keySet();
    assertThat(contract).containsAll(segmentation);
    // Every segmentation key the trainer has is one the CRD can set.
    Set<String> segKeys = new TreeSet<>();
    contract.stream().filter(k -> k.startsWith("segmentation.")).forEach(segKeys::add);
    assertThat(segmentation).containsAll(segKeys);
  }

  @Test
  void theSegmentationExampleRendersItsSettings() throws Exception {
    var seg = segmentationExample();
    String yaml =
        TrainerConfig.renderFinetune(
            seg.getMetadata().getName(),
            seg.getMetadata().getUid(),
            seg.getSpec(),
            "/weights/pretrained/sarmae-vit-b/final");
    Golden.assertMatches("finetune-segmentation-config.yaml", yaml);
    Map<String, Object> flat = ContractDefaultsTest.flatten(yaml);
    assertThat(flat)
        .containsEntry("task", "segmentation")
        .containsEntry("data.trainSplit", "train")
        .containsEntry("data.evalSplit", "val")
        .containsEntry("data.testSplits", java.util.List.of("test"))
        .containsEntry("optim.layerDecay", 0.9)
        .containsEntry("segmentation.ratioRange", java.util.List.of(0.75, 1.25))
        .containsEntry("segmentation.inference", "slide")
        .containsEntry("segmentation.slideStride", 384)
        .containsEntry("segmentation.binaryClass", 3);
  }

  @Test
  void segmentationDefaultsToTheMmsegSplitNamesUnlessTheSpecNamesThem() throws Exception {
    var seg = segmentationExample();
    seg.getSpec().getDataset().setTrainSplit(null);
    seg.getSpec().getDataset().setEvalSplit(null);
    seg.getSpec().setSegmentation(null);
    Map<String, Object> flat =
        ContractDefaultsTest.flatten(
            TrainerConfig.renderFinetune("s", "uid-s", seg.getSpec(), null));
    assertThat(flat)
        .containsEntry("data.trainSplit", "train")
        .containsEntry("data.evalSplit", "val")
        .containsEntry("segmentation.channels", 512)
        .containsEntry("segmentation.ratioRange", java.util.List.of(0.5, 2.0))
        .doesNotContainKey("segmentation.binaryClass");
    seg.getSpec().getDataset().setTrainSplit("training");
    assertThat(TrainerConfig.renderFinetune("s", "uid-s", seg.getSpec(), null))
        .contains("  trainSplit: training\n");
  }

  static io.sarmae.operator.api.v1alpha1.SarmaeFinetune detectionExample(String file) {
    return Fixtures.example(file, io.sarmae.operator.api.v1alpha1.SarmaeFinetune.class);
  }

  @Test
  void detectionConfigsUseOnlyContractKeysAndCanSetEveryDetectionKey() throws Exception {
    Set<String> contract = finetuneContractKeys();
    assertThat(contract).contains("detection.strides", "detection.apMethod");
    Set<String> classification =
        ContractDefaultsTest.flatten(
                TrainerConfig.renderFinetune("c", "uid-c", Fixtures.finetune40().getSpec(), "/w"))
            .keySet();
    assertThat(classification).noneMatch(k -> k.startsWith("detection."));
    for (String file :
        java.util.List.of("finetune-detection-ssdd.yaml", "finetune-detection-rsar.yaml")) {
      Set<String> det =
          ContractDefaultsTest.flatten(
                  TrainerConfig.renderFinetune(
                      "d", "uid-d", detectionExample(file).getSpec(), "/w"))
              .keySet();
      assertThat(contract).as(file).containsAll(det);
      assertThat(det).as(file).noneMatch(k -> k.startsWith("segmentation."));
    }
    // The RSAR example sets nmsIou; with it, every detection key the trainer has is rendered.
    Set<String> rsar =
        ContractDefaultsTest.flatten(
                TrainerConfig.renderFinetune(
                    "d", "uid-d", detectionExample("finetune-detection-rsar.yaml").getSpec(), "/w"))
            .keySet();
    Set<String> detKeys = new TreeSet<>();
    contract.stream().filter(k -> k.startsWith("detection.")).forEach(detKeys::add);
    assertThat(rsar).containsAll(detKeys);
  }

  @Test
  void theDetectionExamplesRenderTheirSettings() throws Exception {
    var ssdd = detectionExample("finetune-detection-ssdd.yaml");
    String yaml =
        TrainerConfig.renderFinetune(
            ssdd.getMetadata().getName(),
            ssdd.getMetadata().getUid(),
            ssdd.getSpec(),
            "/weights/pretrained/sarmae-vit-b/final");
    Golden.assertMatches("finetune-detection-config.yaml", yaml);
    assertThat(ContractDefaultsTest.flatten(yaml))
        .containsEntry("task", "detection")
        .containsEntry("model.imageSize", 608)
        .containsEntry("data.path", "/data/BBox_SSDD/coco_style")
        .containsEntry("data.trainSplit", "trainval")
        .containsEntry("data.evalSplit", "test")
        .containsEntry("detection.format", "coco")
        .containsEntry("detection.oriented", false)
        .containsEntry("detection.strides", java.util.List.of(8, 16, 32))
        .containsEntry("optim.layerDecay", 0.95)
        .doesNotContainKey("detection.nmsIou");
    var rsar = detectionExample("finetune-detection-rsar.yaml");
    assertThat(
            ContractDefaultsTest.flatten(
                TrainerConfig.renderFinetune("r", "uid-r", rsar.getSpec(), "/w")))
        .containsEntry("detection.format", "dota")
        .containsEntry("detection.oriented", true)
        .containsEntry("detection.nmsIou", 0.1)
        .containsEntry("detection.rot90", 0.5)
        .containsEntry("detection.apMethod", "voc07")
        .containsEntry("model.imageSize", 800)
        .containsEntry("data.testSplits", java.util.List.of("test"));
  }

  @Test
  void detectionDefaultsToTrainValSplitsAndAnInputSideItsStridesFit() throws Exception {
    var det = detectionExample("finetune-detection-ssdd.yaml");
    det.getSpec().getDataset().setTrainSplit(null);
    det.getSpec().getDataset().setEvalSplit(null);
    det.getSpec().getModel().setImageSize(null);
    det.getSpec().setDetection(null);
    Map<String, Object> flat =
        ContractDefaultsTest.flatten(
            TrainerConfig.renderFinetune("d", "uid-d", det.getSpec(), null));
    assertThat(flat)
        .containsEntry("data.trainSplit", "train")
        .containsEntry("data.evalSplit", "val")
        .containsEntry("model.imageSize", 512)
        .containsEntry("detection.strides", java.util.List.of(8, 16, 32, 64));
    assertThat((Integer) flat.get("model.imageSize") % 64).isZero();
    // The pod's memory estimate sizes the same input the trainer gets.
    var at224 = detectionExample("finetune-detection-ssdd.yaml");
    at224.getSpec().getModel().setImageSize(224);
    det.getSpec().getModel().setImageSize(512);
    long explicit512 = PodSizing.estimateBytes(det.getSpec());
    det.getSpec().getModel().setImageSize(null);
    assertThat(PodSizing.estimateBytes(det.getSpec()))
        .isEqualTo(explicit512)
        .isGreaterThan(PodSizing.estimateBytes(at224.getSpec()));
  }

  @Test
  void numbersInListsStayNumbers() {
    assertThat(TrainerConfig.Yaml.scalar(java.util.List.of(0.5, 2.0))).isEqualTo("[0.5, 2.0]");
    assertThat(TrainerConfig.Yaml.scalar(java.util.List.of("a*"))).isEqualTo("[\"a*\"]");
  }

  @Test
  void scalarsAreUnambiguousYaml() {
    assertThat(TrainerConfig.Yaml.scalar(1.0E-4)).isEqualTo("0.0001");
    assertThat(TrainerConfig.Yaml.scalar(0.75)).isEqualTo("0.75");
    assertThat(TrainerConfig.Yaml.scalar("auto")).isEqualTo("auto");
    assertThat(TrainerConfig.Yaml.scalar("yes")).isEqualTo("\"yes\"");
    assertThat(TrainerConfig.Yaml.scalar("/data/a b")).isEqualTo("\"/data/a b\"");
    assertThat(TrainerConfig.Yaml.scalar("123")).isEqualTo("\"123\"");
  }

  @Test
  void finetuneConfigStartsFromPretrainedWeights() {
    var ft = Fixtures.finetune40();
    WeightsRef w = new WeightsRef();
    w.setClaimName("sarmae-checkpoints");
    w.setPath("sarmae-vit-b/final");
    String yaml =
        TrainerConfig.renderFinetune(
            "fusar-ship-40shot",
            ft.getMetadata().getUid(),
            ft.getSpec(),
            TrainerConfig.weightsPath(w, "pretrained"));
    Golden.assertMatches("finetune-config.yaml", yaml);
    assertThat(yaml).contains("  init: /weights/pretrained/sarmae-vit-b/final\n");
  }

  @Test
  void aLinearProbeLeavesBlrAndWeightDecayToTheTrainerUnlessSet() {
    var ft = Fixtures.finetune40();
    String finetune = TrainerConfig.renderFinetune("ft", "uid-ft", ft.getSpec(), "/w");
    assertThat(finetune).contains("  mode: finetune\n").contains("  blr: ").contains("weightDecay");

    ft.getSpec().setMode(io.sarmae.operator.api.v1alpha1.FinetuneMode.LINPROBE);
    String probe = TrainerConfig.renderFinetune("ft", "uid-ft", ft.getSpec(), "/w");
    assertThat(probe)
        .contains("  mode: linprobe\n")
        .doesNotContain("  blr: ")
        .doesNotContain("weightDecay");

    var optim = new io.sarmae.operator.api.v1alpha1.FinetuneOptim();
    optim.setBlr(0.05);
    optim.setWeightDecay(0.001);
    ft.getSpec().setOptim(optim);
    String set = TrainerConfig.renderFinetune("ft", "uid-ft", ft.getSpec(), "/w");
    assertThat(set).contains("  blr: 0.05\n").contains("  weightDecay: 0.001\n");
  }

  @Test
  void protocolResplitRendersDataResplitOnlyWhenSet() {
    var ft = Fixtures.finetune40();
    ft.getSpec().getProtocol().setResplit(null); // the FUSAR example sets fixed since 80677f4
    String unset = TrainerConfig.renderFinetune("ft", "uid-ft", ft.getSpec(), "/w");
    // unset: the trainer's default (perRepeat) applies; nothing rendered
    assertThat(unset).doesNotContain("resplit");

    ft.getSpec().getProtocol().setResplit(io.sarmae.operator.api.v1alpha1.Resplit.FIXED);
    String fixed = TrainerConfig.renderFinetune("ft", "uid-ft", ft.getSpec(), "/w");
    assertThat(fixed).contains("  resplit: fixed\n").contains("  protocol: kshot\n");

    ft.getSpec().getProtocol().setResplit(io.sarmae.operator.api.v1alpha1.Resplit.PER_REPEAT);
    String per = TrainerConfig.renderFinetune("ft", "uid-ft", ft.getSpec(), "/w");
    assertThat(per).contains("  resplit: perRepeat\n");
  }
}
