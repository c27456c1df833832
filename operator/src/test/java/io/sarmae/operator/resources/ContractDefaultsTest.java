package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sarmae.operator.api.v1alpha1.CheckpointStorage;
import io.sarmae.operator.api.v1alpha1.FinetuneDataset;
import io.sarmae.operator.api.v1alpha1.PretrainData;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.testing.Fixtures;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * One source for the contract's defaults (issue 14): a spec that sets nothing optional renders
 * exactly the trainer's defaults, read key by key from the trainer's generated full-config files
 * ({@code docs/contract/pretrain-full.yaml}, {@code finetune-full.yaml}). A default changed on one
 * side only fails here. The few keys the operator decides itself are listed with the reason.
 */
class ContractDefaultsTest {

  /** Rendered keys whose value is the operator's on purpose, with why. */
  static final Map<String, String> OPERATOR_OWNED =
      Map.of(
          "run.id", "the resource's metadata.uid",
          "run.outputDir", "under the run's checkpoint claim",
          "run.device", "from gpusPerReplica",
          "data.path", "the data claim's mount",
          "checkpoint.dir", "the checkpoint claim's mount",
          "observability.progressBar", "pods have no terminal: never",
          "observability.logFormat", "json for log collectors");

  /**
   * Fine-tune keys the operator decides itself, beyond {@link #OPERATOR_OWNED}: {@code
   * spec.checkpoint} is one type for both kinds, so one keepLast default (3) serves both.
   */
  static final Map<String, String> FINETUNE_OWNED =
      Map.of("checkpoint.keepLast", "CheckpointStorage.keepLast is shared with pretraining");

  static SarmaePretrainSpec minimalPretrain() {
    SarmaePretrainSpec spec = new SarmaePretrainSpec();
    PretrainData data = new PretrainData();
    data.setClaimName("data");
    spec.setData(data);
    spec.setCheckpoint(checkpoint());
    return spec;
  }

  static SarmaeFinetuneSpec minimalFinetune() {
    SarmaeFinetuneSpec spec = new SarmaeFinetuneSpec();
    FinetuneDataset data = new FinetuneDataset();
    data.setClaimName("data");
    spec.setDataset(data);
    spec.setCheckpoint(checkpoint());
    return spec;
  }

  static CheckpointStorage checkpoint() {
    CheckpointStorage c = new CheckpointStorage();
    c.setClaimName("ckpt");
    return c;
  }

  @Test
  void pretrainDefaultsAreTheTrainers() throws Exception {
    String rendered = TrainerConfig.renderPretrain("x", "uid-x", minimalPretrain());
    assertThat(mismatches(rendered, "pretrain-full.yaml", OPERATOR_OWNED)).isEmpty();
  }

  @Test
  void finetuneDefaultsAreTheTrainers() throws Exception {
    String rendered = TrainerConfig.renderFinetune("x", "uid-x", minimalFinetune(), null);
    Map<String, String> owned = new TreeMap<>(OPERATOR_OWNED);
    owned.putAll(FINETUNE_OWNED);
    assertThat(mismatches(rendered, "finetune-full.yaml", owned)).isEmpty();
    // The reference command line's defaults (SARMAE-REFERENCE §6.9), decided in issue 14.
    Map<String, Object> flat = flatten(rendered);
    assertThat(flat)
        .containsEntry("optim.epochs", 50)
        .containsEntry("optim.blr", 0.001)
        .containsEntry("repeats.count", 1)
        .containsEntry("data.protocol", "all");
  }

  /**
   * A segmentation spec that sets nothing optional renders the trainer's {@code segmentation.*}
   * defaults; only the split names differ, on purpose.
   */
  @Test
  void segmentationDefaultsAreTheTrainers() throws Exception {
    SarmaeFinetuneSpec spec = minimalFinetune();
    spec.setTask(io.sarmae.operator.api.v1alpha1.FinetuneTask.SEGMENTATION);
    String rendered = TrainerConfig.renderFinetune("x", "uid-x", spec, null);
    Map<String, String> owned = new TreeMap<>(OPERATOR_OWNED);
    owned.putAll(FINETUNE_OWNED);
    owned.put("task", "the spec's task");
    owned.put("data.trainSplit", "segmentation reads the mmsegmentation names: train");
    owned.put("data.evalSplit", "segmentation reads the mmsegmentation names: val");
    assertThat(mismatches(rendered, "finetune-full.yaml", owned)).isEmpty();
    assertThat(flatten(rendered)).containsKeys("segmentation.channels", "segmentation.vflip");
  }

  /**
   * A detection spec that sets nothing optional renders the trainer's {@code detection.*} defaults;
   * the split names and the input side differ, on purpose.
   */
  @Test
  void detectionDefaultsAreTheTrainers() throws Exception {
    SarmaeFinetuneSpec spec = minimalFinetune();
    spec.setTask(io.sarmae.operator.api.v1alpha1.FinetuneTask.DETECTION);
    String rendered = TrainerConfig.renderFinetune("x", "uid-x", spec, null);
    Map<String, String> owned = new TreeMap<>(OPERATOR_OWNED);
    owned.putAll(FINETUNE_OWNED);
    owned.put("task", "the spec's task");
    owned.put("data.trainSplit", "detection reads the SSDD / RSAR / DOTA names: train");
    owned.put("data.evalSplit", "detection reads the SSDD / RSAR / DOTA names: val");
    owned.put(
        "model.imageSize", "the trainer's 224 is refused for detection (largest stride 64): 512");
    assertThat(mismatches(rendered, "finetune-full.yaml", owned)).isEmpty();
    Map<String, Object> flat = flatten(rendered);
    assertThat(flat)
        .containsEntry("model.imageSize", 512)
        .containsEntry("detection.strides", List.of(8, 16, 32, 64))
        .containsEntry("detection.format", "coco")
        .containsEntry("detection.apMethod", "voc07")
        // Unset on both sides: the trainer picks 0.5 or 0.1 by detection.oriented.
        .doesNotContainKey("detection.nmsIou");
    // Every other detection key of the trainer is rendered, so each default above was compared.
    Map<String, Object> trainer = flatten(Fixtures.read(Fixtures.contract("finetune-full.yaml")));
    trainer.keySet().stream()
        .filter(k -> k.startsWith("detection.") && !k.equals("detection.nmsIou"))
        .forEach(k -> assertThat(flat).containsKey(k));
  }

  @Test
  void theComparisonSeesADrift() throws Exception {
    String rendered =
        TrainerConfig.renderFinetune("x", "uid-x", minimalFinetune(), null)
            .replace("  epochs: 50\n", "  epochs: 100\n");
    Map<String, String> owned = new TreeMap<>(OPERATOR_OWNED);
    owned.putAll(FINETUNE_OWNED);
    assertThat(mismatches(rendered, "finetune-full.yaml", owned))
        .containsExactly("optim.epochs: operator 100, trainer 50");
  }

  /** Every rendered key not owned by the operator, whose value differs from the trainer's file. */
  static List<String> mismatches(String rendered, String fullFile, Map<String, String> owned)
      throws Exception {
    Map<String, Object> ours = flatten(rendered);
    Map<String, Object> trainer = flatten(Fixtures.read(Fixtures.contract(fullFile)));
    // The owned lists name keys that exist, so they cannot outlive a renamed key.
    assertThat(ours.keySet()).containsAll(owned.keySet());
    List<String> out = new ArrayList<>();
    ours.forEach(
        (key, value) -> {
          if (owned.containsKey(key)) {
            return;
          }
          if (!trainer.containsKey(key)) {
            out.add(key + ": not in " + fullFile);
          } else if (!same(value, trainer.get(key))) {
            out.add(key + ": operator " + value + ", trainer " + trainer.get(key));
          }
        });
    return out;
  }

  static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
    }
    return java.util.Objects.equals(a, b);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> flatten(String yaml) throws Exception {
    Map<String, Object> parsed = new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class);
    Map<String, Object> flat = new TreeMap<>();
    parsed.forEach(
        (section, value) -> {
          if (value instanceof Map<?, ?> keys) {
            keys.forEach((k, v) -> flat.put(section + "." + k, v));
          } else {
            flat.put(section, value);
          }
        });
    return flat;
  }
}
