package io.sarmae.trainer.eval.seg;

/**
 * Segmentation metrics over an evaluation set (definitions in {@link SegmentationMetric}).
 *
 * @param iou per-class IoU in [0, 1]; NaN for a class absent from both predictions and labels
 * @param accuracy per-class accuracy (recall) in [0, 1]; NaN for a class absent from the labels
 * @param mIoU mean IoU over classes whose IoU is not NaN (NaN if none)
 * @param mAcc mean accuracy over classes whose accuracy is not NaN (NaN if none)
 * @param aAcc overall pixel accuracy, Σ intersection / Σ label area (NaN with no labelled pixel)
 * @param intersect per-class intersection pixel counts
 * @param union per-class union pixel counts
 * @param predArea per-class predicted pixel counts (non-ignored pixels only)
 * @param labelArea per-class labelled pixel counts
 * @param images number of {@code update} calls
 */
public record SegmentationResult(
    double[] iou,
    double[] accuracy,
    double mIoU,
    double mAcc,
    double aAcc,
    long[] intersect,
    long[] union,
    long[] predArea,
    long[] labelArea,
    long images) {

  /** Number of classes. */
  public int numClasses() {
    return iou.length;
  }

  /** IoU of one class (NaN if absent from both predictions and labels). */
  public double iou(int classId) {
    return iou[classId];
  }

  /** Dice_c = 2 I_c / (Pred_c + Label_c), as mmsegmentation's mDice (NaN if absent from both). */
  public double dice(int classId) {
    return 2.0 * intersect[classId] / (predArea[classId] + labelArea[classId]);
  }
}
