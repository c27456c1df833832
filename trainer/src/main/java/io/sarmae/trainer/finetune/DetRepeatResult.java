package io.sarmae.trainer.finetune;

import java.util.List;
import java.util.Map;

/**
 * One finished detection repeat ({@code repeats/repeat-<k>.json}, embedded in {@code
 * results.json}): mAP (percent) after the last epoch and at the best evaluated epoch, the full last
 * evaluation, the test splits and the per-epoch history ({@code evalMetric} is mAP).
 */
public record DetRepeatResult(
    int repeat,
    long seed,
    int trainImages,
    long skippedTrainImages,
    double mAPLast,
    double mAPBest,
    int bestEpoch,
    DetEvaluation last,
    Map<String, DetEvaluation> tests,
    List<EpochRecord> history,
    RepeatResult.InitSummary init,
    String manifest,
    String bestCheckpoint,
    double wallSeconds) {}
