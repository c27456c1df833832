package io.sarmae.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.api.v1alpha1.SpecRules;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CEL transition rule of each CRD compares every spec field except {@link SpecRules#MUTABLE},
 * and the operator's digest drops exactly those: a field added to a spec class without deciding
 * whether it may change fails here.
 */
class SpecRulesTest {

  static Set<String> compared(String cel) {
    Set<String> fields = new TreeSet<>();
    Matcher m = Pattern.compile("has\\(self\\.([A-Za-z0-9]+)\\)").matcher(cel);
    while (m.find()) {
      fields.add(m.group(1));
    }
    return fields;
  }

  static Set<String> properties(Class<?> spec) {
    ObjectMapper mapper = new ObjectMapper();
    var bean = mapper.getSerializationConfig().introspect(mapper.constructType(spec));
    Set<String> names = new TreeSet<>();
    bean.findProperties().forEach(p -> names.add(p.getName()));
    return names;
  }

  @Test
  void everySpecFieldIsEitherComparedOrMutable() {
    for (var c :
        java.util.Map.of(
                SarmaePretrainSpec.class,
                SpecRules.IMMUTABLE_PRETRAIN,
                SarmaeFinetuneSpec.class,
                SpecRules.IMMUTABLE_FINETUNE)
            .entrySet()) {
      Set<String> expected = properties(c.getKey());
      expected.removeAll(SpecRules.MUTABLE);
      assertThat(compared(c.getValue())).as(c.getKey().getSimpleName()).isEqualTo(expected);
      assertThat(properties(c.getKey())).containsAll(SpecRules.MUTABLE);
    }
  }

  /** kubectl get shows why a run is where it is and how often it restarted (issue 13). */
  @Test
  void printerColumnsShowTheReasonAndTheRestartCount() throws Exception {
    for (String file : io.sarmae.operator.testing.MockCluster.CrdFiles.FILES) {
      var crd =
          io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
              java.nio.file.Files.readString(
                  io.sarmae.operator.testing.Golden.REPO.resolve("crds").resolve(file)),
              io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class);
      assertThat(crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
          .extracting(c -> c.getName() + "=" + c.getJsonPath())
          .contains("Reason=.status.reason", "Restarts=.status.restartCount");
    }
  }
}
