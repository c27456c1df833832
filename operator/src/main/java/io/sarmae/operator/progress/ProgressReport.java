package io.sarmae.operator.progress;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The trainer's {@code GET /progress} document (trainer contract, "HTTP endpoints"). Fields the
 * trainer does not know yet are absent, hence boxed.
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
    String updatedAt) {}
