package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.config.TrainerConfig.WeightSchedule;
import io.sarmae.trainer.pretrain.LossWeightSchedule;
import org.junit.jupiter.api.Test;

class SchedulesTest {

  @Test
  void pretrainLrMatchesReferenceReadmeValues() {
    // README recipe: lr 1e-4, warmup 1, 300 epochs, min 0 (reference §9 item 14)
    LrSchedule s = new LrSchedule(1e-4, 0, 1, 300);
    assertThat(s.at(0)).isEqualTo(0);
    assertThat(s.at(0.5)).isCloseTo(5e-5, within(1e-12));
    assertThat(s.at(1)).isCloseTo(1e-4, within(1e-12));
    assertThat(s.at(150.5)).isCloseTo(5e-5, within(1e-12));
    assertThat(s.at(299)).isCloseTo(2.7599e-9, within(1e-12));
  }

  @Test
  void finetuneLrMatchesReferenceReadmeValues() {
    LrSchedule s = new LrSchedule(3.125e-5, 1e-6, 5, 30);
    assertThat(s.at(2.5)).isCloseTo(1.5625e-5, within(1e-12));
    assertThat(s.at(5)).isCloseTo(3.125e-5, within(1e-12));
    assertThat(s.at(17.5)).isCloseTo(1.6125e-5, within(1e-10));
    assertThat(s.at(29.9)).isCloseTo(1.0012e-6, within(1e-9));
  }

  @Test
  void alignmentWeightSchedulesDoWhatTheirNamesSay() {
    LossWeightSchedule constant = new LossWeightSchedule(WeightSchedule.CONSTANT, 1, 0.8, 300);
    assertThat(constant.align(0)).isEqualTo(0.8);
    assertThat(constant.align(299)).isEqualTo(0.8);

    LossWeightSchedule cosine = new LossWeightSchedule(WeightSchedule.COSINE, 1, 0.8, 300);
    assertThat(cosine.align(0)).isCloseTo(0.1, within(1e-12));
    assertThat(cosine.align(150)).isCloseTo(0.45, within(1e-12));
    assertThat(cosine.align(300)).isCloseTo(0.8, within(1e-12));
    assertThat(cosine.align(100)).isLessThan(cosine.align(200));

    LossWeightSchedule linear = new LossWeightSchedule(WeightSchedule.LINEAR, 1, 0.8, 300);
    assertThat(linear.align(0)).isCloseTo(0.08, within(1e-12));
    assertThat(linear.align(150)).isCloseTo(0.8 * 0.55, within(1e-12));
    assertThat(linear.align(300)).isCloseTo(0.8, within(1e-12));
    assertThat(linear.mae(123)).isEqualTo(1.0);
  }
}
