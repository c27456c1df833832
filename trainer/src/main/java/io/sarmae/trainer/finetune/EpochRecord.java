package io.sarmae.trainer.finetune;

import com.fasterxml.jackson.annotation.JsonAlias;

/**
 * One epoch of a repeat: mean training loss, last lr, eval loss and primary metric ({@code null}
 * when the epoch was not evaluated, see {@code data.evalEveryEpochs}); kept in {@code
 * repeats/history-<k>.json} so a resumed repeat keeps its curve. ({@code evalTop1} is read as
 * {@code evalMetric}: files written before tasks existed.)
 */
public record EpochRecord(
    int epoch,
    double trainLoss,
    double lr,
    Double evalLoss,
    @JsonAlias("evalTop1") Double evalMetric,
    long skippedSteps) {

  /** Whether this epoch was evaluated. */
  public boolean evaluated() {
    return evalMetric != null && Double.isFinite(evalMetric);
  }
}
