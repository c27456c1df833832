package io.sarmae.trainer.train;

import com.fasterxml.jackson.annotation.JsonCreator;
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
 * @param runId the run identity that wrote it ({@code run.id}, or a generated {@code local-...} id
 *     when that is empty); null in checkpoints written before identities existed
 * @param configDigest SHA-256 of the config keys a resumed run must keep ({@link ResumeCheck});
 *     null in checkpoints written before it existed
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
    String createdAt,
    String runId,
    String configDigest) {

  public static final int FORMAT = 1;

  /** The canonical constructor, the one {@code state.json} is read with. */
  @JsonCreator
  public CheckpointState {}

  /** A state without identity: {@link Checkpointer#save} fills in the run id and config digest. */
  public CheckpointState(
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
    this(
        format,
        epoch,
        batchInEpoch,
        optimizerStep,
        seed,
        skippedSamples,
        skippedSteps,
        lastLoss,
        config,
        sha256,
        createdAt,
        null,
        null);
  }

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
        createdAt,
        runId,
        configDigest);
  }

  /** A copy recording the run identity and config digest. */
  public CheckpointState withIdentity(String id, String digest) {
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
        sha256,
        createdAt,
        id,
        digest);
  }
}
