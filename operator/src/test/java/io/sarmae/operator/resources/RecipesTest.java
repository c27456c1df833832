package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.FinetuneRecipe;
import io.sarmae.operator.api.v1alpha1.FinetuneTask;
import io.sarmae.operator.api.v1alpha1.PretrainRecipe;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import io.sarmae.operator.plan.SpecValidation;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.recipe}: the CRD offers exactly the trainer's recipes, the rendering leaves the
 * recipe's keys to the recipe unless the user changed them, and the rendered file resolves on the
 * trainer's side (ContractConfigTest loads the golden) to the recipe's values.
 */
class RecipesTest {

  private static SarmaeFinetune paperExample() {
    return Fixtures.example("finetune-fusar-40shot-paper.yaml", SarmaeFinetune.class);
  }

  private static String render(SarmaeFinetuneSpec spec) {
    return TrainerConfig.renderFinetune("fusar-ship-40shot-paper", "uid-p", spec, "/w/b");
  }

  @Test
  void theCrdOffersExactlyTheTrainersRecipesForEachKind() throws Exception {
    Path dir = Golden.REPO.resolve("trainer/src/main/resources/io/sarmae/trainer/recipes");
    Set<String> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.map(p -> p.getFileName().toString().replace(".yaml", ""))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> offered = new TreeSet<>();
    for (FinetuneRecipe r : FinetuneRecipe.values()) {
      assertThat(Recipes.command(r.wireName())).as(r.wireName()).isEqualTo("finetune");
      offered.add(r.wireName());
    }
    for (PretrainRecipe r : PretrainRecipe.values()) {
      assertThat(Recipes.command(r.wireName())).as(r.wireName()).isEqualTo("pretrain");
      offered.add(r.wireName());
    }
    assertThat(offered).isEqualTo(files);
    // What the CEL rules require of a recipe run is what the trainer's recipes require.
    for (PretrainRecipe r : PretrainRecipe.values()) {
      assertThat(Recipes.requires(r.wireName()).keySet())
          .containsExactlyInAnyOrder("checkpoint.initWeights", "alignment.opticalWeights");
    }
    for (FinetuneRecipe r : FinetuneRecipe.values()) {
      // model.init is always rendered: fromPretrain or pretrainedWeights is required.
      assertThat(Recipes.requires(r.wireName()).keySet()).containsExactly("model.init");
    }
  }

  @Test
  void keysLeftAtTheirDefaultsAreLeftToTheRecipe() throws Exception {
    var ft = paperExample();
    String yaml = render(ft.getSpec());
    Golden.assertMatches("finetune-recipe-config.yaml", yaml);
    assertThat(yaml).startsWith("recipe: fusar-40shot-vitb\ntask: classification\n");
    Map<String, Object> flat = flatten(yaml);
    // defaults the recipe replaces are not in the file
    assertThat(flat)
        .doesNotContainKeys(
            "optim.epochs", "optim.batchSize", "repeats.count", "model.size", "model.imageSize");
    // what the operator decides, and what the recipe does not set, stays
    assertThat(flat)
        .containsEntry("model.init", "/w/b")
        .containsEntry("data.path", "/data")
        .containsEntry("data.protocol", "kshot")
        .containsEntry("data.shots", 40)
        .containsEntry("run.id", "uid-p")
        .containsKey("checkpoint.dir");
    // every other key is still a contract key
    Set<String> contract = TrainerConfigTest.finetuneContractKeys();
    Set<String> keys = new TreeSet<>(flat.keySet());
    keys.remove(Recipes.KEY);
    assertThat(contract).containsAll(keys);
  }

  @Test
  void aFieldSetToAnotherValueOverridesTheRecipe() throws Exception {
    var ft = paperExample();
    var optim = new io.sarmae.operator.api.v1alpha1.FinetuneOptim();
    optim.setEpochs(10);
    ft.getSpec().setOptim(optim);
    ft.getSpec().setRepeats(3);
    Map<String, Object> flat = flatten(render(ft.getSpec()));
    assertThat(flat).containsEntry("optim.epochs", 10).containsEntry("repeats.count", 3);
    assertThat(flat).doesNotContainKey("optim.batchSize");
  }

  @Test
  void withoutARecipeTheRenderingIsUnchanged() throws Exception {
    var ft = paperExample();
    ft.getSpec().setRecipe(null);
    String yaml = render(ft.getSpec());
    assertThat(yaml).startsWith("task: classification\n");
    assertThat(flatten(yaml)).containsKeys("optim.epochs", "optim.batchSize", "repeats.count");
  }

  @Test
  void pretrainRecipesYieldTheirKeysToo() throws Exception {
    var p = Fixtures.tinyPretrain();
    p.getSpec().setRecipe(PretrainRecipe.PRETRAIN_VITB_PAPER);
    p.getSpec().setModel(null);
    p.getSpec().setOptim(null);
    WeightsRef w = new WeightsRef();
    w.setPath("/w/mae_pretrain_vit_base.pth");
    p.getSpec().setInitWeights(w);
    Map<String, Object> flat = flatten(TrainerConfig.renderPretrain("p", "uid-1", p.getSpec()));
    assertThat(flat).containsEntry("recipe", "pretrain-vitb-paper");
    assertThat(flat).doesNotContainKeys("model.size", "optim.epochs", "noise.sigmaMax");
    assertThat(flat).containsEntry("checkpoint.initWeights", "/w/mae_pretrain_vit_base.pth");
  }

  @Test
  void theOperatorRefusesWhatTheRecipeCannotRun() {
    var ft = paperExample();
    assertThat(SpecValidation.validate(ft)).isEmpty();
    ft.getSpec().setTask(FinetuneTask.SEGMENTATION);
    assertThat(SpecValidation.validate(ft))
        .anyMatch(e -> e.contains("recipes are classification protocols"));
    var p = Fixtures.tinyPretrain();
    p.getSpec().setRecipe(PretrainRecipe.PRETRAIN_VITL_PAPER);
    p.getSpec().setInitWeights(null);
    assertThat(SpecValidation.validate(p))
        .anyMatch(e -> e.contains("give spec.initWeights (mae_pretrain_vit_base.pth"));
    assertThat(Arrays.stream(FinetuneRecipe.values()).map(FinetuneRecipe::wireName))
        .contains("fusar-40shot-vitb");
  }

  private static Map<String, Object> flatten(String yaml) throws Exception {
    return ContractDefaultsTest.flatten(yaml);
  }
}
