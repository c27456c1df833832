package io.sarmae.trainer.finetune;

import java.util.List;

/**
 * Scores of a detector on one split, accumulated over every image of the split before computing
 * (never a mean of per-batch values), in percent:
 *
 * <ul>
 *   <li>{@code metric: coco} (horizontal boxes): pycocotools' bbox evaluation ({@code
 *       eval/det/CocoEvaluator}); {@code mAP} is AP@[.50:.95] (the primary metric), with AP50,
 *       AP75, AP small/medium/large and AR@100; per-class AP as mmdetection's {@code classwise};
 *   <li>{@code metric: dota} (oriented boxes): the DOTA devkit's task-1 mAP@0.5 ({@code
 *       eval/det/DotaEvaluator}) with VOC07 11-point or all-point AP; {@code mAP} = {@code ap50},
 *       the COCO-only fields null.
 * </ul>
 *
 * A value is null where undefined (COCO's -1: no ground truth in that setting; a class without
 * ground truth).
 *
 * @param loss the detector's training loss on the split's images (mean per image), for the log
 * @param skipped images that could not be read
 * @param degenerate boxes skipped because clipping left less than {@code detection.minBoxSize}
 */
public record DetEvaluation(
    String split,
    int images,
    String metric,
    double mAP,
    Double ap50,
    Double ap75,
    Double apSmall,
    Double apMedium,
    Double apLarge,
    Double ar100,
    List<ClassScore> perClass,
    double loss,
    long skipped,
    long degenerate)
    implements FinetuneTask.Scores {

  /** One class's AP in percent (null without ground truth) and its ground-truth count. */
  public record ClassScore(String name, Double ap, int objects) {}

  @Override
  public double primary() {
    return mAP;
  }

  /** A fraction in [0, 1] as percent; null for pycocotools' -1 or NaN. */
  static Double pct(double v) {
    return Double.isNaN(v) || v < 0 ? null : 100 * v;
  }
}
