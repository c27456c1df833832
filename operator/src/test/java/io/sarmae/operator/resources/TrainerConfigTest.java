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
