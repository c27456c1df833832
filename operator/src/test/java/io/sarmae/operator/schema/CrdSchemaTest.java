package io.sarmae.operator.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sarmae.operator.schema.CrdSchema.Violation;
import io.sarmae.operator.schema.CrdSchema.Violation.Type;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Golden;
import org.junit.jupiter.api.Test;

/**
 * The violations the sandbox's API turns into the API server's answers: the field path as the API
 * server spells it, the offending value and the kind of problem.
 */
class CrdSchemaTest {
  static final CrdSchema PRETRAIN =
      CrdSchema.ofCrd(Golden.REPO.resolve("crds/sarmaepretrains.sarmae.io-v1.yml"));

  static ObjectNode tiny() {
    return (ObjectNode) CrdSchema.read(Fixtures.examples().resolve("pretrain-tiny-cpu.yaml"));
  }

  @Test
  void theExampleHasNoViolation() {
    assertThat(PRETRAIN.check(tiny(), null)).isEmpty();
  }

  @Test
  void boundsUnknownFieldsAndRequiredFieldsNameTheirPath() {
    ObjectNode run = tiny();
    ((ObjectNode) run.at("/spec/model")).put("maskRatio", 1.5).put("maskRatoi", 0.5);
    ((ObjectNode) run.get("spec")).remove("data");
    assertThat(PRETRAIN.check(run, null))
        .extracting(Violation::type, Violation::path)
        .contains(
            org.assertj.core.groups.Tuple.tuple(Type.SCHEMA, "spec.model.maskRatio"),
            org.assertj.core.groups.Tuple.tuple(Type.UNKNOWN_FIELD, "spec.model.maskRatoi"),
            org.assertj.core.groups.Tuple.tuple(Type.SCHEMA, "spec.data"));
    Violation bound =
        PRETRAIN.check(run, null).stream()
            .filter(v -> v.path().equals("spec.model.maskRatio"))
            .findFirst()
            .orElseThrow();
    assertThat(bound.value().asDouble()).isEqualTo(1.5);
    assertThat(
            PRETRAIN.check(run, null).stream()
                .filter(v -> v.path().equals("spec.data"))
                .map(Violation::message))
        .containsExactly("Required value");
  }

  @Test
  void celRulesAndTransitionRulesAreViolationsOfTheirObject() {
    ObjectNode run = tiny();
    ((ObjectNode) run.at("/spec/model")).put("patchSize", 7);
    Violation rule = PRETRAIN.check(run, null).get(0);
    assertThat(rule.type()).isEqualTo(Type.RULE);
    assertThat(rule.path()).isEqualTo("spec.model");
    assertThat(rule.value().isObject()).isTrue();
    assertThat(rule.message()).isEqualTo("model.patchSize must divide model.imageSize");

    JsonNode before = tiny();
    ObjectNode after = tiny();
    ((ObjectNode) after.at("/spec/optim")).put("epochs", 3);
    assertThat(PRETRAIN.check(after, null)).isEmpty();
    assertThat(PRETRAIN.check(after, before))
        .extracting(Violation::type, Violation::path)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Type.RULE, "spec"));
  }
}
