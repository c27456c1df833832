package io.sarmae.trainer.finetune;

import java.util.List;
import java.util.Map;

/**
 * What the loop hands a task when a repeat ends.
 *
 * @param last the eval split after the last epoch
 * @param tests the last-epoch model on each {@code data.testSplits} entry
 * @param history one record per epoch
 * @param init how the encoder was initialised (null = from scratch)
 * @param bestCheckpoint the best epoch's checkpoint, null if none was written
 */
public record FinetuneOutcome<E extends FinetuneTask.Scores>(
    int repeat,
    long seed,
    int trainImages,
    long skippedTrainImages,
    E last,
    Map<String, E> tests,
    List<EpochRecord> history,
    PretrainedInit.Report init,
    String manifest,
    String bestCheckpoint,
    double wallSeconds) {

  /** The best evaluated epoch (the last one on ties, as the reference's best checkpoint). */
  public EpochRecord best() {
    EpochRecord best = null;
    for (EpochRecord r : history) {
      if (r.evaluated() && (best == null || r.evalMetric() >= best.evalMetric())) {
        best = r;
      }
    }
    return best;
  }
}
