package io.sarmae.trainer.finetune;

import io.sarmae.trainer.eval.seg.SegmentationResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores of a segmenter on one split, accumulated over every pixel of every image before dividing
 * (mmsegmentation's {@code IoUMetric}, {@code eval/seg/SegmentationMetric}): mIoU, mAcc and aAcc in
 * percent, per-class IoU and accuracy (null where undefined: IoU for a class absent from both
 * predictions and labels, which mIoU excludes; accuracy for a class absent from the labels), the
 * mean per-image loss and, with {@code segmentation.binaryClass}, that class's binary IoU.
 *
 * @param binaryIoU foreground IoU (percent) of {@code binaryClass} versus everything else, or null
 */
public record SegEvaluation(
    String split,
    int images,
    double mIoU,
    double mAcc,
    double aAcc,
    double loss,
    List<ClassScore> perClass,
    Integer binaryClass,
    Double binaryIoU)
    implements FinetuneTask.Scores {

  /** One class: IoU and accuracy in percent, null where undefined. */
  public record ClassScore(String name, Double iou, Double acc) {}

  /** mIoU, the task's primary metric. */
  @Override
  public double primary() {
    return mIoU;
  }

  static SegEvaluation of(
      String split,
      List<String> classes,
      SegmentationResult r,
      double loss,
      Integer binaryClass,
      Double binaryIoU) {
    List<ClassScore> per = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      per.add(new ClassScore(classes.get(c), pct(r.iou()[c]), pct(r.accuracy()[c])));
    }
    return new SegEvaluation(
        split,
        (int) r.images(),
        100 * r.mIoU(),
        100 * r.mAcc(),
        100 * r.aAcc(),
        loss,
        per,
        binaryClass,
        binaryIoU == null ? null : pct(binaryIoU));
  }

  private static Double pct(double v) {
    return Double.isNaN(v) ? null : 100 * v;
  }
}
