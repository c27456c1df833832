package io.sarmae.trainer.pretrain;

import io.sarmae.trainer.config.TrainerConfig;

/** The training loop's view of the dataset: epochs of micro-batches, resumable mid-epoch. */
public interface PretrainData extends AutoCloseable {

  /** Opens the dataset a config names (SAR-1M layout under {@code data.path}). */
  static PretrainData open(TrainerConfig config) {
    return DataPipeline.open(config);
  }

  /** Rank {@code rank}'s shard of every global batch, for {@code worldSize} processes. */
  static PretrainData open(TrainerConfig config, int rank, int worldSize) {
    return DataPipeline.open(config, rank, worldSize);
  }

  /** Full micro-batches per epoch for this process ({@code drop_last}). */
  int batchesPerEpoch();

  /** A short description for messages ("120 paired + 40 unpaired images in ./data"). */
  String describe();

  /** Micro-batches of {@code epoch}, starting after {@code firstBatch} consumed ones. */
  EpochIterator open(int epoch, int firstBatch);

  /** Samples replaced because their image was missing or corrupt, since this process started. */
  long skippedSamples();

  /** Pixel values the speckle's [1e-8, 1] clamp changed, since this process started. */
  default long noiseClippedValues() {
    return 0;
  }

  /**
   * Micro-batches the loop had to wait for because the loader had not decoded them yet, since this
   * process started ({@code sarmae_train_data_waited_batches_total}).
   */
  default long dataWaitedBatches() {
    return 0;
  }

  /** Seconds spent in those waits, since this process started. */
  default double dataWaitSeconds() {
    return 0;
  }

  /** Pixel values of all speckled images, since this process started. */
  default long noisedValues() {
    return 0;
  }

  @Override
  void close();

  /** The batches of one epoch, decoded ahead by worker threads. */
  interface EpochIterator extends AutoCloseable {
    StepInputs next();

    @Override
    void close();
  }
}
