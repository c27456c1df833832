package io.sarmae.trainer.train;

import java.util.Map;

/**
 * What {@code state.json} holds besides the tensors. The run's randomness (noise, masking, shuffle)
 * is a pure function of {@code (seed, epoch, position in epoch)}, so the position below is its RNG
 * state: a resumed run draws exactly what an uninterrupted run would have.
 *
 * @param format version of this layout
 * @param epoch the epoch to continue in (0-based)
 * @param batchInEpoch micro-batches of that epoch already consumed (a multiple of accumIter)
 * @param optimizerStep optimizer steps completed
 * @param seed the run's seed
 * @param skippedSamples samples replaced so far
 * @param skippedSteps steps skipped so far
 * @param lastLoss total loss of the last logged step (NaN if none)
 * @param config the resolved config, YAML
 * @param sha256 SHA-256 of each tensor file, by file name
 * @param createdAt ISO-8601 time
 */
public record CheckpointState(
    int format,
    int epoch,
    int batchInEpoch,
    long optimizerStep,
    long seed,
    long skippedSamples,
    long skippedSteps,
    double lastLoss,
    String config,
    Map<String, String> sha256,
    String createdAt) {

  public static final int FORMAT = 1;

  /** A copy with the tensor-file hashes filled in. */
  public CheckpointState withHashes(Map<String, String> hashes) {
    return new CheckpointState(
        format,
        epoch,
        batchInEpoch,
        optimizerStep,
        seed,
        skippedSamples,
        skippedSteps,
        lastLoss,
        config,
        Map.copyOf(hashes),
        createdAt);
  }
}
