package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.data.EpochPlan.Mixing;
import io.sarmae.trainer.data.EpochPlan.Slot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpochPlanTest {

  @Test
  void referenceMixingSmallExample() {
    // §9 item 12: P=10, U=100 -> len 14, cutoff 9, 0..8 paired[0..8], 9..13 unpaired[0..4].
    EpochPlan plan = EpochPlan.create(Mixing.REFERENCE, 10, 100, 0.7, 0);
    assertThat(plan.length()).isEqualTo(14);
    assertThat(plan.cutoff()).isEqualTo(9);
    for (int i = 0; i < 9; i++) {
      assertThat(plan.slot(i)).isEqualTo(new Slot(true, i));
    }
    for (int i = 9; i < 14; i++) {
      assertThat(plan.slot(i)).isEqualTo(new Slot(false, i - 9));
    }
  }

  @Test
  void referenceMixingSarOneMillionScale() {
    EpochPlan plan = EpochPlan.create(Mixing.REFERENCE, 750_000, 300_000, 0.7, 0);
    assertThat(plan.length()).isEqualTo(1_071_428);
    assertThat(plan.cutoff()).isEqualTo(749_999);
    assertThat(plan.length() - plan.cutoff()).isEqualTo(321_429);
    // 321,429 unpaired slots over 300,000 entries wrap around.
    assertThat(plan.slot(plan.length() - 1)).isEqualTo(new Slot(false, 21_428));
  }

  @Test
  void referenceMixingRepeatsSmallUnpairedAndSurvivesEmptyLists() {
    EpochPlan few = EpochPlan.create(Mixing.REFERENCE, 10, 2, 0.7, 0);
    assertThat(few.slot(9)).isEqualTo(new Slot(false, 0));
    assertThat(few.slot(11)).isEqualTo(new Slot(false, 0));
    EpochPlan noUnpaired = EpochPlan.create(Mixing.REFERENCE, 10, 0, 0.7, 0);
    assertThat(noUnpaired.length()).isEqualTo(10);
    assertThat(coverage(noUnpaired, 0)).hasSize(10).allMatch(Slot::paired);
    EpochPlan noPaired = EpochPlan.create(Mixing.REFERENCE, 0, 5, 0.7, 0);
    assertThat(coverage(noPaired, 0)).hasSize(5).noneMatch(Slot::paired);
    EpochPlan ratioOne = EpochPlan.create(Mixing.REFERENCE, 10, 5, 1.0, 0);
    assertThat(ratioOne.length()).isEqualTo(10);
    assertThat(ratioOne.cutoff()).isEqualTo(10);
  }

  @Test
  void allMixingCoversEverythingOnce() {
    EpochPlan plan = EpochPlan.create(Mixing.ALL, 7, 13, 0.7, 3);
    assertThat(plan.length()).isEqualTo(20);
    List<Slot> slots = plan.samples(5, 1);
    assertThat(slots).hasSize(20).doesNotHaveDuplicates();
    Set<Slot> expected = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      expected.add(new Slot(true, i));
    }
    for (int i = 0; i < 13; i++) {
      expected.add(new Slot(false, i));
    }
    assertThat(new HashSet<>(slots)).isEqualTo(expected);
  }

  @Test
  void dropLastBatching() {
    EpochPlan plan = EpochPlan.create(Mixing.ALL, 7, 13, 0.7, 3);
    assertThat(plan.stepsPerEpoch(6)).isEqualTo(3);
    assertThat(plan.samples(0, 6)).hasSize(18);
    assertThat(plan.stepsPerEpoch(21)).isZero();
    assertThat(plan.samples(0, 6)).isEqualTo(plan.samples(0, 1).subList(0, 18));
  }

  @Test
  void shufflesDifferBetweenEpochsAndAreReproducible() {
    EpochPlan plan = EpochPlan.create(Mixing.ALL, 500, 500, 0.7, 42);
    int[] e0 = plan.order(0);
    int[] e1 = plan.order(1);
    assertThat(e0).isNotEqualTo(e1);
    assertThat(EpochPlan.create(Mixing.ALL, 500, 500, 0.7, 42).order(0)).isEqualTo(e0);
    assertThat(EpochPlan.create(Mixing.ALL, 500, 500, 0.7, 43).order(0)).isNotEqualTo(e0);
    int[] sorted = e1.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertThat(sorted[i]).isEqualTo(i);
    }
  }

  private static List<Slot> coverage(EpochPlan plan, long epoch) {
    return new ArrayList<>(plan.samples(epoch, 1));
  }
}
