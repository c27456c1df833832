package io.sarmae.trainer.finetune;

import java.util.List;
import java.util.Map;

/**
 * One finished segmentation repeat ({@code repeats/repeat-<k>.json}, embedded in {@code
 * results.json}): mIoU (percent) after the last epoch and at the best evaluated epoch, the full
 * last evaluation (per-class IoU/Acc, mAcc, aAcc), the test splits and the per-epoch history
 * ({@code evalMetric} is mIoU).
 */
public record SegRepeatResult(
    int repeat,
    long seed,
    int trainImages,
    double mIoULast,
    double mIoUBest,
    int bestEpoch,
    SegEvaluation last,
    Map<String, SegEvaluation> tests,
    List<EpochRecord> history,
    RepeatResult.InitSummary init,
    String manifest,
    String bestCheckpoint,
    double wallSeconds) {}
