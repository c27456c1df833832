package io.sarmae.trainer.pretrain;

import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.Batch;
import io.sarmae.trainer.data.EpochPlan;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.PretrainLoader;
import io.sarmae.trainer.data.Sar1mIndex;
import io.sarmae.trainer.data.SarNormalization;
import io.sarmae.trainer.noise.SpeckleNoise;
import java.nio.file.Path;

/** {@link PretrainData} over the SAR-1M index and the prefetching loader, configured from YAML. */
final class DataPipeline implements PretrainData {
  private final Sar1mIndex index;
  private final PretrainLoader loader;
  private final SpeckleNoise noise;

  private DataPipeline(Sar1mIndex index, PretrainLoader loader, SpeckleNoise noise) {
    this.index = index;
    this.loader = loader;
    this.noise = noise;
  }

  static DataPipeline open(TrainerConfig c) {
    return open(c, 0, 1);
  }

  /** The shard of rank {@code rank} of {@code worldSize} data-parallel processes. */
  static DataPipeline open(TrainerConfig c, int rank, int worldSize) {
    Sar1mIndex index = Sar1mIndex.load(Path.of(c.data.path));
    SpeckleNoise noise = noise(c.noise);
    PretrainLoader loader =
        PretrainLoader.builder()
            .setIndex(index)
            .setImageSize(c.model.imageSize)
            .setPatchSize(c.model.patchSize)
            .setBatchSize(c.optim.batchSize)
            .optChannels(c.model.inChannels)
            .optMixing(
                c.data.mixing == TrainerConfig.Mixing.ALL
                    ? EpochPlan.Mixing.ALL
                    : EpochPlan.Mixing.REFERENCE,
                c.data.pairedRatio)
            .optSeed(c.run.seed)
            .optShard(rank, worldSize)
            .optNoise(noise)
            .optSarNormalization(
                c.data.sarNormalization == TrainerConfig.SarNormalization.SYMMETRIC
                    ? SarNormalization.SYMMETRIC
                    : SarNormalization.REFERENCE)
            .optScaling(
                c.data.scaling == TrainerConfig.Scaling.RANGE
                    ? ImageDecoder.Scaling.RANGE
                    : ImageDecoder.Scaling.PERCENTILE)
            .optMaxImagePixels(c.data.maxImagePixels)
            .optWorkers(c.data.workers)
            .optPrefetchBatches(c.data.prefetchBatches)
            .build();
    return new DataPipeline(index, loader, noise);
  }

  private static SpeckleNoise noise(TrainerConfig.Noise n) {
    if (!n.enabled) {
      return null;
    }
    return SpeckleNoise.builder()
        .optMode(
            n.speckle == TrainerConfig.Speckle.GAMMA
                ? SpeckleNoise.Mode.GAMMA
                : SpeckleNoise.Mode.REFERENCE)
        .optRatio(n.ratio)
        .optSigma(n.sigmaMin, n.sigmaMax)
        .optLooks(n.looks)
        .optLooksMax(n.looksMax == null ? 0 : n.looksMax)
        .optDomain(SpeckleNoise.Domain.valueOf(n.domain.name()))
        .optDbSpan(n.dbSpan)
        .build();
  }

  @Override
  public int batchesPerEpoch() {
    return loader.stepsPerEpoch();
  }

  @Override
  public String describe() {
    return index.pairedCount()
        + " paired + "
        + index.unpairedCount()
        + " unpaired images in "
        + index.root();
  }

  @Override
  public EpochIterator open(int epoch, int firstBatch) {
    PretrainLoader.EpochIterator it = loader.open(epoch, firstBatch);
    return new EpochIterator() {
      @Override
      public StepInputs next() {
        return toInputs(it.next());
      }

      @Override
      public void close() {
        it.close();
      }
    };
  }

  static StepInputs toInputs(Batch b) {
    float[] paired = new float[b.size()];
    for (int i = 0; i < paired.length; i++) {
      paired[i] = b.paired()[i] ? 1f : 0f;
    }
    return new StepInputs(
        b.sar(),
        b.target(),
        b.optical(),
        paired,
        b.maskNoise(),
        b.size(),
        b.channels(),
        b.imageSize(),
        b.numPatches());
  }

  @Override
  public long skippedSamples() {
    return loader.skippedSamples();
  }

  @Override
  public long dataWaitedBatches() {
    return loader.waitedBatches();
  }

  @Override
  public double dataWaitSeconds() {
    return loader.waitSeconds();
  }

  @Override
  public long noiseClippedValues() {
    return noise == null ? 0 : noise.clippedValues();
  }

  @Override
  public long noisedValues() {
    return noise == null ? 0 : noise.noisedValues();
  }

  @Override
  public void close() {
    // the loader's threads belong to the epoch iterators, which are closed per epoch
  }
}
