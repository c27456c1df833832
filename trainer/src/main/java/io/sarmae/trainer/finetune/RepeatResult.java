package io.sarmae.trainer.finetune;

import java.util.List;
import java.util.Map;

/**
 * The outcome of one repeat (one seed), written as {@code repeats/repeat-<k>.json} when the repeat
 * finishes (a finished repeat is not rerun on resume) and embedded in {@code results.json}.
 *
 * @param top1Last overall accuracy (%) on the eval split after the last epoch
 * @param top1Best the best per-epoch accuracy (%) on the eval split (the reference's {@code
 *     max_accuracy}: selected on that same split)
 * @param bestEpoch 1-based epoch of {@code top1Best} (the last one on ties)
 * @param last the full last-epoch evaluation (per-class accuracy, confusion matrix)
 * @param tests last-epoch model on each {@code data.testSplits} entry
 * @param history one record per epoch
 * @param init how the encoder was initialised (null = from scratch)
 * @param manifest the split manifest file name
 */
public record RepeatResult(
    int repeat,
    long seed,
    int trainImages,
    long skippedTrainImages,
    double top1Last,
    double top1Best,
    int bestEpoch,
    Evaluation last,
    Map<String, Evaluation> tests,
    List<EpochRecord> history,
    InitSummary init,
    String manifest,
    String bestCheckpoint,
    double wallSeconds) {

  /**
   * One epoch: mean training loss, last lr, eval loss and accuracy ({@code null} when the epoch was
   * not evaluated, see {@code data.evalEveryEpochs}).
   */
  public record EpochRecord(
      int epoch, double trainLoss, double lr, Double evalLoss, Double evalTop1, long skippedSteps) {

    /** Whether this epoch was evaluated. */
    public boolean evaluated() {
      return evalTop1 != null && Double.isFinite(evalTop1);
    }
  }

  /** A compact form of {@link PretrainedInit.Report}. */
  public record InitSummary(
      String source, int loaded, List<String> missing, int ignored, String posEmbedResampled) {
    static InitSummary of(PretrainedInit.Report r) {
      return r == null
          ? null
          : new InitSummary(
              r.source(),
              r.loaded().size(),
              r.missing(),
              r.ignored().size(),
              r.posEmbedResampled());
    }
  }
}
