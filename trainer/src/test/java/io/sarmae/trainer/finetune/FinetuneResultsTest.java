package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FinetuneResultsTest {

  /** numpy.std (population, ddof 0) as the reference's exp_record, not the sample std. */
  @Test
  void standardDeviationIsThePopulationOne() {
    FinetuneResults.Stat s = FinetuneResults.Stat.of(new double[] {80, 82, 84, 86});
    assertThat(s.mean()).isEqualTo(83.0);
    assertThat(s.std()).isCloseTo(Math.sqrt(5), within(1e-12));
    assertThat(FinetuneResults.Stat.of(new double[] {90}).std()).isZero();
    assertThat(FinetuneResults.Stat.of(new double[0]).n()).isZero();
  }

  @Test
  void aggregatesLastBestAndTestSplits() {
    List<RepeatResult> repeats =
        List.of(repeat(0, 70, 75, 60), repeat(1, 80, 85, 50), repeat(2, 90, 95, 70));
    FinetuneResults.Aggregate a = FinetuneResults.aggregate(repeats);
    assertThat(a.top1Last().mean()).isEqualTo(80.0);
    assertThat(a.top1Last().std()).isCloseTo(Math.sqrt(200.0 / 3), within(1e-12));
    assertThat(a.top1Best().mean()).isEqualTo(85.0);
    assertThat(a.tests().get("Test").mean()).isEqualTo(60.0);
    assertThat(a.tests().get("Test").n()).isEqualTo(3);
  }

  @Test
  void evaluationComputesOverallAndPerClassAccuracy() {
    Evaluation.Accumulator acc = new Evaluation.Accumulator(3);
    acc.add(new int[] {0, 0, 1, 1}, new int[] {0, 1, 1, 1}, 0.5);
    acc.add(new int[] {0, 1}, new int[] {0, 0}, 1.0);
    Evaluation e = acc.finish("Val", 2);
    assertThat(e.images()).isEqualTo(6);
    assertThat(e.top1()).isCloseTo(100.0 * 4 / 6, within(1e-12));
    assertThat(e.perClassAccuracy()).containsExactly(100.0 * 2 / 3, 100.0 * 2 / 3, null);
    assertThat(e.confusion()[0]).containsExactly(2, 1, 0);
    assertThat(e.confusion()[1]).containsExactly(1, 2, 0);
    assertThat(e.loss()).isCloseTo((0.5 * 4 + 1.0 * 2) / 6, within(1e-12));
    assertThat(e.skipped()).isEqualTo(2);
  }

  private static RepeatResult repeat(int k, double last, double best, double test) {
    Evaluation ev = new Evaluation("Val", 1, 0, last, 0.1, new Double[] {last}, new long[][] {{1}});
    Evaluation te =
        new Evaluation("Test", 1, 0, test, 0.1, new Double[] {test}, new long[][] {{1}});
    return new RepeatResult(
        k, k, 10, 0, last, best, 3, ev, Map.of("Test", te), List.of(), null, "m", null, 1.0);
  }
}
