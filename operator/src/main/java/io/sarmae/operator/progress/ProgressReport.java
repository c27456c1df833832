package io.sarmae.operator.progress;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The trainer's {@code GET /progress} document (trainer contract, "HTTP endpoints"). Fields the
 * trainer does not know yet are absent, hence boxed. A fine-tune adds, after its first evaluation,
 * {@code evalMetric} (its task's primary metric: {@code top1}, {@code mIoU}) and {@code evalValue}
 * (the latest value on the eval split, percent).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProgressReport(
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
    String startedAt,
    String updatedAt,
    String evalMetric,
    Double evalValue) {

  /** The canonical constructor is the one JSON binds to (the record has a shorter one too). */
  @JsonCreator
  public ProgressReport {}

  /** This report with another {@code lastCheckpoint}, every other field as it is. */
  public ProgressReport withLastCheckpoint(String checkpoint) {
    return new ProgressReport(
        mode,
        phase,
        epoch,
        epochs,
        step,
        totalSteps,
        percent,
        loss,
        maeLoss,
        alignLoss,
        lr,
        imagesPerSecond,
        etaSeconds,
        checkpoint,
        startedAt,
        updatedAt,
        evalMetric,
        evalValue);
  }

  /** A report without evaluation fields (pretraining, or a fine-tune before its first eval). */
  public ProgressReport(
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
      String startedAt,
      String updatedAt) {
    this(
        mode,
        phase,
        epoch,
        epochs,
        step,
        totalSteps,
        percent,
        loss,
        maeLoss,
        alignLoss,
        lr,
        imagesPerSecond,
        etaSeconds,
        lastCheckpoint,
        startedAt,
        updatedAt,
        null,
        null);
  }
}
