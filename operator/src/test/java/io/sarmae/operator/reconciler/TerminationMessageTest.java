package io.sarmae.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminationMessageTest {
  @Test
  void parsesTheContractLine() {
    var m =
        TerminationMessage.parse(
            "{\"exitCode\":0,\"reason\":\"Succeeded\",\"message\":\"done\",\"epoch\":300,"
                + "\"step\":90000,\"loss\":0.41,\"checkpoint\":\"/checkpoints/final\","
                + "\"top1Mean\":89.3,\"top1Std\":0.5,\"top1\":[89.0,89.6],\"extra\":true}\n");
    assertThat(m.exitCode()).isZero();
    assertThat(m.step()).isEqualTo(90000L);
    assertThat(m.checkpoint()).isEqualTo("/checkpoints/final");
    assertThat(m.top1()).containsExactly(89.0, 89.6);
  }

  @Test
  void logTailFromFallbackToLogsOnErrorBecomesTheMessage() {
    var m = TerminationMessage.parse("Exception in thread main\n  at Foo.bar\n");
    assertThat(m.exitCode()).isNull();
    assertThat(m.message()).isEqualTo("Exception in thread main\n  at Foo.bar");
    assertThat(TerminationMessage.parse("x".repeat(5000)).message()).hasSize(512);
    assertThat(TerminationMessage.parse("  ")).isNull();
    assertThat(TerminationMessage.parse("{broken").message()).isEqualTo("{broken");
  }
}
