package io.sarmae.trainer.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sarmae.trainer.runtime.MemoryStats;

/**
 * The document served at {@code /progress} and written to {@code progress.json} (schema in
 * docs/trainer-contract.md). Unknown values are null and left out, never NaN. {@code memory} is the
 * process's heap, RSS, peak RSS and native bytes when the document was made. {@code evalMetric} /
 * {@code evalValue}: fine-tuning's primary metric ({@code top1}, {@code mIoU}) and its latest value
 * on the eval split, percent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Progress(
    String mode,
    String phase,
    Integer epoch,
    Integer epochs,
    Long step,
    Long totalSteps,
    Double percent,
    Double loss,
    Double maeLoss,
    Double alignLoss,
    Double lr,
    Double imagesPerSecond,
    Long etaSeconds,
    String lastCheckpoint,
    Long skippedSamples,
    Long skippedSteps,
    String evalMetric,
    Double evalValue,
    String startedAt,
    String updatedAt,
    MemoryStats memory) {

  /** Phases of a run, as the operator reads them. */
  public enum Phase {
    Starting,
    Training,
    Checkpointing,
    Succeeded,
    Failed
  }

  /** NaN and infinities become null so the JSON stays valid and the operator sees "unknown". */
  public static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
