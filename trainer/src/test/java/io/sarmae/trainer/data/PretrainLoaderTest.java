package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.noise.SpeckleNoise;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainLoaderTest {
  private static final int SIZE = 32;
  private static final int PATCH = 8;
  private static final int L = 16;
  private static final int B = 4;

  @TempDir static Path shared;
  private static Sar1mIndex index;

  @TempDir Path dir;

  @BeforeAll
  static void generate() throws IOException {
    SynthData.generate(shared, 40, 0.5, 48, 5);
    index = Sar1mIndex.load(shared);
  }

  private static PretrainLoader.Builder loader(Sar1mIndex index) {
    return PretrainLoader.builder()
        .setIndex(index)
        .setImageSize(SIZE)
        .setPatchSize(PATCH)
        .setBatchSize(B)
        .optSeed(9);
  }

  private static List<Batch> epoch(PretrainLoader loader, int epoch, int startStep) {
    List<Batch> batches = new ArrayList<>();
    try (PretrainLoader.EpochIterator it = loader.open(epoch, startStep)) {
      it.forEachRemaining(batches::add);
    }
    return batches;
  }

  private static void assertSame(Batch a, Batch b) {
    assertThat(a.step()).isEqualTo(b.step());
    assertThat(a.ids()).isEqualTo(b.ids());
    assertThat(a.sar()).isEqualTo(b.sar());
    assertThat(a.target()).isEqualTo(b.target());
    assertThat(a.optical()).isEqualTo(b.optical());
    assertThat(a.paired()).isEqualTo(b.paired());
    assertThat(a.maskNoise()).isEqualTo(b.maskNoise());
  }

  /** Asserts lo <= min and max <= hi in one assertion (per-element AssertJ calls are slow). */
  private static void assertRange(float[] x, float lo, float hi) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isGreaterThanOrEqualTo(lo);
    assertThat(max).isLessThanOrEqualTo(hi);
  }

  @Test
  void batchesHaveTheContractShapesAndRanges() {
    PretrainLoader loader = loader(index).build();
    assertThat(loader.stepsPerEpoch()).isEqualTo(10);
    assertThat(loader.numPatches()).isEqualTo(L);
    List<Batch> batches = epoch(loader, 0, 0);
    assertThat(batches).hasSize(10);
    Set<String> pairedIds = new HashSet<>();
    for (int i = 0; i < index.pairedCount(); i++) {
      pairedIds.add(index.paired(i).id());
    }
    Set<String> seen = new HashSet<>();
    int paired = 0;
    for (Batch b : batches) {
      assertThat(b.size()).isEqualTo(B);
      assertThat(b.channels()).isEqualTo(3);
      assertThat(b.sar()).hasSize(B * 3 * SIZE * SIZE);
      assertThat(b.target()).hasSize(B * 3 * SIZE * SIZE);
      assertThat(b.optical()).hasSize(B * 3 * SIZE * SIZE);
      assertThat(b.maskNoise()).hasSize(B * L);
      assertThat(b.paired()).hasSize(B);
      assertThat(b.replacedSamples()).isZero();
      assertRange(b.sar(), -1f, 1f);
      assertRange(b.target(), -1f, 1f);
      assertRange(b.maskNoise(), 0f, Math.nextDown(1f));
      int opt = 3 * SIZE * SIZE;
      for (int i = 0; i < B; i++) {
        assertThat(b.paired()[i]).isEqualTo(pairedIds.contains(b.ids().get(i)));
        boolean allZero = true;
        for (int k = i * opt; k < (i + 1) * opt; k++) {
          allZero &= b.optical()[k] == 0f;
        }
        assertThat(allZero).isEqualTo(!b.paired()[i]);
        paired += b.paired()[i] ? 1 : 0;
      }
      seen.addAll(b.ids());
    }
    // ALL mixing: every sample exactly once.
    assertThat(seen).hasSize(40);
    assertThat(paired).isEqualTo(20);
  }

  @Test
  void sameBatchesWithOneOrFourWorkers() {
    List<Batch> one = epoch(loader(index).optWorkers(1).optPrefetchBatches(1).build(), 2, 0);
    List<Batch> four = epoch(loader(index).optWorkers(4).optPrefetchBatches(3).build(), 2, 0);
    assertThat(four).hasSameSizeAs(one);
    for (int i = 0; i < one.size(); i++) {
      assertSame(one.get(i), four.get(i));
    }
  }

  @Test
  void resumingMidEpochGivesTheTailOfTheFullEpoch() {
    PretrainLoader loader = loader(index).optWorkers(2).build();
    List<Batch> full = epoch(loader, 1, 0);
    List<Batch> tail = epoch(loader(index).optWorkers(3).build(), 1, 6);
    assertThat(tail).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertSame(full.get(6 + i), tail.get(i));
    }
    assertThat(epoch(loader, 1, 10)).isEmpty();
    assertThatThrownBy(() -> loader.open(1, 11)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void epochsDiffer() {
    PretrainLoader loader = loader(index).build();
    assertThat(epoch(loader, 0, 0).get(0).ids()).isNotEqualTo(epoch(loader, 1, 0).get(0).ids());
  }

  @Test
  void noiseMakesInputDifferFromCleanTarget() {
    PretrainLoader always =
        loader(index).optNoise(SpeckleNoise.builder().optRatio(1).build()).build();
    PretrainLoader never = loader(index).optNoise(null).build();
    for (int p = 0; p < 8; p++) {
      PretrainSample noisy = always.sample(0, p);
      PretrainSample clean = never.sample(0, p);
      assertThat(noisy.noise()).isNotEqualTo(SpeckleNoise.Branch.NONE);
      assertThat(noisy.sar()).isNotEqualTo(noisy.target());
      assertThat(noisy.target()).isEqualTo(clean.target());
      assertThat(clean.sar()).isEqualTo(clean.target());
      assertThat(clean.noise()).isEqualTo(SpeckleNoise.Branch.NONE);
    }
  }

  @Test
  void referenceNormalizationUsesImagenetStatsWithoutNoise() {
    PretrainSample symmetric = loader(index).optNoise(null).build().sample(0, 0);
    PretrainSample reference =
        loader(index)
            .optNoise(null)
            .optSarNormalization(SarNormalization.REFERENCE)
            .build()
            .sample(0, 0);
    PretrainSample referenceNoisy =
        loader(index)
            .optNoise(SpeckleNoise.builder().optRatio(0).build())
            .optSarNormalization(SarNormalization.REFERENCE)
            .build()
            .sample(0, 0);
    int plane = SIZE * SIZE;
    float x = (symmetric.target()[plane] + 1f) / 2f; // back to [0, 1], green channel
    assertThat(reference.target()[plane]).isCloseTo((x - 0.456f) / 0.224f, within(1e-5f));
    assertThat(referenceNoisy.target()).isEqualTo(symmetric.target());
  }

  private static org.assertj.core.data.Offset<Float> within(float v) {
    return org.assertj.core.data.Offset.offset(v);
  }

  @Test
  void missingAndCorruptFilesAreSkippedCountedAndReplaced() throws IOException {
    SynthData.generate(dir, 24, 0.5, 32, 8);
    Sar1mIndex idx = Sar1mIndex.load(dir);
    Path missing = idx.unpaired(0).sar();
    Path corrupt = idx.paired(0).sar();
    Path corruptOptical = idx.paired(1).optical();
    Files.delete(missing);
    Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Files.write(corruptOptical, new byte[] {0, 0, 0});
    List<String> skipped = new CopyOnWriteArrayList<>();
    PretrainLoader loader =
        loader(idx).optWorkers(3).optSkipListener((e, reason) -> skipped.add(e.id())).build();
    List<Batch> batches = epoch(loader, 0, 0);
    assertThat(batches).hasSize(6);
    assertThat(loader.skippedSamples()).isEqualTo(3);
    assertThat(skipped)
        .containsExactlyInAnyOrder(idx.unpaired(0).id(), idx.paired(0).id(), idx.paired(1).id());
    int replaced = 0;
    for (Batch b : batches) {
      assertThat(b.ids())
          .doesNotContain(idx.unpaired(0).id(), idx.paired(0).id(), idx.paired(1).id());
      replaced += b.replacedSamples();
    }
    assertThat(replaced).isEqualTo(3);
    // Deterministic with the bad files already known.
    List<Batch> again = epoch(loader, 0, 0);
    for (int i = 0; i < batches.size(); i++) {
      assertSame(batches.get(i), again.get(i));
    }
    assertThat(loader.skippedSamples()).isEqualTo(6);
  }

  @Test
  void nothingReadableIsADataException() throws IOException {
    Files.writeString(dir.resolve("unpaired.json"), "[\"a.png\", \"b.png\", \"c.png\", \"d.png\"]");
    PretrainLoader loader = loader(Sar1mIndex.load(dir)).build();
    try (PretrainLoader.EpochIterator it = loader.open(0, 0)) {
      assertThatThrownBy(it::next)
          .isInstanceOf(DataException.class)
          .hasMessageContaining("no readable image")
          .hasMessageContaining(dir.toString());
    }
  }

  @Test
  void tooFewSamplesForOneBatchIsADataException() {
    assertThatThrownBy(() -> loader(index).setBatchSize(41).build())
        .isInstanceOf(DataException.class)
        .hasMessageContaining("fewer than one batch");
  }

  @Test
  void prefetchKeepsBatchesReadySoTheStepNeverWaits() throws InterruptedException {
    PretrainLoader loader = loader(index).optWorkers(2).optPrefetchBatches(3).build();
    try (PretrainLoader.EpochIterator it = loader.open(0, 0)) {
      waitForReady(it, 3);
      for (int step = 0; step < 4; step++) {
        long start = System.nanoTime();
        Batch b = it.next();
        double ms = (System.nanoTime() - start) / 1e6;
        assertThat(b.step()).isEqualTo(step);
        assertThat(ms).as("next() of a decoded batch").isLessThan(200);
        // A slow "training step": decoding refills the window meanwhile.
        waitForReady(it, 3);
      }
      assertThat(it.nextStep()).isEqualTo(4);
    }
  }

  /**
   * Issue #18's "never waited on": a consumer whose step (a sleep) is longer than a batch takes to
   * decode finds every batch after the first one ready. Counted, not timed: the sleep is twice the
   * first batch's cold decode (JIT included), so the margin grows with a loaded machine.
   */
  @Test
  void aSlowerConsumerNeverWaitsAfterTheFirstBatch() throws InterruptedException {
    PretrainLoader loader = loader(index).optWorkers(2).optPrefetchBatches(3).build();
    try (PretrainLoader.EpochIterator it = loader.open(0, 0)) {
      long start = System.nanoTime();
      it.next();
      long stepMillis = Math.min(1000, Math.max(100, 2 * (System.nanoTime() - start) / 1_000_000));
      int warmUp = it.waitedBatches();
      assertThat(warmUp).isLessThanOrEqualTo(1);
      int consumed = 1;
      while (it.hasNext()) {
        Thread.sleep(stepMillis); // the training step
        it.next();
        consumed++;
      }
      assertThat(consumed).isEqualTo(10);
      assertThat(it.waitedBatches() - warmUp).as("batches waited for after the first").isZero();
      assertThat(loader.waitedBatches()).isEqualTo(it.waitedBatches());
    }
  }

  /** The counter sees waits: a consumer with no step on one worker and no prefetch waits often. */
  @Test
  void aConsumerFasterThanDecodingIsCountedAsWaiting() {
    PretrainLoader loader = loader(index).optWorkers(1).optPrefetchBatches(1).build();
    try (PretrainLoader.EpochIterator it = loader.open(0, 0)) {
      it.forEachRemaining(b -> {});
      // Every batch is submitted only when the previous one is taken, so next() nearly always
      // blocks (decoding takes milliseconds, taking a batch microseconds); half is generous.
      assertThat(it.waitedBatches()).isGreaterThanOrEqualTo(5);
      assertThat(loader.waitedBatches()).isEqualTo(it.waitedBatches());
      assertThat(loader.waitSeconds()).isPositive();
    }
  }

  private static void waitForReady(PretrainLoader.EpochIterator it, int n)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (it.readyBatches() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(it.readyBatches()).isEqualTo(n);
  }

  @Test
  void closeStopsTheThreadsPromptly() {
    PretrainLoader loader = loader(index).optWorkers(4).optPrefetchBatches(8).build();
    PretrainLoader.EpochIterator it = loader.open(0, 0);
    it.next();
    long start = System.nanoTime();
    it.close();
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(2);
    assertThat(it.isTerminated()).isTrue();
    assertThat(it.hasNext()).isFalse();
    it.close();
    // Closing mid-decode must not make any file look corrupt.
    assertThat(loader.skippedSamples()).isZero();
    assertThat(epoch(loader, 0, 0)).allMatch(b -> b.replacedSamples() == 0);
  }
}
