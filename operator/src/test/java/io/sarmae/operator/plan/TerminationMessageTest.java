package io.sarmae.operator.plan;

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
  void thePrimaryMetricsValuesAreTheArrayItNames() {
    var seg =
        TerminationMessage.parse(
            "{\"exitCode\":0,\"primaryMetric\":\"mIoU\",\"primaryMean\":41.2,"
                + "\"primaryStd\":0.0,\"mIoU\":[41.2],\"top1\":[1.0],"
                + "\"results\":\"/out/results.json\"}");
    assertThat(seg.primaryMetric()).isEqualTo("mIoU");
    assertThat(seg.primaryMean()).isEqualTo(41.2);
    assertThat(seg.primary()).containsExactly(41.2);
    assertThat(seg.results()).isEqualTo("/out/results.json");
    var cls =
        TerminationMessage.parse(
            "{\"exitCode\":0,\"primaryMetric\":\"top1\",\"primaryMean\":80.1,"
                + "\"primaryStd\":1.2,\"top1Mean\":80.1,\"top1Std\":1.2,\"top1\":[79.2,81.0]}");
    assertThat(cls.primary()).containsExactly(79.2, 81.0);
    assertThat(cls.top1Mean()).isEqualTo(80.1);
    // Pretraining names no metric.
    var pre = TerminationMessage.parse("{\"exitCode\":0,\"loss\":0.4}");
    assertThat(pre.primaryMetric()).isNull();
    assertThat(pre.primary()).isNull();
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
